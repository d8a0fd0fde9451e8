"""Tests of Sequential (minigrad/links/sequential.py).

Forward through links and functions against a hand-written chain, tuple outputs unpacked,
registration of links only (paths), list editing, copy and repeat, repr, and the errors.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
import minigrad.links as L
from minigrad import gradient_check
from tests.helpers import uniform


def test_forward_matches_manual_composition():
    l1, l2 = L.Linear(3, 4), L.Linear(4, 2)
    model = L.Sequential(l1, F.relu, l2)
    x = uniform((5, 3), numpy.float32)
    h = numpy.maximum(x @ l1.W.array.T + l1.b.array, 0)
    numpy.testing.assert_allclose(model(x).array, h @ l2.W.array.T + l2.b.array, rtol=1e-5,
                                  atol=1e-6)
    assert [n for n, _ in model.namedparams()] == ['/0/W', '/0/b', '/1/W', '/1/b']
    assert len(model) == 3 and model[1] is F.relu and list(model) == [l1, F.relu, l2]
    gradient_check.check_backward(model, uniform((2, 3), low=0.2, high=1.0),
                                  params=(l1.W, l1.b, l2.W, l2.b), atol=1e-4, rtol=1e-3)


def test_tuple_outputs_are_unpacked():
    model = L.Sequential(lambda x: (x, x * 2), lambda a, b: a + b)
    numpy.testing.assert_allclose(model(minigrad.Variable(numpy.array([1.0]))).array, [3.0])


def test_editing_keeps_children_in_order():
    a, b, c = L.Linear(2, 2), L.Linear(2, 2), L.Linear(2, 2)
    model = L.Sequential(a, F.tanh)
    model.append(b)
    model.insert(0, c)
    assert list(model.children()) == [c, a, b] and [l.name for l in model.children()] == [
        '0', '1', '2']
    assert model.pop() is b and len(model) == 3
    model.remove(F.tanh)
    del model[0]
    assert list(model) == [a] and a.name == '0'
    model[0] = b
    model.extend([F.relu, c])
    assert list(model.children()) == [b, c]
    sub = model[1:]
    assert isinstance(sub, L.Sequential) and list(sub) == [F.relu, c]
    assert c.name == '1'                # still named by its place in the full model


def test_copy_and_repeat():
    model = L.Sequential(L.Linear(2, 3), F.relu)
    c = model.copy(mode='copy')
    assert c[1] is F.relu and c[0] is not model[0] and list(c.children()) == [c[0]]
    numpy.testing.assert_array_equal(c[0].W.array, model[0].W.array)
    r = model.repeat(3)
    assert len(r) == 6 and len(list(r.children())) == 3
    assert [n for n, _ in r.namedparams()][-1] == '/2/b'
    assert not numpy.allclose(r[0].W.array, r[2].W.array)      # 'init': independent
    shared = model.repeat(2, mode='share')
    assert shared[0].W.array is shared[2].W.array is model[0].W.array
    assert len(model.repeat(0)) == 0


def test_repr():
    model = L.Sequential(L.Linear(2, 3), F.relu)
    assert repr(model) == ('Sequential(\n'
                           '  (0): Linear(in_size=2, out_size=3, nobias=False) '
                           '{W: (3, 2) float32, b: (3,) float32}\n'
                           '  (1): relu\n'
                           ')')


def test_errors():
    with pytest.raises(RuntimeError, match='no layers'):
        L.Sequential()(numpy.ones(1))
    with pytest.raises(TypeError, match='a Link or a callable, got int'):
        L.Sequential(3)
    with pytest.raises(ValueError, match='n_repeat must be >= 0'):
        L.Sequential(F.relu).repeat(-1)


# ---- Chainer's list API and Link.repeat / addgrads -------------------------------------------
def test_index_count_clear_flatten_and_plus():
    first, last = L.Linear(2, 3), L.Linear(3, 1)
    seq = L.Sequential(first, F.relu, F.relu)
    assert seq.index(F.relu) == 1 and seq.index(F.relu, 2) == 2 and seq.count(F.relu) == 2
    with pytest.raises(ValueError):
        seq.index(last)
    nested = L.Sequential(seq, last)
    flat = nested.flatten()
    assert list(flat) == [first, F.relu, F.relu, last]
    assert [name for name, _ in flat.namedparams()] == ['/0/W', '/0/b', '/1/W', '/1/b']
    both = L.Sequential(first) + L.Sequential(F.relu, last)
    assert list(both) == [first, F.relu, last] and both[0] is first      # shared, not copied
    x = uniform((4, 2)).astype(numpy.float32)
    numpy.testing.assert_array_equal(both(x).array, last(F.relu(first(x))).array)
    grown = L.Sequential(first)
    grown += L.Sequential(F.relu)
    assert list(grown) == [first, F.relu]
    with pytest.raises(TypeError):
        grown + first
    grown.clear()
    assert len(grown) == 0 and list(grown.params()) == []


def test_link_repeat_and_addgrads():
    numpy.random.seed(0)
    layer = L.Linear(2, 2)
    stack = layer.repeat(3)
    assert isinstance(stack, L.Sequential) and len(stack) == 3
    assert all(link is not layer for link in stack)
    assert not numpy.array_equal(stack[0].W.array, stack[1].W.array)     # drawn again
    shared = layer.repeat(2, mode='share')
    assert shared[0].W.array is layer.W.array
    a, b = L.Linear(2, 2), L.Linear(2, 2)
    x = uniform((3, 2)).astype(numpy.float32)
    for link in (a, b):
        link.cleargrads()
        F.sum(link(x) * link(x)).backward()
    expected = {name: p.grad + dict(b.namedparams())[name].grad for name, p in a.namedparams()}
    a.addgrads(b)
    for name, p in a.namedparams():
        numpy.testing.assert_allclose(p.grad, expected[name], rtol=1e-6)
    with pytest.raises(ValueError, match='addgrads: Linear has no parameter /b'):
        a.addgrads(L.Linear(2, 2, nobias=True))
