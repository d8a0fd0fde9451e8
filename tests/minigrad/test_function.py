"""Tests of the Function base class (minigrad/function.py) and debug mode.

Covers the subclass contract (forward returns a tuple, backward returns one gradient per
requested input), the teaching errors of check_type_forward (function name, argument, dtypes,
shapes, how to cast), labels, ``__call__``, retained inputs/outputs, and the NaN/Inf checks of
debug mode in forward and backward.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import type_check


def _var(values, dtype=numpy.float64, **kwargs):
    return minigrad.Variable(numpy.asarray(values, dtype=dtype), **kwargs)


class Square(minigrad.Function):
    """The example of the Function docstring: y = x ** 2."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        return 2 * x * gy,


class ReturnsList(minigrad.Function):
    def forward(self, inputs):
        return [inputs[0] * 2]


class ReturnsArray(minigrad.Function):
    def forward(self, inputs):
        return inputs[0] * 2


class TooManyGrads(minigrad.Function):
    def forward(self, inputs):
        return inputs[0] + inputs[1],

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return gy, gy, gy


class SplitTwo(minigrad.Function):
    """Two outputs: (2 x, 3 x)."""

    def forward(self, inputs):
        x, = inputs
        return x * 2, x * 3

    def backward(self, indexes, grad_outputs):
        g0, g1 = grad_outputs
        gx = None
        if g0 is not None:
            gx = g0 * 2.0
        if g1 is not None:
            gx = g1 * 3.0 if gx is None else gx + g1 * 3.0
        return gx,


class NanGrad(minigrad.Function):
    """y = a + b whose backward gives NaN for b only (as a raw array, so no op sees it first)."""

    def forward(self, inputs):
        return inputs[0] + inputs[1],

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return gy * 1.0, gy.array * numpy.nan


class PlainArrayGrad(minigrad.Function):
    """y = 3 x with a backward that returns a raw array (allowed, not double-differentiable)."""

    def forward(self, inputs):
        return inputs[0] * 3,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0].array * 3,


class NoBackward(minigrad.Function):
    def forward(self, inputs):
        return inputs[0].copy(),


class CPUOnly(minigrad.Function):
    def forward_cpu(self, inputs):
        return inputs[0] + 1,


class HTTPServerLike(minigrad.Function):
    def forward(self, inputs):
        return inputs[0],


class Labelled(minigrad.Function):
    label = 'my_op'

    def forward(self, inputs):
        return inputs[0],


# ---- the contract ------------------------------------------------------------------------

def test_docstring_example_square():
    x = _var([1.0, -2.0, 3.0])
    y, = Square().apply((x,))
    numpy.testing.assert_array_equal(y.array, [1.0, 4.0, 9.0])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [2.0, -4.0, 6.0])


def test_apply_accepts_arrays_as_constants():
    a = numpy.array([1.0, 2.0])
    y, = Square().apply((a,))
    assert isinstance(y, minigrad.Variable)
    assert y.creator is None  # nothing needs a gradient
    numpy.testing.assert_array_equal(y.array, [1.0, 4.0])


def test_apply_rejects_other_objects():
    with pytest.raises(TypeError, match=r'square: inputs must be Variables or numpy/cupy '
                                        r'arrays, got list'):
        Square().apply(([1.0, 2.0],))


def test_forward_returning_list_names_the_class():
    with pytest.raises(TypeError, match=r'ReturnsList\.forward must return a tuple.*got list'):
        ReturnsList()(_var([1.0]))


def test_forward_returning_array_names_the_class():
    with pytest.raises(TypeError, match=r'ReturnsArray\.forward must return a tuple.*ndarray'):
        ReturnsArray()(_var([1.0]))


def test_backward_returning_wrong_count_raises():
    a = _var([1.0])
    b = _var([2.0])
    y = TooManyGrads()(a, b)
    with pytest.raises(ValueError, match=r'TooManyGrads\.backward returned 3 gradients; '
                                         r'expected 2'):
        y.backward()


