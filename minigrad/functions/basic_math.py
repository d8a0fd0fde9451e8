"""Arithmetic (add, sub, mul, div, neg, pow, absolute) and the operators installed on Variable.

Functions layer. Binary operations broadcast like NumPy and sum their gradients back to each
input's shape. A Python or NumPy scalar operand goes to a ``*Constant`` Function that casts it to
the variable's dtype, so a float32 Variable stays float32 after ``x * 2.0``. Arrays of another
dtype are refused (minigrad never promotes silently).

:func:`install_variable_operators` puts ``+ - * / ** @``, unary ``-``, ``abs``, ``[]``,
``reshape``, ``transpose`` and ``T`` onto :class:`minigrad.Variable` when the package is imported.
"""

import operator

import numpy

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.variable import Variable, _owned_grad, _OwnedGrad

_SCALAR_TYPES = (int, float, numpy.generic)


def _is_scalar(x):
    t = type(x)
    if t is float or t is int:
        return True
    if t is Variable or t is numpy.ndarray:
        return False
    return isinstance(x, _SCALAR_TYPES)     # bools too, as in NumPy and PyTorch (True is 1)


def _check_binary(func, inputs):
    # used directly as check_type_forward: one call less on the hottest path
    x0, x1 = inputs
    if x0.dtype is not x1.dtype and x0.dtype != x1.dtype:
        type_check.expect_same_dtype(func, ('lhs', 'rhs'), inputs)
    if x0.dtype.kind != 'f':
        type_check.expect_float(func, 'lhs', x0)
    if x0.shape != x1.shape:
        type_check.broadcast_shape(func, ('lhs', 'rhs'), (x0.shape, x1.shape), inputs)


def _check_unary(func, inputs):
    x = inputs[0]
    if x.dtype.kind != 'f':
        type_check.expect_float(func, 'x', x)


# First-order backward of the arithmetic Functions works on arrays (no Functions recorded).
# A gradient array computed here is new, so it is returned as an engine-owned gradient; one
# that arrives engine-owned is computed into in place (``g *= x``): see variable._OwnedGrad.

def _fresh_grad(gx, shape):
    # a gradient array just computed here, summed back over broadcast axes; NumPy gives
    # scalars for 0-d results, but a Variable always holds an array
    if type(gx) is not numpy.ndarray and isinstance(gx, numpy.generic):
        gx = numpy.asarray(gx)
    elif gx.shape != shape:
        from minigrad.functions.array import _sum_to_array
        gx = _sum_to_array(gx, shape)
    return _owned_grad(gx)


def _scale_grad(gy, w, shape):
    # gy * w (w an array or a NumPy scalar), summed back to ``shape``; computed into gy's array
    # when the engine owns it and w broadcasts into it (same trailing shape, or a scalar)
    g = gy._data
    if type(gy) is _OwnedGrad:
        g_shape = g.shape
        w_shape = w.shape
        if g_shape == shape and (w_shape == shape
                                 or w_shape == g_shape[len(g_shape) - len(w_shape):]):
            g *= w
            return gy
    return _fresh_grad(g * w, shape)


def _passed_grad(gy, shape):
    # the output gradient handed on as an input gradient, summed back if the input broadcast
    if gy._data.shape == shape:
        return gy
    return _fresh_grad(gy._data, shape)


def _sum_to(gx, shape):
    # gradients of a broadcast input are summed back to its own shape
    if gx._data.shape == shape:
        return gx
    from minigrad.functions.array import sum_to
    return sum_to(gx, shape)


class Add(function.Function):
    """Elementwise ``lhs + rhs`` with broadcasting (see :func:`add`)."""

    check_type_forward = _check_binary
    _overwrites_grads = True

    def forward(self, inputs):
        x0, x1 = inputs
        return x0 + x1,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        nodes = self.inputs
        x0_shape = nodes[0].shape
        if x0_shape == nodes[1].shape:          # nothing broadcast: gy is both gradients
            return grad_outputs if len(indexes) == 1 else (gy, gy)     # (first order or not)
        if not config.enable_backprop:
            if len(indexes) == 1:
                return _passed_grad(gy, nodes[indexes[0]].shape),
            return _passed_grad(gy, x0_shape), _passed_grad(gy, nodes[1].shape)
        return tuple([_sum_to(gy, nodes[i].shape) for i in indexes])


