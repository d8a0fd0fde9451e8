"""One step of the LSTM link as one Function: both input products, the bias and the fused cell.

Shape letters: B batch (rows of x), B0 rows of c_prev (B <= B0), I input size, N units::

    lstm_in = x @ W_upward.T + b_upward + h_prev @ W_lateral.T   # (B, 4N), gates interleaved
    c, h = lstm(c_prev, lstm_in)                                 # minigrad_rnn.functions.lstm

The result and the gradients are those of composing ``linear``, ``linear``, ``+`` and
:func:`~minigrad_rnn.functions.lstm`, which is what :class:`minigrad_rnn.LSTM` computes. Doing it
in one Function matters on the CPU: per step there is one graph node instead of four, no
``lstm_in`` array is kept for backward (the activated gates are, as in ``lstm``), and the sum of
the two products is formed in place. First-order backward is array code with one product per
gradient; double backprop differentiates the same composition of minigrad functions.
"""

import minigrad
import minigrad.functions as F
from minigrad import type_check
from minigrad_rnn.functions.lstm_cell import (
    _cell_forward,
    _check_batch_shrinks,
    _lstm_grad_arrays,
    lstm,
)


def _check_matrix(func, x_name, x, w_name, W, rows):
    if W.dtype != x.dtype:
        type_check.expect_same_dtype(func, (x_name, w_name), (x, W))
    if x.ndim != 2 or W.ndim != 2 or W.shape != (rows, x.shape[1]):
        raise type_check.InvalidType(
            func, '%s must be 2-dimensional (B, K) and %s must have shape (%d, K)'
            % (x_name, w_name, rows), **{x_name: x, w_name: W})


class LSTMStep(minigrad.Function):
    """The fused step of the LSTM link (see :func:`lstm_step`).

    Inputs ``(c_prev, x, W_upward, b_upward)`` or, with a previous output,
    ``(c_prev, x, W_upward, b_upward, h_prev, W_lateral)``; outputs ``(c, h)``.
    """

    label = 'lstm_step'

    def check_type_forward(self, inputs):
        c_prev, x, W, b = inputs[:4]
        if c_prev.dtype.kind != 'f':
            type_check.expect_float(self, 'c_prev', c_prev)
        if c_prev.ndim != 2:
            raise type_check.InvalidType(self, 'c_prev must be 2-dimensional (B0, N)',
                                         c_prev=c_prev)
        if x.dtype != c_prev.dtype:
            type_check.expect_same_dtype(self, ('c_prev', 'x'), (c_prev, x))
        rows = 4 * c_prev.shape[1]
        _check_matrix(self, 'x', x, 'W_upward', W, rows)
        if b.dtype != x.dtype or b.shape != (rows,):
            raise type_check.InvalidType(
                self, 'b_upward must have shape (%d,) and the dtype of x' % rows, x=x,
                b_upward=b)
        if len(inputs) == 6:
            h, Wl = inputs[4:]
            _check_matrix(self, 'h_prev', h, 'W_lateral', Wl, rows)
            if h.shape[0] != x.shape[0]:
                raise type_check.InvalidType(
                    self, 'h_prev must have as many rows as x', x=x, h_prev=h)
        _check_batch_shrinks(self, c_prev, x)

    def forward(self, inputs):
        c_prev, x, W, b = inputs[:4]
        self.retain_inputs(tuple(range(len(inputs))))
        lstm_in = x.dot(W.T)
        lstm_in += b
        if len(inputs) == 6:
            h, Wl = inputs[4:]
            lstm_in += h.dot(Wl.T)
        c, h, self.gates = _cell_forward(c_prev, lstm_in)
        # the GPU gradient kernel reads lstm_in; on the CPU the gates are all backward needs
        self.lstm_in = lstm_in if self.gates is None else None
        self.retain_outputs((0,))
        return c, h

    def backward(self, indexes, grad_outputs):
        inputs = self.get_retained_inputs()
        if minigrad.config.enable_backprop:
            # double backprop: differentiate the same step written with minigrad functions
            with minigrad.force_backprop_mode():
                outs = _lstm_step_composite(*inputs)
            pairs = [(y, g) for y, g in zip(outs, grad_outputs) if g is not None]
            wrt = [inputs[i] for i in indexes]
            return tuple(minigrad.grad([y for y, _ in pairs], wrt, [g for _, g in pairs],
                                       enable_double_backprop=True, stop_at_inputs=True))
        c_prev, x, W = inputs[0].array, inputs[1].array, inputs[2].array
        c, = self.get_retained_outputs()
        gc, gh = grad_outputs
        gc_prev, g = _lstm_grad_arrays(
            c_prev, self.lstm_in, c.array, None if gc is None else gc.array,
            None if gh is None else gh.array, self.gates)
        ret = []
        for i in indexes:
            if i == 0:
                gx = gc_prev
            elif i == 1:
                gx = g.dot(W)
            elif i == 2:
                gx = g.T.dot(x)
            elif i == 3:
                gx = g.sum(axis=0)
            elif i == 4:
                gx = g.dot(inputs[5].array)
            else:
                gx = g.T.dot(inputs[4].array)
            ret.append(minigrad.Variable(gx, requires_grad=False))
        return tuple(ret)


def _lstm_step_composite(c_prev, x, W, b, h=None, Wl=None):
    lstm_in = F.linear(x, W, b)
    if h is not None:
        lstm_in = lstm_in + F.linear(h, Wl)
    return lstm(c_prev, lstm_in)


def lstm_step(c_prev, x, W_upward, b_upward, h_prev=None, W_lateral=None):
    """One LSTM link step: ``lstm(c_prev, x @ W_upward.T + b_upward + h_prev @ W_lateral.T)``.

    What :class:`minigrad_rnn.LSTM` runs at each call, as one Function (see the module
    docstring for why). ``h_prev`` and ``W_lateral`` are left out at the first step, when
    there is no previous output.

    Args:
        c_prev: the previous cell state, shape (B0, N).
        x: the input, shape (B, I) with B <= B0 (rows beyond B pass through as in ``lstm``).
        W_upward, b_upward: shapes (4N, I) and (4N,), gates interleaved per unit (a, i, f, o).
        h_prev, W_lateral: shapes (B, N) and (4N, N), or both None.

    Returns:
        tuple ``(c, h)``: the new cell state (B0, N) and the output (B, N).

    Example:
        >>> import numpy
        >>> from minigrad_rnn.functions.lstm_step import lstm_step
        >>> W, b = numpy.zeros((4, 2)), numpy.array([0., 0., 100., 0.])
        >>> c, h = lstm_step(numpy.ones((1, 1)), numpy.ones((1, 2)), W, b)
        >>> float(c.array[0, 0])          # forget gate open, input gate at 0.5, tanh(0) = 0
        1.0
    """
    if (h_prev is None) != (W_lateral is None):
        raise ValueError('lstm_step: give both h_prev and W_lateral or neither, got %s and %s'
                         % (type_check.describe(h_prev), type_check.describe(W_lateral)))
    inputs = (c_prev, x, W_upward, b_upward)
    if h_prev is not None:
        inputs += (h_prev, W_lateral)
    return LSTMStep().apply(inputs)