def test_backward_may_return_one_per_input():
    # with only input 1 needing a gradient, a full tuple (one per input) is accepted too
    class Both(minigrad.Function):
        def forward(self, inputs):
            return inputs[0] * inputs[1],

        def backward(self, indexes, grad_outputs):
            self.indexes = indexes
            gy, = grad_outputs
            return gy * 10.0, gy * 20.0

    a = _var([1.0], requires_grad=False)
    b = _var([2.0])
    f = Both()
    f(a, b).backward()
    assert f.indexes == (1,)
    numpy.testing.assert_array_equal(b.grad, [20.0])
    assert a.grad is None


def test_not_differentiable_function():
    y = NoBackward()(_var([1.0]))
    with pytest.raises(NotImplementedError, match='NoBackward is not differentiable'):
        y.backward()


def test_forward_dispatches_to_forward_cpu():
    y = CPUOnly()(_var([1.0]))
    numpy.testing.assert_array_equal(y.array, [2.0])
    with pytest.raises(NotImplementedError, match='Square'):
        minigrad.Function.forward_gpu(Square(), (numpy.zeros(1),))


def test_call_returns_single_or_tuple():
    x = _var([1.0, 2.0])
    y = Square()(x)
    assert isinstance(y, minigrad.Variable)
    ys = SplitTwo()(x)
    assert isinstance(ys, tuple) and len(ys) == 2
    numpy.testing.assert_array_equal(ys[0].array, [2.0, 4.0])
    numpy.testing.assert_array_equal(ys[1].array, [3.0, 6.0])


def test_multiple_outputs_backward():
    x = _var([1.0, 2.0])
    y0, y1 = SplitTwo()(x)
    F.sum(y0 * y1).backward()  # d/dx (6 x^2) = 12 x
    numpy.testing.assert_allclose(x.grad, [12.0, 24.0])


def test_multiple_outputs_only_one_used():
    x = _var([1.0, 2.0])
    y0, y1 = SplitTwo()(x)
    F.sum(y1).backward()
    numpy.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_backward_may_return_raw_arrays():
    x = _var([1.0, 2.0])
    F.sum(PlainArrayGrad()(x)).backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_labels():
    assert Square.label == 'square'
    assert HTTPServerLike.label == 'http_server_like'
    assert Labelled.label == 'my_op'
    assert SplitTwo().label == 'split_two'
    assert repr(Square()) == '<square function, generation 0>'


def test_graph_attributes_after_apply():
    x = _var([1.0])
    f = Square()
    assert f.inputs is None and f.outputs is None
    y = f(x)
    assert f.inputs == (x.node,)
    assert len(f.outputs) == 1 and f.outputs[0]() is y.node
    assert y.creator is f


def test_retained_outputs_after_output_dropped():
    x = _var([0.5, 1.0])
    s = F.sum(F.exp(x))  # the exp output Variable is dropped at once
    s.backward()
    numpy.testing.assert_allclose(x.grad, numpy.exp([0.5, 1.0]))


def test_retained_output_recreated_when_node_is_gone():
    # exp's output node is dead (nothing uses it) but backward of exp can still be asked for
    x = _var([0.5, 1.0])
    y = F.exp(x)
    f = y.creator
    del y
    out, = f.get_retained_outputs()
    numpy.testing.assert_allclose(out.array, numpy.exp([0.5, 1.0]))
    assert out.creator is f


def test_unchain_function():
    x = _var([1.0])
    y = Square()(x)
    f = y.creator
    f.unchain()
    assert f.inputs is None
    assert y.creator is None


# ---- type checks -------------------------------------------------------------------------

def test_type_check_error_is_invalid_type_and_type_error():
    with pytest.raises(minigrad.InvalidType) as info:
        Square()(_var([1, 2], dtype=numpy.int64))
    assert isinstance(info.value, TypeError)
    assert info.value.func_name == 'square'


