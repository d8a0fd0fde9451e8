"""Tests of Variable, Parameter and the backward engine (minigrad/variable.py).

Covers the Variable API (construction, gradients, array-like attributes, repr), Parameter
initialisation, and the engine's contract: gradients summed over reuses, each Function run once
in generation order, deep graphs without recursion, weak references to outputs, arrays freed
when backward does not need them, double backprop, ``minigrad.grad`` and ``unchain_backward``.
"""

import copy
import gc
import subprocess
import sys
import weakref

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import backend, gradient_check
from tests.conftest import FLOAT_DTYPES, TOL


def _var(values, dtype=numpy.float64, **kwargs):
    return minigrad.Variable(numpy.asarray(values, dtype=dtype), **kwargs)


class Identity(minigrad.Function):
    """y = x, recording every backward call in ``log`` (to count and order them)."""

    def __init__(self, tag, log):
        self.tag = tag
        self.log = log

    def forward(self, inputs):
        return inputs[0].copy(),

    def backward(self, indexes, grad_outputs):
        self.log.append(self.tag)
        return grad_outputs[0] * 1,


class Add2(minigrad.Function):
    """y = a + b, recording its backward calls in ``log``."""

    def __init__(self, tag, log):
        self.tag = tag
        self.log = log

    def forward(self, inputs):
        return inputs[0] + inputs[1],

    def backward(self, indexes, grad_outputs):
        self.log.append(self.tag)
        return grad_outputs[0] * 1, grad_outputs[0] * 1


# ---- construction ------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOAT_DTYPES + [numpy.int32])
def test_constructor_keeps_the_array(xp, dtype):
    a = xp.arange(6).reshape(2, 3).astype(dtype)
    x = minigrad.Variable(a)
    assert x.array is a
    assert x.data is a
    assert x.grad is None and x.grad_var is None
    assert x.creator is None
    assert x.name is None
    assert x.requires_grad


def test_constructor_numpy_scalar_becomes_0d_array():
    x = minigrad.Variable(numpy.float32(2.5))
    assert type(x.array) is numpy.ndarray
    assert x.shape == () and x.dtype == numpy.float32
    assert x.item() == 2.5


@pytest.mark.parametrize('bad', [[1.0, 2.0], (1.0,), 3.0, 'x'])
def test_constructor_rejects_non_arrays(bad):
    with pytest.raises(TypeError, match=r'numpy or cupy array, got %s.*numpy\.asarray'
                       % type(bad).__name__):
        minigrad.Variable(bad)


def test_constructor_rejects_non_str_name():
    with pytest.raises(TypeError, match='name must be a str'):
        minigrad.Variable(numpy.zeros(2), name=3)


def test_none_data_and_repr():
    x = minigrad.Variable()
    assert x.array is None
    assert repr(x) == 'variable(None)'


def test_array_setter_replaces_data():
    x = _var([1.0, 2.0])
    y = x * 2.0  # gives x a node
    new = numpy.zeros((3,))
    x.array = new
    assert x.array is new and x.data is new
    assert x.node.shape == (3,)
    assert y.shape == (2,)


def test_data_setter_is_array_setter():
    x = _var([1.0])
    new = numpy.array([5.0])
    x.data = new
    assert x.array is new


# ---- gradients ---------------------------------------------------------------------------

def test_grad_setter_and_grad_var():
    x = _var([1.0, 2.0], dtype=numpy.float32)
    g = numpy.array([0.5, 0.25], dtype=numpy.float32)
    x.grad = g
    assert x.grad is g
    assert isinstance(x.grad_var, minigrad.Variable)
    assert x.grad_var.array is g
    assert not x.grad_var.requires_grad
    x.grad = None
    assert x.grad is None and x.grad_var is None


def test_grad_setter_rejects_wrong_shape():
    x = _var([1.0, 2.0], dtype=numpy.float32, name='w')
    with pytest.raises(ValueError, match=r'variable w\.grad must match the data: expected '
                                         r'\(2,\) float32, got \(3,\) float32'):
        x.grad = numpy.zeros(3, dtype=numpy.float32)
    assert x.grad is None


def test_grad_setter_rejects_wrong_dtype():
    x = _var([1.0, 2.0], dtype=numpy.float32)
    with pytest.raises(ValueError, match=r'expected \(2,\) float32, got \(2,\) float64'):
        x.grad = numpy.zeros(2, dtype=numpy.float64)


def test_grad_setter_rejects_non_array():
    x = _var([1.0, 2.0])
    with pytest.raises(TypeError, match='must be an array or None, got list'):
        x.grad = [0.0, 0.0]


def test_grad_var_setter_checks():
    x = _var([1.0, 2.0])
    with pytest.raises(TypeError, match='grad_var must be a Variable or None'):
        x.grad_var = numpy.zeros(2)
    with pytest.raises(ValueError, match='must match the data'):
        x.grad_var = _var([1.0])
    g = _var([3.0, 4.0])
    x.grad_var = g
    assert x.grad_var is g
    numpy.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_cleargrad_and_zerograd():
    x = _var([1.0, 2.0], dtype=numpy.float32)
    x.zerograd()
    assert x.grad.dtype == numpy.float32
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0])
    x.cleargrad()
    assert x.grad is None


def test_addgrad():
    x = _var([1.0, 2.0])
    y = _var([0.0, 0.0])
    y.grad = numpy.array([1.0, 2.0])
    x.addgrad(y)
    numpy.testing.assert_array_equal(x.grad, [1.0, 2.0])
    assert x.grad is not y.grad
    x.addgrad(y)
    numpy.testing.assert_array_equal(x.grad, [2.0, 4.0])
    numpy.testing.assert_array_equal(y.grad, [1.0, 2.0])


