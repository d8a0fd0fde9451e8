"""Tests of the arithmetic operators' short road (``minigrad.function._binary_operator``): how
``x + y``, ``x - y``, ``x * y``, ``x / y`` (and F.add, F.sub, F.mul, F.div with a Variable on the
left) record their graph when both operands have one shape and one float dtype.

The reference is ``Function.apply``: for every case the short road takes, the graph it builds
(input nodes, generation, retained arrays, output node) and the gradients it gives (first and
second order) must be the ones ``apply`` gives. The other cases (broadcasting, scalars, mixed or
integer dtypes, hooks, debug mode) must go through ``apply`` and keep its behaviour. Constant
arrays get one node per array (see ``minigrad.function._constant_node``), on both roads.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad.function import Function
from minigrad.functions import basic_math

OPS = [('add', basic_math.Add, lambda a, b: a + b),
       ('sub', basic_math.Sub, lambda a, b: a - b),
       ('mul', basic_math.Mul, lambda a, b: a * b),
       ('div', basic_math.Div, lambda a, b: a / b)]
FUNCTIONS = {'add': F.add, 'sub': F.sub, 'mul': F.mul, 'div': F.div}


def _operands(kind, shape, dtype, seed=0):
    rng = numpy.random.RandomState(seed)
    a = rng.uniform(0.5, 2.0, shape).astype(dtype)
    b = rng.uniform(0.5, 2.0, shape).astype(dtype)
    lhs = minigrad.Variable(a, requires_grad=kind != 'const_lhs')
    if kind == 'array':
        rhs = b
    else:
        rhs = minigrad.Variable(b, requires_grad=kind != 'const_var')
    return lhs, rhs


def _describe(y):
    """What a graph picture and the backward engine see of y's creator."""
    func = y.creator
    nodes = []
    for node in func.inputs:
        nodes.append((node.shape, node.dtype, node.requires_grad, node.creator, node.name,
                      None if node.data is None else node.data.tolist()))
    out = y.node
    return (type(func), func.label, func.generation, nodes,
            (out.shape, out.dtype, out.requires_grad, out.generation, out.data, out.name),
            func._input_indexes_to_retain, func._output_indexes_to_retain)


class _NoApply:
    """Makes Function.apply fail, to prove that the operator did not go through it."""

    def __init__(self, monkeypatch):
        def refuse(self, inputs):
            raise AssertionError('Function.apply was called for %s' % self.label)
        monkeypatch.setattr(Function, 'apply', refuse)


@pytest.mark.parametrize('name, cls, op', OPS, ids=[o[0] for o in OPS])
@pytest.mark.parametrize('kind', ['var', 'array', 'const_var', 'const_lhs'])
@pytest.mark.parametrize('shape', [(), (3,), (2, 3)])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('via', ['operator', 'function'])
def test_same_graph_as_apply(name, cls, op, kind, shape, dtype, via, monkeypatch):
    lhs, rhs = _operands(kind, shape, dtype)
    x = lhs * 1.0               # lhs has a creator, so generations are not all zero
    expected = cls().apply((x, rhs))[0]
    if via == 'function':
        op = FUNCTIONS[name]
    with monkeypatch.context() as m:
        _NoApply(m)
        y = op(x, rhs)
    assert type(y.array) is numpy.ndarray
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_array_equal(y.array, expected.array)
    assert y.requires_grad == expected.requires_grad
    assert _describe(y) == _describe(expected)