class AddConstant(function.Function):
    """``x + value`` for a scalar ``value`` (no gradient for the constant)."""

    label = 'add'
    _overwrites_grads = True

    def __init__(self, value):
        self.value = value

    check_type_forward = _check_unary

    def forward(self, inputs):
        x, = inputs
        return x + x.dtype.type(self.value),

    def backward(self, indexes, grad_outputs):
        return grad_outputs


class Sub(function.Function):
    """Elementwise ``lhs - rhs`` with broadcasting (see :func:`sub`)."""

    check_type_forward = _check_binary
    _overwrites_grads = True

    def forward(self, inputs):
        x0, x1 = inputs
        return x0 - x1,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        nodes = self.inputs
        if not config.enable_backprop:
            if indexes == (1,):
                return _scale_grad(gy, gy._data.dtype.type(-1), nodes[1].shape),
            return tuple([_passed_grad(gy, nodes[0].shape) if i == 0 else
                          _fresh_grad(-gy._data, nodes[1].shape) for i in indexes])
        return tuple([_sum_to(gy, nodes[0].shape) if i == 0 else _sum_to(-gy, nodes[1].shape)
                      for i in indexes])


class SubFromConstant(function.Function):
    """``value - x`` for a scalar ``value``."""

    label = 'sub'

    def __init__(self, value):
        self.value = value

    check_type_forward = _check_unary

    def forward(self, inputs):
        x, = inputs
        return x.dtype.type(self.value) - x,

    def backward(self, indexes, grad_outputs):
        return -grad_outputs[0],


class Mul(function.Function):
    """Elementwise ``lhs * rhs`` with broadcasting (see :func:`mul`)."""

    check_type_forward = _check_binary
    _overwrites_grads = True

    # d(x0 * x1)/dx0 needs x1 and d/dx1 needs x0: keep only what a requested gradient needs
    # (in h * c with a constant c, h is not kept alive for backward). The inputs to retain, by
    # which inputs need a gradient: _RETAINED[2 * x0_needs + x1_needs]
    _RETAINED = (None, (0,), (1,), (0, 1))

    def forward(self, inputs):
        nodes = self.inputs
        if nodes is not None:
            self.retain_inputs(
                self._RETAINED[2 * nodes[0].requires_grad + nodes[1].requires_grad])
        x0, x1 = inputs
        return x0 * x1,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        nodes = self.inputs
        if type(gy) is _OwnedGrad and len(indexes) == 1:
            # first order (an engine-owned gradient exists only there, see variable._OwnedGrad)
            # and nothing broadcast: _scale_grad's in-place case, spelled out
            other = nodes[1 - indexes[0]]
            if nodes[indexes[0]].shape == other.shape:
                gy._data *= other.data
                return grad_outputs
        if not config.enable_backprop:
            # first order: the retained arrays are all we need; no Functions to record
            if len(indexes) == 1:
                i = indexes[0]
                return _scale_grad(gy, nodes[1 - i].data, nodes[i].shape),
            g = gy._data
            return tuple([_fresh_grad(g * nodes[1 - i].data, nodes[i].shape) for i in indexes])
        ret = []
        for i in indexes:
            other = nodes[1 - i]
            # a constant operand enters as its array: no graph to keep, no Variable to build
            other = other.get_variable() if other.requires_grad else other.data
            ret.append(_sum_to(gy * other, nodes[i].shape))
        return tuple(ret)