# ---- attributes and methods ---------------------------------------------------------------

def test_name_property_reaches_node():
    x = _var([1.0], name='a')
    assert x.name == 'a'
    node = x.node
    x.name = 'b'
    assert x.name == 'b' and node.name == 'b'
    assert 'b' in repr(node)


@pytest.mark.parametrize('shape', [(), (3,), (2, 3, 4)])
def test_array_like_attributes(shape):
    a = numpy.random.RandomState(0).uniform(-1, 1, shape).astype(numpy.float32)
    x = minigrad.Variable(a)
    assert x.shape == shape
    assert x.ndim == len(shape)
    assert x.size == int(numpy.prod(shape))
    assert x.dtype == numpy.float32
    assert x.xp is numpy
    numpy.testing.assert_array_equal(x.T.array, a.T)


def test_len():
    assert len(_var(numpy.zeros((4, 2)))) == 4
    with pytest.raises(TypeError, match='0-dimensional'):
        len(_var(1.0))


def test_item():
    assert _var([[2.5]]).item() == 2.5
    assert isinstance(_var(3.0).item(), float)


def test_reshape_method_forms():
    a = numpy.arange(6.0)
    x = minigrad.Variable(a)
    for y in (x.reshape(2, 3), x.reshape((2, 3)), x.reshape([2, -1])):
        assert isinstance(y, minigrad.Variable)
        numpy.testing.assert_array_equal(y.array, a.reshape(2, 3))
    y = x.reshape(3, 2)
    F.sum(y * y).backward()
    numpy.testing.assert_allclose(x.grad, 2 * a)


def test_transpose_method_forms():
    a = numpy.arange(24.0).reshape(2, 3, 4)
    x = minigrad.Variable(a)
    numpy.testing.assert_array_equal(x.transpose().array, a.transpose())
    numpy.testing.assert_array_equal(x.transpose(1, 2, 0).array, a.transpose(1, 2, 0))
    numpy.testing.assert_array_equal(x.transpose((2, 0, 1)).array, a.transpose(2, 0, 1))
    numpy.testing.assert_array_equal(x.T.array, a.T)
    w = numpy.random.RandomState(0).normal(size=(4, 2, 3))
    F.sum(x.transpose(2, 0, 1) * w).backward()
    numpy.testing.assert_allclose(x.grad, w.transpose(1, 2, 0))


def test_getitem_method():
    a = numpy.arange(12.0).reshape(3, 4)
    x = minigrad.Variable(a)
    numpy.testing.assert_array_equal(x[1].array, a[1])
    numpy.testing.assert_array_equal(x[:, 1:3].array, a[:, 1:3])
    numpy.testing.assert_array_equal(x[[0, 0, 2]].array, a[[0, 0, 2]])
    F.sum(x[[0, 0, 2], 1]).backward()
    expected = numpy.zeros((3, 4))
    expected[0, 1] = 2
    expected[2, 1] = 1
    numpy.testing.assert_array_equal(x.grad, expected)


def test_repr_shows_data_shape_dtype_and_name():
    x = minigrad.Variable(numpy.array([[1.0, 2.0], [3.0, 4.0]], dtype=numpy.float32),
                          name='h')
    r = repr(x)
    assert r.startswith('variable h([[1., 2.],')
    assert '[3., 4.]]' in r
    assert r.endswith('shape=(2, 2), dtype=float32)')
    assert str(x) == r
    r = repr(_var([1.5, -2.0]))
    assert r == 'variable([ 1.5, -2. ], shape=(2,), dtype=float64)'


def test_to_cpu_on_numpy_is_a_no_op():
    a = numpy.arange(3.0)
    x = minigrad.Variable(a)
    g = numpy.ones(3)
    x.grad = g
    x.to_cpu()
    assert x.array is a
    assert x.grad is g


def test_as_variable_and_as_array():
    a = numpy.zeros(2)
    v = minigrad.as_variable(a)
    assert isinstance(v, minigrad.Variable) and v.array is a and not v.requires_grad
    assert minigrad.as_variable(v) is v
    assert minigrad.as_array(v) is a
    assert minigrad.as_array(a) is a


# ---- Parameter ---------------------------------------------------------------------------

def test_parameter_from_array():
    a = numpy.arange(3, dtype=numpy.float32)
    p = minigrad.Parameter(a, name='W')
    assert isinstance(p, minigrad.Variable)
    assert p.array is a and p.is_initialized
    assert p.name == 'W'
    assert repr(p).startswith('parameter W([0., 1., 2.]')


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_parameter_scalar_initializer(dtype):
    p = minigrad.Parameter(0.5, shape=(2, 3), dtype=dtype)
    assert p.dtype == dtype
    numpy.testing.assert_array_equal(p.array, numpy.full((2, 3), 0.5, dtype=dtype))


def test_parameter_default_dtype_is_float32():
    assert minigrad.Parameter(1.0, shape=(2,)).dtype == numpy.float32


def test_parameter_callable_initializer():
    calls = []

    def init(a):
        calls.append(a.shape)
        a[...] = numpy.arange(a.size).reshape(a.shape)

    p = minigrad.Parameter(init, shape=(2, 2))
    assert calls == [(2, 2)]
    numpy.testing.assert_array_equal(p.array, [[0, 1], [2, 3]])


