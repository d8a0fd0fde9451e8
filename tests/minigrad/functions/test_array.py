"""Tests of minigrad.functions.array: shape and selection functions and Variable's shape methods.

Each function is compared with a plain-NumPy reference (written with loops where NumPy has no
counterpart), checked with check_backward in float64, and its error messages are exercised.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import cpu, uniform


def _x(xp, shape, dtype=numpy.float64, seed=0):
    return xp.asarray(uniform(shape, dtype, seed=seed))


def _allclose(actual, expected, dtype=numpy.float64):
    numpy.testing.assert_allclose(cpu(actual), expected, **TOL[dtype])


# ---- reshape -------------------------------------------------------------------------------

@pytest.mark.parametrize('shape,new_shape', [
    ((2, 3), (3, 2)), ((2, 3), (-1,)), ((2, 3, 4), (4, -1)), ((6,), (1, 2, 3)), ((), (1, 1)),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_reshape_forward(xp, shape, new_shape, dtype):
    x = _x(xp, shape, dtype)
    y = F.reshape(x, new_shape)
    expected = numpy.reshape(cpu(x), new_shape)
    assert y.shape == expected.shape and y.dtype == dtype
    _allclose(y, expected, dtype)


@pytest.mark.parametrize('shape,new_shape', [((2, 3), (3, 2)), ((2, 3, 2), (-1, 3))])
def test_reshape_backward(shape, new_shape):
    gradient_check.check_backward(lambda x: F.reshape(x, new_shape), uniform(shape))


def test_reshape_same_shape_returns_the_variable():
    x = minigrad.Variable(uniform((2, 3)))
    assert F.reshape(x, (2, 3)) is x


@pytest.mark.parametrize('new_shape', [(4, 2), (-1, -1), (4, -1)])
def test_reshape_bad_shape(new_shape):
    with pytest.raises(minigrad.InvalidType, match=r'reshape: cannot reshape x of size 6'):
        F.reshape(uniform((2, 3)), new_shape)


def test_variable_reshape_method():
    data = uniform((6,))
    x = minigrad.Variable(data)
    for y in (x.reshape(2, 3), x.reshape((2, 3)), x.reshape([2, 3]), x.reshape(2, -1)):
        assert y.shape == (2, 3)
        numpy.testing.assert_array_equal(y.array, data.reshape(2, 3))
    y = x.reshape(3, 2)
    y.grad = numpy.arange(6.).reshape(3, 2)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.arange(6.))


# ---- transpose -----------------------------------------------------------------------------

@pytest.mark.parametrize('shape,axes', [
    ((2, 3), None), ((2, 3, 4), None), ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (-1, 0, -2)),
    ((3,), None), ((), None),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_transpose_forward(xp, shape, axes, dtype):
    x = _x(xp, shape, dtype)
    y = F.transpose(x, axes)
    _allclose(y, numpy.transpose(cpu(x), axes), dtype)


@pytest.mark.parametrize('shape,axes', [
    ((2, 3), None), ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (-1, 0, -2)), ((2, 3, 2), (2, 0, 1)),
])
def test_transpose_backward(shape, axes):
    gradient_check.check_backward(lambda x: F.transpose(x, axes), uniform(shape))


def test_transpose_variable_methods():
    data = uniform((2, 3, 4))
    x = minigrad.Variable(data)
    numpy.testing.assert_array_equal(x.transpose().array, data.transpose())
    numpy.testing.assert_array_equal(x.T.array, data.T)
    numpy.testing.assert_array_equal(x.transpose(1, 0, 2).array, data.transpose(1, 0, 2))
    numpy.testing.assert_array_equal(x.transpose((2, 0, 1)).array, data.transpose(2, 0, 1))
    numpy.testing.assert_array_equal(x.transpose(None).array, data.transpose())
    y = x.T
    y.grad = numpy.arange(24.).reshape(4, 3, 2)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.arange(24.).reshape(4, 3, 2).T)


@pytest.mark.parametrize('axes', [(0, 1), (0, 0, 1), (0, 1, 3), (0, 1, -3)])
def test_transpose_bad_axes(axes):
    with pytest.raises(minigrad.InvalidType,
                       match=r'transpose: axes must be a permutation of range\(x.ndim\)'):
        F.transpose(uniform((2, 3, 4)), axes)


# ---- broadcast_to / sum_to -----------------------------------------------------------------

@pytest.mark.parametrize('shape,to', [
    ((3,), (2, 3)), ((2, 1), (2, 3)), ((), (2, 2)), ((1, 3, 1), (2, 3, 4)), ((2, 3), (2, 3)),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_broadcast_to_forward(xp, shape, to, dtype):
    x = _x(xp, shape, dtype)
    y = F.broadcast_to(x, to)
    expected = cpu(x) * numpy.ones(to, dtype)     # broadcasting by arithmetic
    assert y.shape == to and y.dtype == dtype
    _allclose(y, expected, dtype)


@pytest.mark.parametrize('shape,to', [((3,), (2, 3)), ((2, 1), (2, 3)), ((), (2, 2)),
                                      ((1, 3, 1), (2, 3, 2))])
def test_broadcast_to_backward(shape, to):
    gradient_check.check_backward(lambda x: F.broadcast_to(x, to), uniform(shape))
    gradient_check.check_double_backward(
        lambda x: F.broadcast_to(x, to), uniform(shape), uniform(to, seed=1),
        uniform(shape, seed=2))


@pytest.mark.parametrize('shape,to', [((3,), (2, 4)), ((2, 3), (3,)), ((2, 2), (2, 3))])
def test_broadcast_to_bad_shape(shape, to):
    with pytest.raises(minigrad.InvalidType, match=r'broadcast_to: x of shape .* cannot be '
                                                   r'broadcast to'):
        F.broadcast_to(uniform(shape), to)


@pytest.mark.parametrize('shape,to', [
    ((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3), ()), ((2, 3, 4), (1, 3, 1)), ((2, 3, 4), (3, 1)),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_sum_to_forward(xp, shape, to, dtype):
    x = _x(xp, shape, dtype)
    y = F.sum_to(x, to)
    # reference: add up every element of x into the cell it broadcasts from
    xc = cpu(x).astype(numpy.float64)
    expected = numpy.zeros(to)
    lead = len(shape) - len(to)
    for index in numpy.ndindex(*shape):
        target = tuple(0 if s == 1 else i for i, s in zip(index[lead:], to))
        expected[target] += xc[index]
    assert y.shape == to and y.dtype == dtype
    _allclose(y, expected, dtype)


@pytest.mark.parametrize('shape,to', [((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3, 2), (3, 1))])
def test_sum_to_backward(shape, to):
    gradient_check.check_backward(lambda x: F.sum_to(x, to), uniform(shape))
    gradient_check.check_double_backward(
        lambda x: F.sum_to(x, to), uniform(shape), uniform(to, seed=1), uniform(shape, seed=2))


@pytest.mark.parametrize('shape,to', [((2, 3), (2,)), ((3,), (2, 3)), ((2, 3), (4, 3))])
def test_sum_to_bad_shape(shape, to):
    with pytest.raises(minigrad.InvalidType, match=r'sum_to: x of shape .* cannot be summed'):
        F.sum_to(uniform(shape), to)


# ---- get_item ------------------------------------------------------------------------------

_BASIC_INDEXES = [
    1, -1, slice(1, 3), (slice(None), 1), (Ellipsis, 0), (None, slice(None, None, -1)),
    (0, None, Ellipsis), (slice(0, 3, 2), slice(1, None)), (Ellipsis,), (),
]


@pytest.mark.parametrize('index', _BASIC_INDEXES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_get_item_basic_forward(xp, index, dtype):
    x = _x(xp, (4, 3, 2), dtype)
    _allclose(F.get_item(x, index), cpu(x)[index], dtype)


@pytest.mark.parametrize('index', _BASIC_INDEXES)
def test_get_item_basic_backward(index):
    gradient_check.check_backward(lambda x: F.get_item(x, index), uniform((4, 3, 2)))


def test_get_item_repeated_integer_indices_add_up():
    x = minigrad.Variable(uniform((5,)))
    y = F.get_item(x, numpy.array([0, 3, 0, 0, 4]))
    numpy.testing.assert_array_equal(y.array, x.array[[0, 3, 0, 0, 4]])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.bincount([0, 3, 0, 0, 4], minlength=5))


@pytest.mark.parametrize('index', [
    [0, 2, 0], numpy.array([[1, 1], [0, 3]]), (slice(None), [2, 2, 0]),
    (numpy.array([0, 3, 0]), numpy.array([1, 1, 1])), (Ellipsis, [1, 0, 1]),
])
def test_get_item_integer_arrays(index):
    data = uniform((4, 3))
    numpy.testing.assert_array_equal(F.get_item(data, index).array, data[index])
    gradient_check.check_backward(lambda x: F.get_item(x, index), data)


def test_get_item_boolean_mask():
    data = uniform((3, 4))
    mask = data > 0
    y = F.get_item(data, mask)
    numpy.testing.assert_array_equal(y.array, data[mask])
    gradient_check.check_backward(lambda x: F.get_item(x, mask), data)
    row_mask = numpy.array([True, False, True])
    x = minigrad.Variable(data)
    F.sum(x[row_mask]).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.repeat(row_mask[:, None], 4, 1) * 1.0)


def test_get_item_empty_list():
    y = F.get_item(uniform((3, 2)), [])
    assert y.shape == (0, 2)


def test_get_item_double_backward():
    index = (slice(None), [0, 2, 2])
    gradient_check.check_double_backward(
        lambda x: F.get_item(x, index), uniform((2, 3)), uniform((2, 3), seed=1),
        uniform((2, 3), seed=2))
    gradient_check.check_double_backward(
        lambda x: F.get_item(x, (1, slice(None, None, -1))), uniform((2, 3)),
        uniform((3,), seed=1), uniform((2, 3), seed=2))


def test_variable_getitem_operator():
    data = uniform((3, 4))
    x = minigrad.Variable(data)
    numpy.testing.assert_array_equal(x[1].array, data[1])
    numpy.testing.assert_array_equal(x[:, 1:3].array, data[:, 1:3])
    numpy.testing.assert_array_equal(x[..., None].array, data[..., None])
    numpy.testing.assert_array_equal(x[[2, 2]].array, data[[2, 2]])
    F.sum(x[[2, 2]]).backward()
    expected = numpy.zeros((3, 4))
    expected[2] = 2
    numpy.testing.assert_array_equal(x.grad, expected)


def test_get_item_float32_gradient_keeps_dtype():
    x = minigrad.Variable(uniform((3, 2), numpy.float32))
    F.sum(x[[0, 0]]).backward()
    assert x.grad.dtype == numpy.float32


@pytest.mark.parametrize('index', [5, (0, 0, 0), numpy.array([0, 7]), numpy.ones(2, bool)])
def test_get_item_bad_index(index):
    with pytest.raises(minigrad.InvalidType, match=r'get_item: bad index'):
        F.get_item(uniform((3, 2)), index)


# ---- expand_dims / squeeze / flatten -------------------------------------------------------

@pytest.mark.parametrize('shape,axis', [((2, 3), 0), ((2, 3), 1), ((2, 3), 2), ((2, 3), -1),
                                        ((2, 3), -3), ((), 0)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_expand_dims_forward(xp, shape, axis, dtype):
    x = _x(xp, shape, dtype)
    _allclose(F.expand_dims(x, axis), numpy.expand_dims(cpu(x), axis), dtype)


@pytest.mark.parametrize('axis', [0, 2, -2])
def test_expand_dims_backward(axis):
    gradient_check.check_backward(lambda x: F.expand_dims(x, axis), uniform((2, 3)))


@pytest.mark.parametrize('axis', [3, -4])
def test_expand_dims_bad_axis(axis):
    with pytest.raises(minigrad.InvalidType,
                       match=r'expand_dims: axis -?\d is out of range for x with 2 dimensions '
                             r'\(valid: -3 to 2\)'):
        F.expand_dims(uniform((2, 3)), axis)


@pytest.mark.parametrize('shape,axis', [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1),
                                        ((1, 3, 1), (0, 2)), ((1,), None), ((2, 3), None)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_squeeze_forward(xp, shape, axis, dtype):
    x = _x(xp, shape, dtype)
    _allclose(F.squeeze(x, axis), numpy.squeeze(cpu(x), axis), dtype)


@pytest.mark.parametrize('axis', [None, 0, (0, 2)])
def test_squeeze_backward(axis):
    gradient_check.check_backward(lambda x: F.squeeze(x, axis), uniform((1, 3, 1)))


def test_squeeze_errors():
    with pytest.raises(minigrad.InvalidType,
                       match=r'squeeze: cannot squeeze axis 1 of x: its size is 3, not 1'):
        F.squeeze(uniform((1, 3, 1)), 1)
    with pytest.raises(minigrad.InvalidType, match=r'squeeze: axis 3 is out of range'):
        F.squeeze(uniform((1, 3, 1)), 3)
    with pytest.raises(minigrad.InvalidType, match=r'squeeze: axis \(0, -3\) names axis 0 twice'):
        F.squeeze(uniform((1, 3, 1)), (0, -3))


@pytest.mark.parametrize('shape', [(2, 3), (2, 3, 4), (5,), ()])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_flatten_forward(xp, shape, dtype):
    x = _x(xp, shape, dtype)
    expected = numpy.array([v for v in cpu(x).flat])      # C order, one element at a time
    y = F.flatten(x)
    assert y.shape == (x.size,)
    _allclose(y, expected, dtype)


def test_flatten_backward():
    gradient_check.check_backward(F.flatten, uniform((2, 3, 2)))
    gradient_check.check_backward(F.flatten, uniform((3, 2)).T)   # non-contiguous input


# ---- concat / stack ------------------------------------------------------------------------

@pytest.mark.parametrize('shapes,axis', [
    ([(2, 3), (2, 1), (2, 4)], 1), ([(2, 3), (1, 3)], 0), ([(2, 3, 1), (2, 3, 2)], -1),
    ([(3,)], 0), ([(2, 0), (2, 2)], 1),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_concat_forward(xp, shapes, axis, dtype):
    xs = [_x(xp, s, dtype, seed=i) for i, s in enumerate(shapes)]
    y = F.concat(xs, axis)
    # reference: write each input into its slot of the output
    ndim = len(shapes[0])
    ax = axis % ndim
    out_shape = list(shapes[0])
    out_shape[ax] = sum(s[ax] for s in shapes)
    expected = numpy.empty(out_shape, dtype)
    start = 0
    for x in xs:
        n = x.shape[ax]
        index = (slice(None),) * ax + (slice(start, start + n),)
        expected[index] = cpu(x)
        start += n
    assert y.dtype == dtype
    _allclose(y, expected, dtype)


@pytest.mark.parametrize('shapes,axis', [([(2, 3), (2, 1), (2, 2)], 1), ([(2, 3), (1, 3)], 0),
                                         ([(2, 1, 2), (2, 2, 2)], -2), ([(3,)], 0)])
def test_concat_backward(shapes, axis):
    xs = tuple(uniform(s, seed=i) for i, s in enumerate(shapes))
    gradient_check.check_backward(lambda *v: F.concat(v, axis), xs)


def test_concat_double_backward():
    xs = (uniform((2, 3)), uniform((2, 1), seed=1))
    gradient_check.check_double_backward(
        lambda a, b: F.concat([a, b], axis=1), xs, uniform((2, 4), seed=2),
        (uniform((2, 3), seed=3), uniform((2, 1), seed=4)))


def test_concat_mixes_variables_and_arrays():
    a = minigrad.Variable(uniform((2, 2)))
    b = uniform((2, 1), seed=1)
    y = F.concat((a, b))
    numpy.testing.assert_array_equal(y.array, numpy.hstack([a.array, b]))
    y.grad = numpy.arange(6.).reshape(2, 3)
    y.backward()
    numpy.testing.assert_array_equal(a.grad, [[0., 1.], [3., 4.]])


def test_concat_integer_arrays():
    y = F.concat([numpy.array([1, 2]), numpy.array([3])], axis=0)
    assert y.dtype == numpy.array([1]).dtype
    numpy.testing.assert_array_equal(y.array, [1, 2, 3])


def test_concat_errors():
    with pytest.raises(minigrad.InvalidType,
                       match=r'concat: xs\[1\].shape must equal xs\[0\].shape except on axis 1,'
                             r' got \(3, 1\) and \(2, 3\)'):
        F.concat([uniform((2, 3)), uniform((3, 1))], axis=1)
    with pytest.raises(minigrad.InvalidType, match=r'concat: xs\[1\].shape must equal'):
        F.concat([uniform((2, 3)), uniform((2, 3, 1))], axis=1)
    with pytest.raises(minigrad.InvalidType, match=r'concat: axis 2 is out of range for xs\[0\]'
                                                   r' with 2 dimensions'):
        F.concat([uniform((2, 3)), uniform((2, 3))], axis=2)
    with pytest.raises(minigrad.InvalidType, match=r'concat: xs\[0\] and xs\[1\] must have the '
                                                   r'same dtype'):
        F.concat([uniform((2, 3)), uniform((2, 3), numpy.float32)])
    with pytest.raises(minigrad.InvalidType, match=r'concat: xs\[0\] must have at least one'):
        F.concat([numpy.array(1.), numpy.array(2.)], axis=0)
    with pytest.raises(ValueError, match=r'concat: xs is empty'):
        F.concat([])
    with pytest.raises(TypeError, match=r'concat: xs must be a list or tuple'):
        F.concat(uniform((2, 3)))


@pytest.mark.parametrize('shape,n,axis', [((2, 3), 3, 0), ((2, 3), 2, 1), ((2, 3), 2, 2),
                                          ((2, 3), 2, -1), ((), 4, 0), ((3,), 1, -2)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_stack_forward(xp, shape, n, axis, dtype):
    xs = [_x(xp, shape, dtype, seed=i) for i in range(n)]
    y = F.stack(xs, axis)
    # reference: the new axis, moved to the front, walks through the inputs
    moved = numpy.moveaxis(cpu(y), axis, 0)
    assert y.ndim == len(shape) + 1 and moved.shape[0] == n
    for i, x in enumerate(xs):
        _allclose(moved[i], cpu(x), dtype)


@pytest.mark.parametrize('axis', [0, 1, 2, -1])
def test_stack_backward(axis):
    xs = tuple(uniform((2, 3), seed=i) for i in range(3))
    gradient_check.check_backward(lambda *v: F.stack(v, axis), xs)


def test_stack_errors():
    with pytest.raises(minigrad.InvalidType, match=r'stack: xs\[1\].shape must equal '
                                                   r'xs\[0\].shape, got \(3, 2\) and \(2, 3\)'):
        F.stack([uniform((2, 3)), uniform((3, 2))])
    with pytest.raises(minigrad.InvalidType, match=r'stack: axis 3 is out of range for xs\[0\] '
                                                   r'with 2 dimensions \(valid: -3 to 2\)'):
        F.stack([uniform((2, 3)), uniform((2, 3))], axis=3)
    with pytest.raises(ValueError, match=r'stack: xs is empty'):
        F.stack([])


# ---- split_axis / separate -----------------------------------------------------------------

@pytest.mark.parametrize('shape,ios,axis', [
    ((4, 3), 2, 0), ((4, 6), 3, 1), ((4, 6), [1, 4], 1), ((4, 6), [2], -1), ((4, 3), [], 0),
    ((4, 3), [0, 4], 0), ((4, 3), [1, 1, 3], 0), ((5,), numpy.array([2, 3]), 0),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_split_axis_forward(xp, shape, ios, axis, dtype):
    x = _x(xp, shape, dtype)
    ys = F.split_axis(x, ios, axis)
    assert isinstance(ys, tuple)
    # reference: the cut points written out by hand
    size = shape[axis]
    if isinstance(ios, int):
        cuts = [size // ios * k for k in range(1, ios)]
    else:
        cuts = list(ios)
    bounds = [0] + cuts + [size]
    xc = numpy.moveaxis(cpu(x), axis, 0)
    assert len(ys) == len(bounds) - 1
    for y, lo, hi in zip(ys, bounds, bounds[1:]):
        _allclose(numpy.moveaxis(cpu(y), axis, 0), xc[lo:hi], dtype)


@pytest.mark.parametrize('shape,ios,axis', [((4, 3), 2, 0), ((4, 6), [1, 4], 1),
                                            ((2, 5), [2], -1)])
def test_split_axis_backward(shape, ios, axis):
    gradient_check.check_backward(lambda x: F.split_axis(x, ios, axis), uniform(shape))


def test_split_axis_unused_outputs_get_zero_gradient():
    x = minigrad.Variable(uniform((2, 6)))
    a, b, c = F.split_axis(x, 3, axis=1)
    F.sum(b * 3.0).backward()
    expected = numpy.zeros((2, 6))
    expected[:, 2:4] = 3
    numpy.testing.assert_array_equal(x.grad, expected)
    # and through check_backward, with no gradient for the first and last outputs
    gradient_check.check_backward(lambda v: F.split_axis(v, [1, 3], 1), uniform((2, 5)),
                                  y_grad=(None, uniform((2, 2), seed=1), None))


def test_split_axis_double_backward():
    gradient_check.check_double_backward(
        lambda x: F.split_axis(x, [1], 0), uniform((3, 2)),
        (uniform((1, 2), seed=1), uniform((2, 2), seed=2)), uniform((3, 2), seed=3))


def test_split_axis_force_tuple():
    y = F.split_axis(uniform((2, 3)), 1, 0, force_tuple=False)
    assert isinstance(y, minigrad.Variable) and y.shape == (2, 3)
    assert isinstance(F.split_axis(uniform((2, 3)), 1, 0), tuple)


def test_split_axis_errors():
    with pytest.raises(minigrad.InvalidType, match=r'split_axis: x.shape\[1\] = 5 cannot be '
                                                   r'split into 2 equal sections'):
        F.split_axis(uniform((2, 5)), 2, 1)
    with pytest.raises(minigrad.InvalidType, match=r'split_axis: the split index 6 is past the '
                                                   r'end of axis 1 \(size 5\)'):
        F.split_axis(uniform((2, 5)), [2, 6], 1)
    with pytest.raises(minigrad.InvalidType, match=r'split_axis: axis 2 is out of range'):
        F.split_axis(uniform((2, 5)), 1, 2)
    with pytest.raises(ValueError, match=r'split_axis: indices must be sorted'):
        F.split_axis(uniform((2, 5)), [3, 1], 1)
    with pytest.raises(ValueError, match=r'split_axis: indices must be non-negative'):
        F.split_axis(uniform((2, 5)), [-1], 1)
    with pytest.raises(ValueError, match=r'split_axis: the number of sections must be positive'):
        F.split_axis(uniform((2, 5)), 0, 1)


@pytest.mark.parametrize('shape,axis', [((3, 2), 0), ((3, 2), 1), ((2, 3, 4), -1), ((4,), 0)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_separate_forward(xp, shape, axis, dtype):
    x = _x(xp, shape, dtype)
    ys = F.separate(x, axis)
    xc = cpu(x)
    assert isinstance(ys, tuple) and len(ys) == shape[axis]
    for i, y in enumerate(ys):
        index = [slice(None)] * len(shape)
        index[axis] = i
        _allclose(y, xc[tuple(index)], dtype)


@pytest.mark.parametrize('axis', [0, 1, -1])
def test_separate_backward(axis):
    gradient_check.check_backward(lambda x: F.separate(x, axis), uniform((2, 3, 2)))


def test_separate_unused_outputs_get_zero_gradient():
    x = minigrad.Variable(uniform((3, 2)))
    ys = F.separate(x, axis=1)
    F.sum(ys[1]).backward()
    numpy.testing.assert_array_equal(x.grad, [[0., 1.]] * 3)


def test_separate_errors():
    with pytest.raises(minigrad.InvalidType, match=r'separate: x must have at least one dim'):
        F.separate(numpy.array(1.))
    with pytest.raises(minigrad.InvalidType, match=r'separate: axis 2 is out of range'):
        F.separate(uniform((2, 3)), 2)


def test_stack_and_separate_are_inverse():
    xs = [uniform((2, 3), seed=i) for i in range(4)]
    for axis in (0, 1, 2, -1):
        back = F.separate(F.stack(xs, axis), axis)
        for a, b in zip(back, xs):
            numpy.testing.assert_array_equal(a.array, b)


# ---- pad_sequence --------------------------------------------------------------------------

def _pad_reference(xs, length, padding, dtype):
    length = max(len(x) for x in xs) if length is None else length
    out = numpy.full((len(xs), length) + xs[0].shape[1:], padding, dtype=dtype)
    for i, x in enumerate(xs):
        for t in range(len(x)):
            out[i, t] = x[t]
    return out


@pytest.mark.parametrize('lengths,unit,length,padding', [
    ([3, 1, 2], (), None, 0), ([2, 2], (3,), None, -1.5), ([1, 4, 0], (2,), 5, 7),
    ([3], (2, 2), 3, 0),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_pad_sequence_forward(xp, lengths, unit, length, padding, dtype):
    xs = [_x(xp, (n,) + unit, dtype, seed=i) for i, n in enumerate(lengths)]
    y = F.pad_sequence(xs, length, padding)
    expected = _pad_reference([cpu(x) for x in xs], length, padding, dtype)
    assert y.dtype == dtype
    _allclose(y, expected, dtype)


def test_pad_sequence_integer_labels():
    ts = [numpy.array([1, 2, 3], numpy.int32), numpy.array([4], numpy.int32)]
    y = F.pad_sequence(ts, padding=-1)
    assert y.dtype == numpy.int32
    numpy.testing.assert_array_equal(y.array, [[1, 2, 3], [4, -1, -1]])


@pytest.mark.parametrize('lengths,length', [([3, 1, 2], None), ([2, 0], 3)])
def test_pad_sequence_backward(lengths, length):
    xs = tuple(uniform((n, 2), seed=i) for i, n in enumerate(lengths))
    gradient_check.check_backward(lambda *v: F.pad_sequence(v, length), xs)


def test_pad_sequence_double_backward():
    xs = (uniform((3, 2)), uniform((1, 2), seed=1))
    gradient_check.check_double_backward(
        lambda *v: F.pad_sequence(v, 4, 0.5), xs, uniform((2, 4, 2), seed=2),
        (uniform((3, 2), seed=3), uniform((1, 2), seed=4)))


def test_pad_sequence_errors():
    with pytest.raises(minigrad.InvalidType, match=r'pad_sequence: xs\[1\] has length 4, longer '
                                                   r'than length=3'):
        F.pad_sequence([uniform((2,)), uniform((4,))], length=3)
    with pytest.raises(minigrad.InvalidType, match=r'pad_sequence: xs\[1\].shape\[1:\] must '
                                                   r'equal xs\[0\].shape\[1:\]'):
        F.pad_sequence([uniform((2, 3)), uniform((2, 2))])
    with pytest.raises(minigrad.InvalidType, match=r'pad_sequence: xs\[0\] must have at least '
                                                   r'one dimension'):
        F.pad_sequence([numpy.array(1.)])
    with pytest.raises(ValueError, match=r'pad_sequence: xs is empty'):
        F.pad_sequence([])


# ---- transpose_sequence --------------------------------------------------------------------

def _transpose_sequence_reference(xs):
    ys = []
    for t in range(len(xs[0]) if xs else 0):
        ys.append(numpy.array([x[t] for x in xs if len(x) > t]))
    return ys


@pytest.mark.parametrize('lengths,unit', [
    ([3, 2, 2, 1], ()), ([3, 3], (2,)), ([4, 1], (2, 2)), ([2, 2, 0], ()), ([1], (3,)),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_transpose_sequence_forward(xp, lengths, unit, dtype):
    xs = [_x(xp, (n,) + unit, dtype, seed=i) for i, n in enumerate(lengths)]
    ys = F.transpose_sequence(xs)
    expected = _transpose_sequence_reference([cpu(x) for x in xs])
    assert isinstance(ys, tuple) and len(ys) == len(expected)
    for y, e in zip(ys, expected):
        assert y.shape == e.shape and y.dtype == dtype
        _allclose(y, e, dtype)


def test_transpose_sequence_round_trip():
    xs = [uniform((n, 2), seed=i) for i, n in enumerate([4, 2, 2, 1])]
    back = F.transpose_sequence(F.transpose_sequence(xs))
    for a, b in zip(back, xs):
        numpy.testing.assert_array_equal(a.array, b)


@pytest.mark.parametrize('lengths', [[3, 2, 2, 1], [2, 2], [3, 1, 0]])
def test_transpose_sequence_backward(lengths):
    xs = tuple(uniform((n, 2), seed=i) for i, n in enumerate(lengths))
    no_grads = [n == 0 for n in lengths]     # an empty sequence has nothing to check
    gradient_check.check_backward(lambda *v: F.transpose_sequence(v), xs, no_grads=no_grads)


def test_transpose_sequence_unused_time_steps_get_zero_gradient():
    a = minigrad.Variable(uniform((3,)))
    b = minigrad.Variable(uniform((1,), seed=1))
    ys = F.transpose_sequence([a, b])
    F.sum(ys[1]).backward()
    numpy.testing.assert_array_equal(a.grad, [0., 1., 0.])
    numpy.testing.assert_array_equal(b.grad, [0.])    # its only step got no gradient: zeros


def test_transpose_sequence_empty_sequence_gets_an_empty_gradient():
    xs = [minigrad.Variable(uniform((2, 3))), minigrad.Variable(numpy.zeros((0, 3)))]
    ys = F.transpose_sequence(xs)
    F.sum(ys[1]).backward()
    numpy.testing.assert_array_equal(xs[0].grad, [[0., 0., 0.], [1., 1., 1.]])
    assert xs[1].grad.shape == (0, 3)


def test_transpose_sequence_empty_inputs():
    assert F.transpose_sequence([]) == ()
    assert F.transpose_sequence([numpy.zeros((0, 2))]) == ()


def test_transpose_sequence_errors():
    with pytest.raises(minigrad.InvalidType,
                       match=r'transpose_sequence: xs must be sorted by non-increasing length, '
                             r'but xs\[1\] has length 3 > 2 of xs\[0\]; sort them first'):
        F.transpose_sequence([uniform((2,)), uniform((3,))])
    with pytest.raises(minigrad.InvalidType, match=r'transpose_sequence: xs\[1\].shape\[1:\] '
                                                   r'must equal'):
        F.transpose_sequence([uniform((2, 2)), uniform((1, 3))])


# ---- where ---------------------------------------------------------------------------------

@pytest.mark.parametrize('c_shape,x_shape,y_shape', [
    ((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)), ((3,), (2, 3), ()), ((2, 1), (1, 3), (3,)),
    ((), (2,), (2,)),
])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_where_forward(xp, c_shape, x_shape, y_shape, dtype):
    c = xp.asarray(uniform(c_shape, seed=5) > 0)
    x = _x(xp, x_shape, dtype, seed=1)
    y = _x(xp, y_shape, dtype, seed=2)
    out = F.where(c, x, y)
    # reference: pick element by element after broadcasting
    cb, xb, yb = numpy.broadcast_arrays(cpu(c), cpu(x), cpu(y))
    expected = numpy.array([a if k else b for k, a, b in zip(cb.flat, xb.flat, yb.flat)],
                           dtype).reshape(cb.shape)
    assert out.dtype == dtype
    _allclose(out, expected, dtype)


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_where_scalars(xp, dtype):
    x = _x(xp, (2, 3), dtype)
    c = x > 0
    out = F.where(c, x, 0.0)
    assert out.dtype == dtype
    _allclose(out, numpy.maximum(cpu(x), 0), dtype)
    out = F.where(c, numpy.float64(2.0), x)
    assert out.dtype == dtype
    _allclose(out, numpy.where(cpu(c), 2.0, cpu(x)).astype(dtype), dtype)


@pytest.mark.parametrize('c_shape,x_shape,y_shape', [
    ((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)), ((3,), (2, 3), ()),
])
def test_where_backward(c_shape, x_shape, y_shape):
    c = uniform(c_shape, seed=5) > 0
    xs = (uniform(x_shape, seed=1), uniform(y_shape, seed=2))
    gradient_check.check_backward(lambda a, b: F.where(c, a, b), xs)
    out_shape = numpy.broadcast_shapes(c_shape, x_shape, y_shape)
    gradient_check.check_double_backward(
        lambda a, b: F.where(c, a, b), xs, uniform(out_shape, seed=3),
        (uniform(x_shape, seed=4), uniform(y_shape, seed=6)))


def test_where_gradient_goes_to_the_chosen_side():
    c = numpy.array([True, False, True])
    x = minigrad.Variable(uniform((3,)))
    y = minigrad.Variable(uniform((3,), seed=1))
    F.sum(F.where(c, x, y)).backward()
    numpy.testing.assert_array_equal(x.grad, [1., 0., 1.])
    numpy.testing.assert_array_equal(y.grad, [0., 1., 0.])
    x.cleargrad()
    F.sum(F.where(minigrad.Variable(c), x, 1.0)).backward()
    numpy.testing.assert_array_equal(x.grad, [1., 0., 1.])


def test_where_errors():
    x = uniform((2, 3))
    with pytest.raises(minigrad.InvalidType, match=r'where: condition must be a bool array, '
                                                   r'got float64'):
        F.where(x, x, x)
    with pytest.raises(minigrad.InvalidType, match=r'where: x and y must have the same dtype'):
        F.where(x > 0, x, x.astype(numpy.float32))
    with pytest.raises(minigrad.InvalidType, match=r'where: x must be a float array, got int64'):
        F.where(x > 0, numpy.ones((2, 3), numpy.int64), numpy.ones((2, 3), numpy.int64))
    with pytest.raises(minigrad.InvalidType, match=r'where: condition and x and y cannot be '
                                                   r'broadcast together'):
        F.where(x > 0, x, uniform((2,)))
    with pytest.raises(TypeError, match=r'where: x and y cannot both be scalars'):
        F.where(x > 0, 1.0, 0.0)
    with pytest.raises(TypeError, match=r'where: condition must be a bool array, got list'):
        F.where([True, False], uniform((2,)), uniform((2,)))


@pytest.mark.parametrize('func, name', [(F.reshape, 'reshape'), (F.broadcast_to, 'broadcast_to'),
                                        (F.sum_to, 'sum_to')])
@pytest.mark.parametrize('shape', [(2.7, 3), (2, 3.0), (True, 6), 'ab', None])
def test_shape_must_be_ints(func, name, shape):
    # float sizes were truncated with int() (2.7 -> 2); NumPy refuses them
    x = minigrad.Variable(numpy.ones((2, 3)))
    with pytest.raises(TypeError, match='%s: shape must be an int or a tuple of ints' % name):
        func(x, shape)