@pytest.mark.parametrize('op', [
    lambda x: x * 2.0,
    lambda x: 2.0 * x,
    lambda x: x + 1.0,
    lambda x: -x,
    F.exp,
    F.log,
    F.sum,
])
def test_integer_input_says_how_to_cast(op):
    x = _var([1, 2, 3], dtype=numpy.int32)
    with pytest.raises(minigrad.InvalidType,
                       match=r'x must be a float array, got int32; '
                             r'cast it with x\.astype\(numpy\.float32\)'):
        op(x)


def test_integer_input_message_lists_the_array():
    with pytest.raises(minigrad.InvalidType) as info:
        F.exp(_var([[1, 2]], dtype=numpy.int64))
    msg = str(info.value)
    assert msg.startswith('exp: x must be a float array')
    assert 'x: (1, 2) int64' in msg


def test_integer_binary_input():
    a = _var([1, 2], dtype=numpy.int64)
    with pytest.raises(minigrad.InvalidType, match=r'^mul: lhs must be a float array, got '
                                                   r'int64; cast it with lhs\.astype'):
        a * a


def test_add_mismatched_dtypes_names_both():
    a = _var([1.0, 2.0], dtype=numpy.float32)
    b = _var([1.0, 2.0], dtype=numpy.float64)
    with pytest.raises(minigrad.InvalidType,
                       match=r'^add: lhs and rhs must have the same dtype, got float32 and '
                             r'float64') as info:
        a + b
    assert 'lhs: (2,) float32' in str(info.value)
    assert 'rhs: (2,) float64' in str(info.value)


def test_broadcast_mismatch_names_both_shapes():
    a = _var(numpy.zeros((2, 3)))
    b = _var(numpy.zeros((4,)))
    with pytest.raises(minigrad.InvalidType,
                       match=r'^mul: lhs and rhs cannot be broadcast together: shapes '
                             r'\(2, 3\) and \(4,\)'):
        a * b


def test_broadcasting_gradients_sum_back():
    a = _var(numpy.arange(6.0).reshape(2, 3))
    b = _var([1.0, 2.0, 3.0])
    F.sum(a * b).backward()
    numpy.testing.assert_allclose(b.grad, numpy.arange(6.0).reshape(2, 3).sum(axis=0))
    numpy.testing.assert_allclose(a.grad, numpy.broadcast_to([1.0, 2.0, 3.0], (2, 3)))


def test_type_check_can_be_turned_off():
    class Checked(minigrad.Function):
        def check_type_forward(self, inputs):
            raise type_check.InvalidType(self, 'never ok')

        def forward(self, inputs):
            return inputs[0] * 2,

    with pytest.raises(minigrad.InvalidType, match='^checked: never ok$'):
        Checked()(_var([1.0]))
    with minigrad.using_config('type_check', False):
        y = Checked()(_var([1.0]))
    numpy.testing.assert_array_equal(y.array, [2.0])


def test_scalar_operand_keeps_dtype():
    for dtype in (numpy.float16, numpy.float32):
        x = _var([1.0, 2.0], dtype=dtype)
        for y in (x * 2.0, x + numpy.float64(1.5), 1.0 - x, x / 3.0, 2.0 / x, x ** 2.0):
            assert y.dtype == dtype


# ---- debug mode --------------------------------------------------------------------------

def test_debug_forward_nan_names_function_and_output():
    x = _var(-1.0)
    minigrad.set_debug(True)
    assert minigrad.config.debug
    with numpy.errstate(invalid='ignore'):
        with pytest.raises(FloatingPointError, match=r'log forward produced NaN/Inf in output 0'):
            F.log(x)


def test_debug_forward_inf_with_using_config():
    x = _var([0.0, 1.0])
    with minigrad.using_config('debug', True):
        with numpy.errstate(divide='ignore'):
            with pytest.raises(FloatingPointError, match=r'^debug: log forward.*output 0'):
                F.log(x)
    assert not minigrad.config.debug


