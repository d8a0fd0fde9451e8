"""Tests of the teaching input checks (minigrad/type_check.py).

``InvalidType`` messages name the function, say what was expected and list the arrays with
their shapes and dtypes; the helpers (expect_float, expect_same_dtype, broadcast_shape,
expect_ndim) raise it with the usual fix in the message.
"""

import numpy
import pytest

import minigrad
from minigrad import type_check


class MyFunc(minigrad.Function):
    def forward(self, inputs):
        return inputs[0],


def test_invalid_type_is_a_type_error():
    assert issubclass(minigrad.InvalidType, TypeError)
    assert minigrad.InvalidType is type_check.InvalidType


def test_message_format_with_function_object():
    c = numpy.zeros((3, 5), dtype=numpy.float32)
    x = numpy.zeros((3, 8), dtype=numpy.float32)
    e = type_check.InvalidType(MyFunc(), 'x.shape[1] must be 4 * c.shape[1]', c=c, x=x)
    assert str(e) == ('my_func: x.shape[1] must be 4 * c.shape[1]\n'
                      '    c: (3, 5) float32    x: (3, 8) float32')
    assert e.func_name == 'my_func'
    assert e.expect == 'x.shape[1] must be 4 * c.shape[1]'
    assert e.arrays == {'c': '(3, 5) float32', 'x': '(3, 8) float32'}


def test_message_format_with_name_and_no_arrays():
    e = type_check.InvalidType('lstm', 'needs two inputs')
    assert str(e) == 'lstm: needs two inputs'
    assert e.arrays == {}


def test_message_uses_label_attribute():
    class Labelled(minigrad.Function):
        label = 'fancy'

    e = type_check.InvalidType(Labelled(), 'bad', x=numpy.zeros((), dtype=numpy.int8))
    assert str(e) == 'fancy: bad\n    x: () int8'


def test_describe():
    assert type_check.describe(numpy.zeros((2, 3), dtype=numpy.float16)) == '(2, 3) float16'
    assert type_check.describe(numpy.float64(1)) == '() float64'
    assert type_check.describe([1, 2]) == '<list>'
    assert type_check.describe(None) == '<NoneType>'
    assert type_check.describe(minigrad.Variable(numpy.zeros(4))) == '(4,) float64'


def test_expect_float():
    type_check.expect_float('f', 'x', numpy.zeros(2, dtype=numpy.float16))
    with pytest.raises(minigrad.InvalidType) as info:
        type_check.expect_float('sigmoid', 'h', numpy.zeros(3, dtype=numpy.int64))
    assert str(info.value) == ('sigmoid: h must be a float array, got int64; cast it with '
                               'h.astype(numpy.float32)\n    h: (3,) int64')


def test_expect_float_rejects_bool_and_complex():
    for dtype in (numpy.bool_, numpy.complex64):
        with pytest.raises(minigrad.InvalidType, match='must be a float array, got %s'
                           % numpy.dtype(dtype)):
            type_check.expect_float('f', 'x', numpy.zeros(1, dtype=dtype))


def test_expect_same_dtype():
    a = numpy.zeros(2, dtype=numpy.float32)
    type_check.expect_same_dtype('f', ('a', 'b'), (a, a.copy()))
    b = numpy.zeros((2, 1), dtype=numpy.float16)
    with pytest.raises(minigrad.InvalidType) as info:
        type_check.expect_same_dtype('linear', ('x', 'W'), (a, b))
    assert str(info.value) == ('linear: x and W must have the same dtype, got float32 and '
                               'float16; cast one with .astype()\n'
                               '    x: (2,) float32    W: (2, 1) float16')


@pytest.mark.parametrize('shapes, expected', [
    (((2, 3), (2, 3)), (2, 3)),
    (((2, 3), (3,)), (2, 3)),
    (((4, 1, 3), (5, 1)), (4, 5, 3)),
    (((), (2, 2)), (2, 2)),
    (((1,), (0,)), (0,)),
    (((2, 1), (1, 3), (3,)), (2, 3)),
])
def test_broadcast_shape_matches_numpy(shapes, expected):
    assert type_check.broadcast_shape('f', ('a', 'b', 'c')[:len(shapes)], shapes) == expected
    assert numpy.broadcast_shapes(*shapes) == expected


def test_broadcast_shape_error():
    a = numpy.zeros((2, 3))
    b = numpy.zeros((2,))
    with pytest.raises(minigrad.InvalidType) as info:
        type_check.broadcast_shape('add', ('lhs', 'rhs'), (a.shape, b.shape), (a, b))
    assert str(info.value) == ('add: lhs and rhs cannot be broadcast together: shapes (2, 3) '
                               'and (2,)\n    lhs: (2, 3) float64    rhs: (2,) float64')


def test_expect_ndim():
    type_check.expect_ndim('f', 'x', numpy.zeros((2, 3)), 2)
    with pytest.raises(minigrad.InvalidType, match=r'^embed_id: x must be 1-dimensional, got 2 '
                                                   r'dimensions\n    x: \(2, 3\) int32$'):
        type_check.expect_ndim('embed_id', 'x', numpy.zeros((2, 3), dtype=numpy.int32), 1)


def test_function_check_raises_before_forward():
    ran = []

    class Checked(minigrad.Function):
        def check_type_forward(self, inputs):
            type_check.expect_ndim(self, 'x', inputs[0], 2)

        def forward(self, inputs):
            ran.append(True)
            return inputs[0],

    with pytest.raises(minigrad.InvalidType, match='^checked: x must be 2-dimensional'):
        Checked()(numpy.zeros(3))
    assert ran == []