@pytest.mark.parametrize('name, cls, op', OPS, ids=[o[0] for o in OPS])
@pytest.mark.parametrize('kind', ['var', 'array', 'const_var', 'const_lhs'])
def test_same_gradients_as_apply(name, cls, op, kind):
    grads = []
    for fast in (True, False):
        lhs, rhs = _operands(kind, (2, 3), numpy.float64)
        h = F.tanh(lhs)
        y = op(h, rhs) if fast else cls().apply((h, rhs))[0]
        z = F.sum(y * y)
        z.backward(enable_double_backprop=True)
        got = [lhs.grad]
        if isinstance(rhs, minigrad.Variable):
            got.append(rhs.grad)
        # a second derivative through the recorded backward
        gx = lhs.grad_var
        if gx is not None:
            lhs.cleargrad()
            F.sum(gx * gx).backward()
            got.append(lhs.grad)
        grads.append(got)
    assert len(grads[0]) == len(grads[1])
    for g_fast, g_ref in zip(*grads):
        if g_ref is None:
            assert g_fast is None
        else:
            numpy.testing.assert_allclose(g_fast, g_ref, rtol=1e-12)


def test_gradients_against_the_closed_form():
    # d/da sum(((a + c) * b - c) / b) = 1 and d/db = c / b ** 2: an independent reference
    rng = numpy.random.RandomState(1)
    a, b, c = (rng.uniform(0.5, 2.0, (4, 5)) for _ in range(3))
    va, vb = minigrad.Variable(a), minigrad.Variable(b)
    y = F.sum(((va + c) * vb - c) / vb)
    y.backward()
    numpy.testing.assert_allclose(va.grad, numpy.ones_like(a), rtol=1e-12)
    numpy.testing.assert_allclose(vb.grad, c / b ** 2, rtol=1e-12)


def test_mul_by_constant_keeps_only_the_constant():
    x = minigrad.Variable(numpy.ones((2, 2)))
    c = numpy.full((2, 2), 3.0)
    y = x * c
    x_node, c_node = y.creator.inputs
    assert x_node.data is None and c_node.data is c
    y2 = x * minigrad.Variable(c)
    assert all(node.data is not None for node in y2.creator.inputs)


def test_add_keeps_no_input():
    x = minigrad.Variable(numpy.ones(3))
    y = x + numpy.ones(3)
    assert [node.data for node in y.creator.inputs] == [None, None]


def test_zero_dim_operands_give_an_array():
    x = minigrad.Variable(numpy.array(2.0))
    for y in (x + numpy.array(1.0), x * x, x / minigrad.Variable(numpy.array(4.0))):
        assert type(y.array) is numpy.ndarray and y.shape == ()


def test_no_backprop_mode_records_nothing():
    x = minigrad.Variable(numpy.ones(3))
    with minigrad.no_backprop_mode():
        y = x * numpy.ones(3)
    assert y.creator is None and y.requires_grad
    z = minigrad.Variable(numpy.ones(3), requires_grad=False) + numpy.ones(3)
    assert z.creator is None and not z.requires_grad


def test_generation_follows_the_older_input():
    a = minigrad.Variable(numpy.ones(2))
    deep = a
    for _ in range(5):
        deep = deep * 1.0
    y = a + deep                   # lhs generation 0, rhs generation 5
    assert y.creator.generation == 5 and y.node.generation == 6


@pytest.mark.parametrize('lhs_shape, rhs_shape', [((2, 3), (3,)), ((1,), (4,)), ((2, 1), (1, 3))])
def test_broadcasting_goes_through_apply(lhs_shape, rhs_shape, monkeypatch):
    applied = []
    apply = Function.apply

    def counting_apply(self, inputs):
        applied.append(self.label)
        return apply(self, inputs)
    monkeypatch.setattr(Function, 'apply', counting_apply)
    x = minigrad.Variable(numpy.ones(lhs_shape))
    y = x * numpy.full(rhs_shape, 2.0)
    assert applied == ['mul']
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.full(lhs_shape, 2.0 * numpy.prod(
        numpy.broadcast_shapes(lhs_shape, rhs_shape)) / numpy.prod(lhs_shape)))


def test_mixed_dtypes_and_integers_keep_their_errors():
    x = minigrad.Variable(numpy.ones(3, dtype=numpy.float32))
    with pytest.raises(minigrad.InvalidType, match='add'):
        x + numpy.ones(3, dtype=numpy.float64)
    xi = minigrad.Variable(numpy.ones(3, dtype=numpy.int64))
    with pytest.raises(minigrad.InvalidType, match='astype'):
        xi * numpy.ones(3, dtype=numpy.int64)