def test_without_debug_nan_passes_silently():
    with numpy.errstate(invalid='ignore'):
        y = F.log(_var(-1.0))
    assert numpy.isnan(y.array)


def test_debug_backward_nan_names_function_and_input():
    a = _var([1.0, 2.0], name='a')
    b = _var([3.0, 4.0], name='bias')
    with minigrad.using_config('debug', True):
        y = NanGrad()(a, b)
        with pytest.raises(FloatingPointError,
                           match=r'nan_grad backward produced NaN/Inf in the gradient of '
                                 r'input 1 \(bias\)') as info:
            F.sum(y).backward()
    # the message tells where the function was created
    assert 'the function was created at' in str(info.value)
    assert 'test_function.py' in str(info.value)


def test_debug_backward_wrong_shape():
    class BadShape(minigrad.Function):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            return minigrad.Variable(numpy.zeros(5)),

    with minigrad.using_config('debug', True):
        y = BadShape()(_var([1.0, 2.0]))
        with pytest.raises(ValueError, match=r'BadShape\.backward returned a gradient of '
                                             r'shape \(5,\) for input 0, whose shape is \(2,\)'):
            F.sum(y).backward()


def test_debug_backward_wrong_dtype():
    class BadDtype(minigrad.Function):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            return minigrad.Variable(numpy.ones(2, numpy.float32)),

    with minigrad.using_config('debug', True):
        y = BadDtype()(_var([1.0, 2.0]))
        with pytest.raises(ValueError, match=r'BadDtype\.backward returned a gradient of '
                                             r'dtype float32 for input 0, whose dtype is '
                                             r'float64'):
            F.sum(y).backward()


def test_debug_backward_made_of_functions_names_whose_backward_it_was():
    # sqrt's gradient 1 / (2 sqrt(x)) is computed with Functions; at x = 0 the div inside it
    # made Inf, and the error named only "div forward"
    x = minigrad.Variable(numpy.array([0.0, 4.0]), name='x')
    with minigrad.using_config('debug', True), numpy.errstate(divide='ignore'):
        y = F.sum(F.sqrt(x))
        with pytest.raises(FloatingPointError, match=r'debug: sqrt backward produced NaN/Inf '
                                                     r'\(debug: div forward .*\)\n  the '
                                                     r'function was created at'):
            y.backward()


def test_without_debug_backward_nan_passes_silently():
    a = _var([1.0, 2.0])
    b = _var([3.0, 4.0])
    F.sum(NanGrad()(a, b)).backward()
    numpy.testing.assert_array_equal(a.grad, [1.0, 1.0])
    assert numpy.isnan(b.grad).all()


def test_set_debug_false():
    minigrad.set_debug(True)
    minigrad.set_debug(False)
    assert not minigrad.config.debug
    with numpy.errstate(invalid='ignore'):
        F.log(_var(-1.0))


def test_applying_one_function_object_twice_is_refused():
    x = minigrad.Variable(numpy.array([1.0, 2.0]))
    f = F.basic_math.Neg()
    f.apply((x,))
    with pytest.raises(RuntimeError, match='applied twice'):
        f.apply((x,))


@pytest.mark.parametrize('call', [
    lambda: F.exp(minigrad.Parameter()),
    lambda: minigrad.Variable() * 2.0,
    lambda: minigrad.Variable(numpy.ones(2)) * minigrad.Variable(),
    lambda: minigrad.Variable() + minigrad.Variable(numpy.ones(2)),
])
def test_a_variable_without_data_names_the_function_and_input(call):
    # it used to fail inside the type check with "'NoneType' object has no attribute 'dtype'"
    with pytest.raises(TypeError, match=r'(exp|mul|add): input [01] is a Variable without data '
                                        r'\(an uninitialized Parameter'):
        call()