def test_parameter_initializer_dtype_attribute_wins():
    class Init:
        dtype = numpy.float64

        def __call__(self, a):
            a.fill(2.0)

    p = minigrad.Parameter(Init(), shape=(3,), dtype=numpy.float16)
    assert p.dtype == numpy.float64
    numpy.testing.assert_array_equal(p.array, [2.0, 2.0, 2.0])


def test_parameter_lazy_initialization():
    p = minigrad.Parameter(1.5, name='b')
    assert not p.is_initialized
    assert p.array is None
    assert 'uninitialized' in repr(p)
    p.initialize((4,))
    assert p.is_initialized
    assert p.shape == (4,) and p.dtype == numpy.float32
    numpy.testing.assert_array_equal(p.array, numpy.full(4, 1.5, numpy.float32))


def test_parameter_without_initializer_is_nan():
    p = minigrad.Parameter(shape=(2,))
    assert numpy.isnan(p.array).all()


def test_parameter_update_rule():
    p = minigrad.Parameter(numpy.zeros(2))
    p.update()  # no rule: nothing happens
    numpy.testing.assert_array_equal(p.array, [0.0, 0.0])

    class Rule:
        def update(self, param):
            param.array += 1

    p.update_rule = Rule()
    p.update()
    numpy.testing.assert_array_equal(p.array, [1.0, 1.0])


def test_parameter_gets_grad():
    p = minigrad.Parameter(numpy.array([1.0, 2.0], dtype=numpy.float32))
    F.sum(p * p).backward()
    numpy.testing.assert_allclose(p.grad, [2.0, 4.0])
    assert p.grad.dtype == numpy.float32


def test_requires_grad_false_gets_no_grad():
    x = _var([1.0, 2.0])
    c = _var([3.0, 4.0], requires_grad=False)
    F.sum(x * c).backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 4.0])
    assert c.grad is None


def test_all_inputs_constant_records_no_graph():
    c = _var([3.0, 4.0], requires_grad=False)
    y = c * c
    assert y.creator is None
    assert not y.requires_grad
    y.backward()  # a leaf: nothing to do
    assert c.grad is None


def test_requires_grad_setter():
    x = _var([1.0])
    x.requires_grad = False
    y = x * 2.0
    assert y.creator is None


# ---- the engine --------------------------------------------------------------------------

def test_diamond_graph():
    a = _var(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert float(a.grad) == 4.0


def test_reused_variable_sums_gradients():
    x = _var([2.0, -1.0])
    y = F.sum(x * x * x + x)  # dy/dx = 3 x^2 + 1
    y.backward()
    numpy.testing.assert_allclose(x.grad, 3 * numpy.array([2.0, -1.0]) ** 2 + 1)


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_backward_keeps_dtype(dtype):
    a = numpy.array([0.5, 1.5], dtype=dtype)
    x = minigrad.Variable(a)
    F.sum(F.exp(x) * 2.0).backward()
    assert x.grad.dtype == dtype
    numpy.testing.assert_allclose(x.grad, 2 * numpy.exp(a.astype(numpy.float64)), **TOL[dtype])


def test_gradients_accumulate_until_cleargrad():
    x = _var([1.0, 2.0])
    F.sum(x * x).backward()
    F.sum(x * x).backward()
    numpy.testing.assert_array_equal(x.grad, [4.0, 8.0])
    x.cleargrad()
    F.sum(x * x).backward()
    numpy.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_each_function_runs_once_in_generation_order():
    log = []
    a = _var([1.0, 2.0])
    b = Identity('f1', log)(a)
    c = Identity('f2', log)(b)
    d = Identity('f4', log)(Identity('f3', log)(b))  # a longer branch from b
    e = Add2('add', log)(c, d)
    y = F.sum(e)
    y.backward()
    # f1 must wait for both branches; each function exactly once
    assert sorted(log) == ['add', 'f1', 'f2', 'f3', 'f4']
    assert log[0] == 'add' and log[-1] == 'f1'
    assert log.index('f4') < log.index('f3')
    numpy.testing.assert_array_equal(a.grad, [2.0, 2.0])


def test_generation_numbers():
    x = _var([1.0])
    y = x * 2.0
    z = y * y
    assert y.creator.generation == 0
    assert z.creator.generation == 1
    assert 'generation 1' in repr(z.creator)
    assert y.node.generation == 1 and z.node.generation == 2


def test_backward_of_non_scalar_needs_grad():
    x = _var(numpy.ones((2, 3)))
    y = x * 2.0
    with pytest.raises(ValueError, match=r'shape \(2, 3\).*F\.sum\(y\).*ones_like'):
        y.backward()
    y.grad = numpy.full((2, 3), 0.5)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.ones((2, 3)))


def test_backward_of_one_element_non_scalar():
    x = _var([[3.0]])
    (x * x).backward()
    numpy.testing.assert_array_equal(x.grad, [[6.0]])


def test_deep_chain_without_recursion_error():
    x = _var([1.0], dtype=numpy.float32)
    y = x
    for _ in range(20000):
        y = y + 1.0
    assert y.creator.generation == 19999
    y.backward()
    numpy.testing.assert_array_equal(y.array, [20001.0])
    numpy.testing.assert_array_equal(x.grad, [1.0])
    func = weakref.ref(y.creator)
    del y
    gc.collect()
    assert func() is None