def test_hooks_still_see_the_operators():
    seen = []

    class Record(minigrad.FunctionHook):
        name = 'record'

        def forward_postprocess(self, function, in_data):
            seen.append(function.label)

    x = minigrad.Variable(numpy.ones(3))
    with Record():
        x + x
        x * numpy.ones(3)
    assert seen == ['add', 'mul']


def test_debug_mode_still_checks_the_operators():
    x = minigrad.Variable(numpy.zeros(3))
    with minigrad.using_config('debug', True):
        with numpy.errstate(invalid='ignore'):
            with pytest.raises(FloatingPointError, match='div forward produced NaN'):
                x / x


@pytest.mark.parametrize('name, cls, op', OPS, ids=[o[0] for o in OPS])
def test_operators_on_either_array_module(name, cls, op, xp):
    # Variable op Variable takes the short road on CuPy too; Variable op cupy array goes
    # through apply; both must match NumPy's arithmetic and the closed-form gradients
    rng = numpy.random.RandomState(2)
    a, b = rng.uniform(0.5, 2.0, (2, 3)), rng.uniform(0.5, 2.0, (2, 3))
    for rhs_is_variable in (True, False):
        va = minigrad.Variable(xp.asarray(a))
        rhs = minigrad.Variable(xp.asarray(b)) if rhs_is_variable else xp.asarray(b)
        y = op(va, rhs)
        assert type(y.array) is type(va.array)
        numpy.testing.assert_allclose(minigrad.backend.to_cpu(y.array), op(a, b), rtol=1e-12)
        F.sum(y).backward()
        expected = {'add': numpy.ones_like(a), 'sub': numpy.ones_like(a), 'mul': b,
                    'div': 1 / b}[name]
        numpy.testing.assert_allclose(minigrad.backend.to_cpu(va.grad), expected, rtol=1e-12)


@pytest.mark.parametrize('road', ['short', 'apply'])
def test_a_constant_array_has_one_node(road):
    x = minigrad.Variable(numpy.ones(3))
    c = numpy.full(3, 2.0)
    if road == 'short':
        y = (x + c) * c
    else:
        y = basic_math.Mul().apply((basic_math.Add().apply((x, c))[0], c))[0]
    add, mul = y.creator.inputs[0].creator, y.creator
    assert add.inputs[1] is mul.inputs[1]
    assert mul.inputs[1].data is c and not mul.inputs[1].requires_grad
    # another array, even an equal one, gets its own node
    z = y * c.copy()
    assert z.creator.inputs[1] is not mul.inputs[1]
    F.sum(z).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.full(3, 4.0))


def test_a_reshaped_constant_gets_a_new_node():
    x = minigrad.Variable(numpy.ones((2, 3)))
    c = numpy.full(6, 2.0)
    y = minigrad.Variable(numpy.ones(6)) * c
    c.shape = (2, 3)
    z = x * c
    assert y.creator.inputs[1].shape == (6,)
    assert z.creator.inputs[1].shape == (2, 3)


def test_the_constant_node_is_drawn_once():
    x = minigrad.Variable(numpy.ones(3), name='x')
    c = numpy.full(3, 2.0)
    y = (x + c) * c
    lines = minigrad.graph.build_computational_graph([y]).dump().splitlines()
    variables = [line.split()[0] for line in lines if line.lstrip().startswith('v')
                 and '[' in line]
    assert len(variables) == 4          # x, c, h = x + c and y = h * c
    c_name = variables[1]
    assert sum(line.split()[0] == c_name and '->' in line for line in lines) == 2


def test_remembering_the_last_constant_keeps_nothing_alive():
    import gc
    import weakref
    x = minigrad.Variable(numpy.ones(3))
    c = numpy.full(3, 2.0)
    y = x * c
    c_ref, node_ref = weakref.ref(c), weakref.ref(y.creator.inputs[1])
    del c, y
    gc.collect()
    assert c_ref() is None and node_ref() is None