class MulConstant(function.Function):
    """``x * value`` for a scalar ``value``."""

    label = 'mul'
    _overwrites_grads = True

    def __init__(self, value):
        self.value = value

    check_type_forward = _check_unary

    def forward(self, inputs):
        x, = inputs
        return x * x.dtype.type(self.value),

    def backward(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        if not config.enable_backprop:
            g = gy._data
            return _scale_grad(gy, g.dtype.type(self.value), g.shape),
        return gy * self.value,


class Div(function.Function):
    """Elementwise ``lhs / rhs`` with broadcasting (see :func:`div`)."""

    check_type_forward = _check_binary

    # d/dx0 = 1 / x1 and d/dx1 = -x0 / x1 ** 2: x0 is kept only when x1 needs a gradient
    # (the inputs to retain: _RETAINED[2 * x0_needs + x1_needs], as in Mul)
    _RETAINED = (None, (0, 1), (1,), (0, 1))

    def forward(self, inputs):
        nodes = self.inputs
        if nodes is not None:
            self.retain_inputs(
                self._RETAINED[2 * nodes[0].requires_grad + nodes[1].requires_grad])
        x0, x1 = inputs
        return x0 / x1,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        nodes = self.inputs
        x1 = nodes[1].get_variable()
        gx0 = gy / x1
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(_sum_to(gx0, nodes[0].shape))
            else:
                x0 = nodes[0].get_variable()
                ret.append(_sum_to(-gx0 * x0 / x1, nodes[1].shape))
        return tuple(ret)


class DivFromConstant(function.Function):
    """``value / x`` for a scalar ``value``."""

    label = 'div'

    def __init__(self, value):
        self.value = value

    check_type_forward = _check_unary

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x.dtype.type(self.value) / x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * (-self.value) / (x * x),


class Neg(function.Function):
    """Elementwise ``-x`` (see :func:`neg`)."""

    check_type_forward = _check_unary
    _overwrites_grads = True

    def forward(self, inputs):
        return -inputs[0],

    def backward(self, indexes, grad_outputs):
        if not config.enable_backprop:
            g = grad_outputs[0]._data
            return _scale_grad(grad_outputs[0], g.dtype.type(-1), g.shape),
        return -grad_outputs[0],


class Absolute(function.Function):
    """Elementwise ``|x|`` (see :func:`absolute`); the gradient at 0 is taken as 0."""

    check_type_forward = _check_unary

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return abs(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        return grad_outputs[0] * xp.sign(x.array),


class PowVarConst(function.Function):
    """``x ** value`` for a scalar exponent."""

    label = 'pow'

    def __init__(self, value):
        self.value = value

    check_type_forward = _check_unary

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x ** x.dtype.type(self.value),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        c = self.value
        if c == 2:
            return grad_outputs[0] * x * 2,
        return grad_outputs[0] * c * x ** (c - 1),


class PowConstVar(function.Function):
    """``value ** x`` for a scalar base."""

    label = 'pow'

    def __init__(self, value):
        self.value = value

    check_type_forward = _check_unary

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return x.dtype.type(self.value) ** x,

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y * float(numpy.log(self.value)),


class PowVarVar(function.Function):
    """Elementwise ``lhs ** rhs`` with broadcasting; ``lhs`` must be positive where rhs varies."""

    label = 'pow'

    check_type_forward = _check_binary

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        self.retain_outputs((0,))
        x0, x1 = inputs
        return x0 ** x1,

    def backward(self, indexes, grad_outputs):
        from minigrad.functions.elementwise import log
        x0, x1 = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(_sum_to(gy * x1 * x0 ** (x1 - 1), x0.shape))
            else:
                ret.append(_sum_to(gy * y * log(x0), x1.shape))
        return tuple(ret)


# ---- wrappers ---------------------------------------------------------------------------

def _const(x):
    # NumPy scalars become Python numbers: under NEP 50 they are "weak" and keep float32 float32
    return x.item() if isinstance(x, numpy.generic) else x


def add(lhs, rhs):
    """Elementwise sum with broadcasting, ``y = lhs + rhs`` (same as the ``+`` operator).

    Args:
        lhs, rhs: Variables or arrays of one float dtype, or one of them a scalar.

    Returns:
        Variable of the broadcast shape.

    Example:
        >>> import numpy, minigrad, minigrad.functions as F
        >>> x = minigrad.Variable(numpy.array([1., 2.], dtype=numpy.float32))
        >>> F.add(x, 1.5)
        variable([2.5, 3.5], shape=(2,), dtype=float32)
    """
    if isinstance(lhs, Variable):
        return _add_operator(lhs, rhs)
    return _add_any(lhs, rhs)


def _add_any(lhs, rhs):
    # every kind of operand, through Function.apply
    if _is_scalar(rhs):
        return AddConstant(_const(rhs)).apply((lhs,))[0]
    if _is_scalar(lhs):
        return AddConstant(_const(lhs)).apply((rhs,))[0]
    return Add().apply((lhs, rhs))[0]


_add_operator = function._binary_operator(Add, operator.add, None, _add_any)


def sub(lhs, rhs):
    """Elementwise difference with broadcasting, ``y = lhs - rhs``."""
    if isinstance(lhs, Variable):
        return _sub_operator(lhs, rhs)
    return _sub_any(lhs, rhs)


def _sub_any(lhs, rhs):
    # every kind of operand, through Function.apply
    if _is_scalar(rhs):
        return AddConstant(-_const(rhs)).apply((lhs,))[0]
    if _is_scalar(lhs):
        return SubFromConstant(_const(lhs)).apply((rhs,))[0]
    return Sub().apply((lhs, rhs))[0]


_sub_operator = function._binary_operator(Sub, operator.sub, None, _sub_any)


def _rsub(self, other):
    return sub(other, self)


def mul(lhs, rhs):
    """Elementwise product with broadcasting, ``y = lhs * rhs``."""
    if isinstance(lhs, Variable):
        return _mul_operator(lhs, rhs)
    return _mul_any(lhs, rhs)


def _mul_any(lhs, rhs):
    # every kind of operand, through Function.apply
    if _is_scalar(rhs):
        return MulConstant(_const(rhs)).apply((lhs,))[0]
    if _is_scalar(lhs):
        return MulConstant(_const(lhs)).apply((rhs,))[0]
    return Mul().apply((lhs, rhs))[0]


_mul_operator = function._binary_operator(Mul, operator.mul, Mul._RETAINED, _mul_any)


def div(lhs, rhs):
    """Elementwise quotient with broadcasting, ``y = lhs / rhs``."""
    if isinstance(lhs, Variable):
        return _div_operator(lhs, rhs)
    return _div_any(lhs, rhs)


def _div_any(lhs, rhs):
    # every kind of operand, through Function.apply
    if _is_scalar(rhs):
        return MulConstant(1.0 / _const(rhs)).apply((lhs,))[0]
    if _is_scalar(lhs):
        return DivFromConstant(_const(lhs)).apply((rhs,))[0]
    return Div().apply((lhs, rhs))[0]


_div_operator = function._binary_operator(Div, operator.truediv, Div._RETAINED, _div_any)


def _rdiv(self, other):
    return div(other, self)


def neg(x):
    """Elementwise negation, ``y = -x``."""
    return Neg().apply((x,))[0]


def absolute(x):
    """Elementwise absolute value, ``y = |x|`` (gradient ``sign(x)``, 0 at 0)."""
    return Absolute().apply((x,))[0]


def pow(x, exponent):
    """Elementwise power ``y = x ** exponent``; either side may be a scalar or a Variable.

    With a Variable exponent the gradient for it is ``y * log(x)``, so ``x`` must be positive.

    Example:
        >>> import numpy, minigrad, minigrad.functions as F
        >>> x = minigrad.Variable(numpy.array([1., 2., 3.]))
        >>> F.pow(x, 2)
        variable([1., 4., 9.], shape=(3,), dtype=float64)
    """
    if _is_scalar(exponent):
        return PowVarConst(_const(exponent)).apply((x,))[0]
    if _is_scalar(x):
        return PowConstVar(_const(x)).apply((exponent,))[0]
    return PowVarVar().apply((x, exponent))[0]


def _rpow(self, other):
    return pow(other, self)


def install_variable_operators():
    """Install arithmetic operators and array-like methods onto :class:`minigrad.Variable`."""
    from minigrad.functions import array, linalg

    def _rmatmul(self, other):
        return linalg.matmul(other, self)

    def _reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return array.reshape(self, shape)

    def _transpose(self, *axes):
        if not axes:
            axes = None
        elif len(axes) == 1 and (isinstance(axes[0], (tuple, list)) or axes[0] is None):
            axes = axes[0]
        return array.transpose(self, axes)

    V = Variable
    V.__add__ = V.__radd__ = _add_operator
    V.__sub__ = _sub_operator
    V.__rsub__ = _rsub
    V.__mul__ = V.__rmul__ = _mul_operator
    V.__truediv__ = _div_operator
    V.__rtruediv__ = _rdiv
    V.__pow__ = pow
    V.__rpow__ = _rpow
    V.__neg__ = neg
    V.__abs__ = absolute
    V.__matmul__ = linalg.matmul
    V.__rmatmul__ = _rmatmul
    V.__getitem__ = array.get_item
    V.reshape = _reshape
    V.transpose = _transpose
    V.T = property(lambda self: array.transpose(self))
