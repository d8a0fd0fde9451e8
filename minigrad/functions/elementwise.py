"""Elementwise math: sqrt, square, exp, log, sin, cos, clip, maximum, minimum.

Functions layer. Each keeps the input's dtype; binary ones broadcast.
"""

from minigrad import backend, function, type_check


class Exp(function.Function):
    """Elementwise ``exp(x)`` (see :func:`exp`)."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return backend.get_array_module(x).exp(x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y,


def exp(x):
    """Elementwise exponential, ``y = e ** x``."""
    return Exp().apply((x,))[0]


class Log(function.Function):
    """Elementwise natural logarithm (see :func:`log`)."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return backend.get_array_module(x).log(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / x,


def log(x):
    """Elementwise natural logarithm, ``y = ln(x)``."""
    return Log().apply((x,))[0]


def sqrt(x):
    raise NotImplementedError


def square(x):
    raise NotImplementedError


def sin(x):
    raise NotImplementedError


def cos(x):
    raise NotImplementedError


def clip(x, x_min, x_max):
    raise NotImplementedError


def maximum(x1, x2):
    raise NotImplementedError


def minimum(x1, x2):
    raise NotImplementedError