def test_deep_chain_is_freed_without_crashing():
    # a separate interpreter: a crash in deallocation must fail this test, not the whole run
    code = ('import numpy, minigrad\n'
            'x = minigrad.Variable(numpy.ones(1))\n'
            'y = x\n'
            'for _ in range(100000):\n'
            '    y = y * 1.0\n'
            'del y\n'
            'print("freed")\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'freed'


def test_retain_grad():
    x = _var([1.0, 2.0])
    h = x * 3.0
    y = F.sum(h * h)
    y.backward()
    assert h.grad is None
    assert y.grad is not None  # the start keeps the gradient it was given
    x.cleargrad()
    h = x * 3.0
    y = F.sum(h * h)
    y.backward(retain_grad=True)
    numpy.testing.assert_allclose(h.grad, 2 * numpy.array([3.0, 6.0]))
    numpy.testing.assert_allclose(x.grad, 18 * numpy.array([1.0, 2.0]))


def test_output_is_held_weakly_by_its_creator():
    x = _var([1.0, 2.0])
    y = F.exp(x)
    func = y.creator
    assert func.outputs[0]() is y.node
    assert func.inputs[0] is x.node
    del y
    gc.collect()
    assert func.outputs[0]() is None


def test_unused_node_dies_with_its_variable():
    x = _var([1.0, 2.0])
    y = F.exp(x)
    func = weakref.ref(y.creator)
    node = weakref.ref(y.node)
    del y
    gc.collect()
    assert func() is None
    assert node() is None


def test_used_node_outlives_its_variable():
    x = _var([1.0, 2.0])
    y = F.exp(x)
    exp_func = weakref.ref(y.creator)
    z = F.sum(y)
    del y
    gc.collect()
    assert exp_func() is not None  # z still needs it for backward
    z.backward()  # exp's retained output is recovered without the dropped Variable
    numpy.testing.assert_allclose(x.grad, numpy.exp([1.0, 2.0]))


def test_deepcopy_of_a_variable_is_a_leaf_with_copied_data_and_grad():
    x = _var([1.0, 2.0])
    y = F.sum(x * x)
    y.backward()
    for v in (x, y):
        c = copy.deepcopy(v)
        assert c.creator is None and c._node is None
        assert c.array is not v.array
        numpy.testing.assert_array_equal(c.array, v.array)
        assert c.name == v.name and c.requires_grad == v.requires_grad
    cx = copy.deepcopy(x)
    numpy.testing.assert_array_equal(cx.grad, [2.0, 4.0])
    assert cx.grad is not x.grad
    # the copy takes part in new graphs on its own: the original sees none of it
    x.cleargrad()
    F.sum(cx * 3.0).backward()
    numpy.testing.assert_array_equal(cx.grad, [5.0, 7.0])
    assert x.grad is None


def test_deepcopy_of_a_model_after_backward():
    import minigrad.links as L
    model = L.Linear(3, 2)
    F.sum(model(numpy.ones((4, 3), numpy.float32))).backward()
    twin = copy.deepcopy(model)
    assert type(twin.W) is minigrad.Parameter and twin.W.creator is None
    numpy.testing.assert_array_equal(twin.W.array, model.W.array)
    assert twin.W.array is not model.W.array
    numpy.testing.assert_array_equal(twin.W.grad, numpy.full((2, 3), 4.0, numpy.float32))
    # backward through the twin reaches the twin's parameters, not the model's (before nodes
    # were left out of the copy, the copied node still pointed at model.W)
    model.cleargrads()
    twin.cleargrads()
    F.sum(twin(numpy.ones((4, 3), numpy.float32))).backward()
    assert model.W.grad is None
    numpy.testing.assert_array_equal(twin.W.grad, numpy.full((2, 3), 4.0, numpy.float32))


def test_a_node_cannot_be_deep_copied():
    with pytest.raises(TypeError, match='VariableNode cannot be copied.*copy the Variable'):
        copy.deepcopy(_var([1.0]).node)


@pytest.mark.parametrize('op', [F.exp, lambda x: x + x, lambda x: x * 2.0])
def test_unretained_input_array_is_freed(op):
    a = numpy.ones(3)
    ref = weakref.ref(a)
    x = minigrad.Variable(a)
    y = op(x)
    del x, a
    gc.collect()
    assert ref() is None
    assert y.creator is not None


def test_retained_input_array_is_kept():
    a = numpy.array([1.0, 2.0])
    ref = weakref.ref(a)
    x = minigrad.Variable(a)
    y = F.sum(x * x)  # Mul retains both inputs for backward
    del x, a
    gc.collect()
    assert ref() is not None
    func = y.creator.inputs[0].creator
    (xn, _) = func.inputs
    y.backward()
    numpy.testing.assert_array_equal(xn.data, [1.0, 2.0])


def test_enable_double_backprop_gives_grad_var_a_creator():
    x = _var([1.0, 2.0])
    F.sum(x * x * x).backward(enable_double_backprop=True)
    gx = x.grad_var
    assert gx.creator is not None
    numpy.testing.assert_allclose(gx.array, [3.0, 12.0])
    x.cleargrad()
    F.sum(gx).backward()
    numpy.testing.assert_allclose(x.grad, [6.0, 12.0])  # d/dx sum(3 x^2) = 6 x


def test_without_double_backprop_grad_has_no_creator():
    x = _var([1.0, 2.0])
    F.sum(x * x * x).backward()
    assert x.grad_var.creator is None


def test_double_backprop_in_no_backprop_mode_still_records():
    x = _var(2.0)
    y = x * x * x
    with minigrad.no_backprop_mode():
        y.backward(enable_double_backprop=True)
    assert x.grad_var.creator is not None
    assert minigrad.config.enable_backprop


# ---- minigrad.grad -----------------------------------------------------------------------

def test_grad_leaves_dot_grad_alone():
    x = _var([1.0, 2.0])
    w = _var([3.0, -1.0])
    h = x * w
    y = F.sum(h * h)
    gx, gh = minigrad.grad([y], [x, h])
    numpy.testing.assert_allclose(gx.array, 2 * x.array * w.array ** 2)
    numpy.testing.assert_allclose(gh.array, 2 * numpy.array([3.0, -2.0]))
    assert x.grad is None and w.grad is None and h.grad is None and y.grad is None


def test_grad_single_variable_arguments_and_unrelated_input():
    x = _var(3.0)
    z = _var(1.0)
    gx, gz = minigrad.grad(x * x, [x, z])
    assert float(gx.array) == 6.0
    assert gz is None


def test_grad_with_grad_outputs():
    x = _var([1.0, 2.0])
    y = x * x
    gx, = minigrad.grad([y], [x], [numpy.array([10.0, 100.0])])
    numpy.testing.assert_allclose(gx.array, [20.0, 400.0])
    with pytest.raises(ValueError, match='needs a grad_output'):
        minigrad.grad([y], [x])
    with pytest.raises(ValueError, match='got 1 outputs but 2 grad_outputs'):
        minigrad.grad([y], [x], [numpy.ones(2), numpy.ones(2)])
    # a grad_output of another shape or dtype used to give a gradient of that shape or dtype
    with pytest.raises(ValueError, match=r'grad_outputs\[0\] .* \(2,\) float64; got \(1,\)'):
        minigrad.grad([y], [x], [numpy.ones(1)])
    with pytest.raises(ValueError, match=r'grad_outputs\[0\] .*; got \(2,\) float32'):
        minigrad.grad([y], [x], [numpy.ones(2, numpy.float32)])


def test_grad_of_outputs_that_depend_on_each_other():
    x = _var(1.0)
    y1 = x * 3.0
    y2 = y1 * 2.0
    gx, gy1 = minigrad.grad([y2, y1], [x, y1])
    assert float(gx.array) == 9.0   # d(y1 + y2)/dx = 3 + 6
    assert float(gy1.array) == 3.0  # y1 is a start (1) and feeds y2 (2)


def test_grad_stop_at_inputs():
    x = _var(2.0)
    h = x * x
    y = h * 3.0
    gh, gx = minigrad.grad(y, [h, x])
    assert float(gh.array) == 3.0 and float(gx.array) == 12.0  # total derivative 3 * 2x
    gh, gx = minigrad.grad(y, [h, x], stop_at_inputs=True)
    assert float(gh.array) == 3.0
    assert gx is None  # x reaches y only through h, where the gradient stops


def test_grad_double_backprop():
    x = _var(2.0)
    gx, = minigrad.grad([x ** 3], [x], enable_double_backprop=True)
    ggx, = minigrad.grad([gx], [x])
    assert float(gx.array) == 12.0
    assert float(ggx.array) == 12.0
    assert x.grad is None


def test_newton_method_finds_minimum():
    # f(x) = x^4 - 2 x^2 has its minima at x = +-1; from x = 2 Newton goes to 1
    x = _var(2.0)
    for _ in range(10):
        y = x ** 4 - 2 * x ** 2
        gx, = minigrad.grad([y], [x], enable_double_backprop=True)
        gx2, = minigrad.grad([gx], [x])
        x = minigrad.Variable(x.array - gx.array / gx2.array)
    assert abs(float(x.array) - 1.0) < 1e-10


def test_newton_first_step_matches_closed_form():
    x0 = 2.0
    x = _var(x0)
    gx, = minigrad.grad([x ** 4 - 2 * x ** 2], [x], enable_double_backprop=True)
    gx2, = minigrad.grad([gx], [x])
    assert float(gx.array) == pytest.approx(4 * x0 ** 3 - 4 * x0)
    assert float(gx2.array) == pytest.approx(12 * x0 ** 2 - 4)


# ---- gradients never share arrays -----------------------------------------------------------

def test_leaves_do_not_share_a_grad_array():
    a = _var([1.0, 2.0])
    b = _var([3.0, 4.0])
    c = a + b
    g = numpy.array([1.0, 1.0])
    c.grad = g
    c.backward()
    assert a.grad is not b.grad
    assert not numpy.shares_memory(a.grad, b.grad)
    assert not numpy.shares_memory(a.grad, g) and not numpy.shares_memory(b.grad, g)
    a.grad *= 5
    numpy.testing.assert_array_equal(b.grad, [1.0, 1.0])
    numpy.testing.assert_array_equal(g, [1.0, 1.0])


def test_scalar_loss_leaves_do_not_share_a_grad_array():
    a = _var([1.0, 2.0])
    b = _var([3.0, 4.0])
    F.sum(a + b).backward()
    assert not numpy.shares_memory(a.grad, b.grad)
    a.grad[...] = 0
    numpy.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_retained_grads_do_not_share_arrays():
    a = _var([1.0, 2.0])
    h = a * 1.0
    b = h + 0.0
    y = F.sum(b)
    y.backward(retain_grad=True)
    grads = [a.grad, h.grad, b.grad]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not numpy.shares_memory(grads[i], grads[j])


def test_reshape_grad_is_not_a_view():
    x = _var(numpy.arange(6.0).reshape(2, 3))
    y = x.reshape(6)
    g = numpy.arange(6.0)
    y.grad = g
    y.backward()
    numpy.testing.assert_array_equal(x.grad, g.reshape(2, 3))
    assert x.grad.base is None
    assert not numpy.shares_memory(x.grad, g)
    x.grad[0, 0] = 100.0
    assert g[0] == 0.0


def _pass_through_graph():
    # h = a + b is used twice, so its gradient is a sum made by the engine; Add hands that
    # same gradient to a and b, and a then receives one more contribution (from m) later
    a = _var([1.0, 2.0])
    b = _var([0.0, 0.0])
    h = a + b
    m = a * 5.0
    for _ in range(3):  # a longer branch: its gradient reaches a after Add's
        m = m * 1.0
    y = F.sum(h * 2.0 + h * 3.0 + m)
    return a, b, h, y


# regression: a sum the engine added into in place was also handed on by Add's backward
def test_summed_gradient_passed_through_is_not_modified_in_place():
    a, b, h, y = _pass_through_graph()
    y.backward()
    numpy.testing.assert_array_equal(a.grad, [10.0, 10.0])
    numpy.testing.assert_array_equal(b.grad, [5.0, 5.0])


def test_retained_summed_gradient_is_not_modified_in_place():
    a, b, h, y = _pass_through_graph()
    y.backward(retain_grad=True)
    numpy.testing.assert_array_equal(h.grad, [5.0, 5.0])


def test_grad_of_summed_intermediate_is_not_modified_in_place():
    a, b, h, y = _pass_through_graph()
    gh, ga, gb = minigrad.grad(y, [h, a, b])
    numpy.testing.assert_array_equal(gh.array, [5.0, 5.0])
    numpy.testing.assert_array_equal(ga.array, [10.0, 10.0])
    numpy.testing.assert_array_equal(gb.array, [5.0, 5.0])


def test_pass_through_graph_with_double_backprop():
    # with the graph recorded no sum is added into in place: the reference result
    a, b, h, y = _pass_through_graph()
    y.backward(retain_grad=True, enable_double_backprop=True)
    numpy.testing.assert_array_equal(h.grad, [5.0, 5.0])
    numpy.testing.assert_array_equal(a.grad, [10.0, 10.0])
    numpy.testing.assert_array_equal(b.grad, [5.0, 5.0])


# ---- gradients computed in place (first-order backward reuses the engine's own arrays) -----

def _mul_add_chain(x, consts):
    # h = (((x * c0) + d) * c1 + d) ...: dh/dx = c0 * c1 * ... elementwise
    h = x
    for c in consts:
        h = h * c + 0.5
    return h


def _consts(n, shape, seed=0):
    return [numpy.random.RandomState(seed + k).uniform(0.5, 1.5, shape) for k in range(n)]


def test_chain_computed_in_place_matches_closed_form():
    consts = _consts(6, (2, 3))
    x = _var(numpy.ones((2, 3)))
    F.sum(_mul_add_chain(x, consts)).backward()
    numpy.testing.assert_allclose(x.grad, numpy.prod(consts, axis=0), rtol=1e-12)
    F.sum(_mul_add_chain(x, consts)).backward()         # accumulates into the same .grad
    numpy.testing.assert_allclose(x.grad, 2 * numpy.prod(consts, axis=0), rtol=1e-12)


def test_start_gradient_given_by_the_user_is_not_overwritten():
    consts = _consts(4, (3,))
    x = _var(numpy.ones(3))
    y = _mul_add_chain(-x * 2.0 - x, consts)
    g = numpy.array([1.0, 2.0, 3.0])
    y.grad = g
    y.backward()
    numpy.testing.assert_array_equal(g, [1.0, 2.0, 3.0])
    numpy.testing.assert_allclose(x.grad, -3 * g * numpy.prod(consts, axis=0), rtol=1e-12)


def test_retained_gradients_of_a_chain_are_not_overwritten():
    consts = _consts(5, (4,))
    x = _var(numpy.ones(4))
    hs = [x]
    for c in consts:
        hs.append(hs[-1] * c + 0.5)
    F.sum(hs[-1]).backward(retain_grad=True)
    for k, h in enumerate(hs):
        numpy.testing.assert_allclose(h.grad, numpy.prod(consts[k:], axis=0), rtol=1e-12)


def test_grad_of_intermediate_and_leaf_in_a_chain():
    consts = _consts(6, (3,))
    x = _var(numpy.ones(3))
    h = _mul_add_chain(x, consts[:3])
    y = F.sum(_mul_add_chain(h, consts[3:]))
    gh, gx = minigrad.grad(y, [h, x])
    numpy.testing.assert_allclose(gh.array, numpy.prod(consts[3:], axis=0), rtol=1e-12)
    numpy.testing.assert_allclose(gx.array, numpy.prod(consts, axis=0), rtol=1e-12)


class _KeepsGrad(minigrad.Function):
    """y = x; backward keeps the gradient it was given (as a user's Function may)."""

    def forward(self, inputs):
        return inputs[0].copy(),

    def backward(self, indexes, grad_outputs):
        self.kept = grad_outputs[0]
        return grad_outputs[0],


def test_gradient_seen_by_a_users_function_is_not_overwritten_later():
    consts = _consts(4, (3,))
    x = _var(numpy.ones(3))
    keep = _KeepsGrad()
    h, = keep.apply((_mul_add_chain(x, consts[:2]),))
    F.sum(_mul_add_chain(h, consts[2:])).backward()
    expected_at_h = numpy.prod(consts[2:], axis=0)
    numpy.testing.assert_allclose(keep.kept.array, expected_at_h, rtol=1e-12)
    numpy.testing.assert_allclose(x.grad, numpy.prod(consts, axis=0), rtol=1e-12)


def test_gradients_seen_by_a_hook_are_not_overwritten_later():
    class KeepAll(minigrad.FunctionHook):
        name = 'KeepAll'

        def __init__(self):
            self.seen = []

        def backward_preprocess(self, function, indexes, grad_outputs):
            self.seen.append((function.label, grad_outputs[0].array,
                              grad_outputs[0].array.copy()))

    consts = _consts(4, (3,))
    x = _var(numpy.ones(3))
    y = F.sum(_mul_add_chain(x, consts))
    with KeepAll() as hook:
        y.backward()
    assert len(hook.seen) == 9
    for label, array, kept in hook.seen:
        numpy.testing.assert_array_equal(array, kept, err_msg=label)


def test_gradient_handed_to_two_inputs_is_not_shared_in_place():
    # Add(h, h) gives one gradient array for both uses of h; the sum must not double it twice
    consts = _consts(3, (2,))
    x = _var(numpy.ones(2))
    h = _mul_add_chain(x, consts[:1])
    y = F.sum(_mul_add_chain(h + h, consts[1:]))
    y.backward()
    numpy.testing.assert_allclose(x.grad, 2 * numpy.prod(consts, axis=0), rtol=1e-12)


def test_sub_and_neg_in_place_with_both_operands_variables():
    a, b = _var([1.0, 2.0]), _var([3.0, 5.0])
    c = numpy.array([2.0, 3.0])
    y = F.sum(-((a * c - b * c) * c))            # dy/da = -c^2, dy/db = c^2
    y.backward()
    numpy.testing.assert_allclose(a.grad, -c * c, rtol=1e-12)
    numpy.testing.assert_allclose(b.grad, c * c, rtol=1e-12)
    assert not numpy.shares_memory(a.grad, b.grad)


def test_broadcast_chain_sums_back_to_each_shape():
    x = _var(numpy.ones((3, 1)))
    c = numpy.arange(1.0, 13.0).reshape(3, 4)
    y = F.sum((x * c) * c - x * 2.0)              # dy/dx = sum_j c_ij^2 - 4 * 2
    y.backward()
    numpy.testing.assert_allclose(x.grad, (c * c).sum(axis=1, keepdims=True) - 8.0)


def test_activations_in_place_match_closed_form():
    # every Function here receives a gradient array the engine owns and scales it in place
    x0 = numpy.array([-0.7, 0.2, 0.9])
    x = _var(x0)
    y = F.sum(F.relu(F.sigmoid(F.tanh(F.exp(x) * 2.0) * 3.0) - 0.93))
    y.backward()
    e = numpy.exp(x0)
    t = numpy.tanh(e * 2.0)
    s = 1 / (1 + numpy.exp(-t * 3.0))
    expected = (s > 0.93) * s * (1 - s) * 3.0 * (1 - t * t) * 2.0 * e
    assert (s > 0.93).any() and not (s > 0.93).all()
    numpy.testing.assert_allclose(x.grad, expected, rtol=1e-12)


# ---- unchain / unchain_backward ------------------------------------------------------------

def test_unchain_cuts_only_this_variable():
    x = _var([1.0])
    h = x * 2.0
    y = h * 3.0
    y.unchain()
    assert y.creator is None
    assert h.creator is not None
    y.backward()
    assert x.grad is None


def test_unchain_backward_cuts_everything_behind():
    x = _var([1.0, 2.0])
    w = _var([0.5, 0.5])
    vs = []
    h = x
    for _ in range(5):
        h = F.exp(h * w) * 0.1 + h * 0.5
        vs.append(h)
    y = F.sum(h)
    behind = [v for v in vs] + [y]
    assert all(v.creator is not None for v in behind)
    funcs = [weakref.ref(v.creator) for v in behind]
    y.unchain_backward()
    assert all(v.creator is None for v in behind)
    del vs, behind, h
    gc.collect()
    assert all(f() is None for f in funcs)
    numpy.testing.assert_array_equal(x.array, [1.0, 2.0])
    y.backward()
    assert x.grad is None and w.grad is None


def test_unchain_backward_frees_functions_even_if_variables_are_kept():
    x = _var([1.0])
    vs = [x]
    for _ in range(10):
        vs.append(vs[-1] * 2.0)
    funcs = [weakref.ref(v.creator) for v in vs[1:]]
    vs[-1].unchain_backward()
    gc.collect()
    assert all(v.creator is None for v in vs)
    assert all(f() is None for f in funcs)


def test_unchain_backward_on_leaf_is_a_no_op():
    x = _var([1.0])
    x.unchain_backward()
    x.unchain()
    assert x.creator is None


def test_truncated_bptt_keeps_graph_bounded():
    w = minigrad.Parameter(numpy.array([0.5]))
    x = numpy.array([1.0])
    h = _var([0.0])
    live = weakref.WeakSet()
    peak = 0
    for t in range(2000):
        h = h * w + x
        live.add(h.creator)
        live.add(h.creator.inputs[0].creator)
        if (t + 1) % 35 == 0:
            w.cleargrad()
            F.sum(h).backward()
            h.unchain_backward()
            gc.collect()
            peak = max(peak, len(live))
            assert len(live) == 0
    assert h.creator is not None  # the last 2000 % 35 = 5 steps are still recorded
    n_funcs = sum(1 for o in gc.get_objects() if isinstance(o, minigrad.Function))
    assert n_funcs <= 2 * 35
    assert peak == 0
    # the recurrence converges to x / (1 - w) = 2
    numpy.testing.assert_allclose(h.array, [2.0])
    # dh/dw of the last 35-step window (earlier steps cut): sum_k h_{t-k-1} w^k ~= 2 * 2 = 4
    assert float(w.grad[0]) == pytest.approx(4.0, rel=1e-6)


def test_zero_dim_output_is_an_array():
    # Function outputs should be arrays even for 0-d results (numpy ufuncs give scalars)
    y = F.sum(_var([1.0, 2.0]))
    assert type(y.array) is numpy.ndarray


def test_zero_dim_grad_is_an_array():
    p = minigrad.Parameter(numpy.array(3.0, dtype=numpy.float32))
    (p * 10.0).backward()
    assert type(p.grad) is numpy.ndarray
    p.grad = p.grad  # an optimizer hook re-assigning the gradient


def test_to_cpu_moves_everything(xp):
    x = minigrad.Variable(xp.arange(3.0))
    y = x * x
    F.sum(y).backward()
    x.to_cpu()
    assert type(x.array) is numpy.ndarray and type(x.grad) is numpy.ndarray
    numpy.testing.assert_array_equal(x.grad, [0.0, 2.0, 4.0])
    numpy.testing.assert_array_equal(backend.to_cpu(x.node.data), [0.0, 1.0, 2.0])


def test_ndarray_subclasses_are_taken_as_plain_arrays(tmp_path):
    # numpy.load(..., mmap_mode='r') gives a numpy.memmap; it used to be refused as "not a
    # numpy array"; a numpy.matrix must not bring its matrix product to `*`
    numpy.save(tmp_path / 'a.npy', numpy.arange(3.0))
    m = numpy.load(tmp_path / 'a.npy', mmap_mode='r')
    assert type(minigrad.Variable(m).array) is numpy.ndarray
    x = _var([1.0, 1.0, 1.0])
    for y in (x * m, m * x, F.exp(m) * x):
        assert type(y.array) is numpy.ndarray
    y = F.sum(x * m + F.exp(m))
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 1.0, 2.0])
    with pytest.warns(PendingDeprecationWarning):        # NumPy's, for making a matrix
        mat = numpy.matrix([[1.0, 2.0], [3.0, 4.0]])
    a = minigrad.Variable(mat)
    numpy.testing.assert_array_equal((a * a).array, [[1.0, 4.0], [9.0, 16.0]])   # elementwise


@pytest.mark.parametrize('op, da', [
    (lambda a, w: a * w, lambda a, w: w),
    (lambda a, w: a / w, lambda a, w: 1 / w),
    (lambda a, w: F.exp(a) * w, lambda a, w: numpy.exp(a) * w),
])
def test_requires_grad_switched_on_after_forward_applies_to_later_graphs(op, da):
    # the graph already recorded keeps the old flag (its Functions kept only what that flag
    # needed: Mul did not keep w for a), as in PyTorch; it used to crash in Mul.backward
    a_data, w_data = numpy.array([1.0, 2.0]), numpy.array([3.0, 4.0])
    a = minigrad.Variable(a_data, requires_grad=False)
    w = minigrad.Variable(w_data)
    y = F.sum(op(a, w))
    a.requires_grad = True
    y.backward()
    assert a.grad is None and w.grad is not None
    F.sum(op(a, w)).backward()                      # a graph recorded after the switch
    numpy.testing.assert_allclose(a.grad, da(a_data, w_data), rtol=1e-12)


@pytest.mark.parametrize('make', [
    lambda x: F.sigmoid(F.sum(x)),
    lambda x: F.exp(F.sum(x)),
    lambda x: F.tanh(F.sum(x)) * 3.0,
    lambda x: F.sum(x) * 2.0,
])
def test_a_0d_intermediate_used_twice(make):
    # two gradients of a 0-d variable summed to a NumPy scalar, and the next in-place step
    # (g *= w) then scaled a copy: first-order gradients were silently wrong
    def loss(x):
        s = make(x)
        return F.sin(s) + F.cos(s)
    data = numpy.array([0.3, 0.4])
    x = _var(data)
    loss(x).backward()
    first = x.grad
    x.cleargrad()
    loss(x).backward(enable_double_backprop=True)        # builds Functions: no in-place step
    numpy.testing.assert_allclose(first, x.grad.copy(), rtol=1e-12)
    gradient_check.check_backward(loss, data)


def test_a_0d_leaf_used_twice_gets_an_array_gradient():
    x = _var(0.5)
    (F.sin(x) + F.cos(x)).backward()
    assert type(x.grad) is numpy.ndarray and x.grad.shape == ()
    numpy.testing.assert_allclose(x.grad, numpy.cos(0.5) - numpy.sin(0.5), rtol=1e-12)


def test_requires_grad_switched_off_after_forward_stops_the_gradient():
    # freezing a weight after the forward pass (PyTorch gives None here too)
    w = _var([1.0, 2.0])
    y = F.sum(w * 3.0)
    w.requires_grad = False
    y.backward()
    assert w.grad is None


def test_grad_takes_a_numpy_scalar_grad_output():
    x = _var([0.0, 1.0, 2.0])
    gx, = minigrad.grad([F.sum(x * x)], [x], [numpy.float64(2.0)])
    numpy.testing.assert_array_equal(gx.array, [0.0, 4.0, 8.0])
