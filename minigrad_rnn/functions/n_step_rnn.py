"""NStep RNNs: stacked (and bidirectional) plain RNNs over a batch of variable-length sequences.

Shape letters: T time steps, B_t sequences still running at step t (non-increasing), S = sum of
B_t (all rows of all steps), I input size, N units, L layers, D directions (1 or 2).

Chainer's conventions, as in :mod:`minigrad_rnn.functions.n_step_lstm`: ``xs`` is time-major (a
list of T arrays (B_t, I), the longest sequences first), and each layer and direction has 2
weight matrices and 2 biases, in cuDNN's order::

    ws[k] = [W0 | W1]      W0: (N, I) on x_t,  W1: (N, N) on h_t-1
    h_t = act(W0 x_t + b0 + W1 h_t-1 + b1)          act: tanh or relu

For speed each layer and direction is one fused Function, built like ``NStepLSTMLayer``: the
input projections of all steps are one matrix product, each step is one product with W1 plus the
activation, and the weight gradients are one product each over all steps. Double backprop falls
back to a composition of ``linear`` and the activation per step.

This module also holds what :mod:`minigrad_rnn.functions.n_step_gru` shares with it: the
argument checks, the base of the fused layers and the loop over layers and directions.
"""

import numpy

import minigrad
import minigrad.functions as F
from minigrad_rnn.functions._n_step import _check_arguments, _offsets

_ACTIVATIONS = ('tanh', 'relu')


class _FusedLayer(minigrad.Function):
    """Base of the fused NStep layers: the steps, and double backprop through a composition.

    A subclass implements ``forward``, the first-order ``backward`` as array code (called when
    no graph is recorded) and ``_composite(*inputs)``, the same layer written with minigrad
    functions, which double backprop differentiates.
    """

    def __init__(self, batch_sizes, reverse=False):
        self.batch_sizes = batch_sizes
        self.reverse = reverse

    def _steps(self, backward=False):
        # forwards in time for the forward direction; backward passes run the other way
        steps = range(len(self.batch_sizes))
        return reversed(steps) if self.reverse != backward else steps

    def backward(self, indexes, grad_outputs):
        if minigrad.config.enable_backprop:
            return self._composite_backward(indexes, grad_outputs)
        inputs = [v.array for v in self.get_retained_inputs()]
        grad_outputs = [None if g is None else g.array for g in grad_outputs]
        grads = self._backward_arrays(inputs, grad_outputs)
        # the products are functions: only the gradients asked for are computed
        return tuple(minigrad.Variable(grads[k]() if callable(grads[k]) else grads[k],
                                       requires_grad=False) for k in indexes)

    def _composite_backward(self, indexes, grad_outputs):
        # double backprop: the same layer as minigrad functions per step, differentiated by grad()
        inputs = self.get_retained_inputs()
        with minigrad.force_backprop_mode():
            outs = self._composite(*inputs)
        pairs = [(y, g) for y, g in zip(outs, grad_outputs) if g is not None]
        grads = minigrad.grad([y for y, _ in pairs], list(inputs), [g for _, g in pairs],
                              enable_double_backprop=True, stop_at_inputs=True)
        return tuple(grads[i] for i in indexes)


class NStepRNNLayer(_FusedLayer):
    """One layer and direction: ``(h0, X, Wx, Wh, b) -> (hy, Y)``.

    ``X`` (S, I) holds the inputs of all steps stacked in time order, ``Wx`` (N, I) is W0,
    ``Wh`` (N, N) is W1 and ``b`` (N,) is ``b0 + b1``. ``activation`` is ``'tanh'`` or
    ``'relu'``; with ``reverse`` the steps run from the last to the first.
    """

    def __init__(self, batch_sizes, activation='tanh', reverse=False):
        super().__init__(batch_sizes, reverse)
        self.activation = activation

    def forward(self, inputs):
        h0, X, Wx, Wh, b = inputs
        xp = minigrad.get_array_module(X)
        self.retain_inputs((0, 1, 2, 3, 4))
        off = _offsets(self.batch_sizes)
        Y = X @ Wx.T                                    # all input projections at once;
        Y += b                                          # each step turns its rows into h_t
        H_prev = xp.empty_like(Y)
        h = h0.copy()
        WhT = Wh.T
        for t in self._steps():
            Bt = self.batch_sizes[t]
            y = Y[off[t]:off[t + 1]]
            H_prev[off[t]:off[t + 1]] = h[:Bt]
            y += h[:Bt] @ WhT
            if self.activation == 'tanh':
                xp.tanh(y, out=y)
            else:
                xp.maximum(y, 0, out=y)
            h[:Bt] = y
        self.saved = (Y, H_prev)
        return h, Y

    def _backward_arrays(self, inputs, grad_outputs):
        h0, X, Wx, Wh, b = inputs
        ghy, gY = grad_outputs
        xp = minigrad.get_array_module(X)
        Y, H_prev = self.saved
        off = _offsets(self.batch_sizes)
        gh = xp.zeros_like(h0) if ghy is None else ghy.copy()
        GZ = xp.empty_like(Y)                           # gradients of the pre-activations
        for t in self._steps(backward=True):
            Bt = self.batch_sizes[t]
            r = slice(off[t], off[t + 1])
            gz = GZ[r]
            if gY is None:
                gz[...] = gh[:Bt]
            else:
                xp.add(gh[:Bt], gY[r], out=gz)
            y = Y[r]
            if self.activation == 'tanh':
                gz *= 1 - y * y
            else:
                gz *= y > 0
            gh[:Bt] = gz @ Wh                           # the rows that ended keep their gradient
        return {0: gh, 1: lambda: GZ @ Wx, 2: lambda: GZ.T @ X, 3: lambda: GZ.T @ H_prev,
                4: lambda: GZ.sum(axis=0)}

    def _composite(self, h0, X, Wx, Wh, b):
        act = F.tanh if self.activation == 'tanh' else F.relu
        off = _offsets(self.batch_sizes)
        XW = F.linear(X, Wx, b)
        h = h0
        ys = [None] * len(self.batch_sizes)
        for t in self._steps():
            Bt = self.batch_sizes[t]
            h_b = h[:Bt] if Bt < h.shape[0] else h
            h_new = act(XW[off[t]:off[t + 1]] + F.linear(h_b, Wh))
            h = F.concat([h_new, h[Bt:]], axis=0) if Bt < h.shape[0] else h_new
            ys[t] = h_new
        return h, F.concat(ys, axis=0)


def _n_step_base(name, n_layers, dropout_ratio, hx, ws, bs, xs, n_dir, n_weights, run_layer):
    """The loop over layers and directions shared by the NStep RNN and GRU functions.

    ``run_layer(h0, X, w, b, batch_sizes, reverse)`` runs one layer and direction on the stacked
    inputs X (S, I) and returns ``(h, Y)``.
    """
    sizes, N = _check_arguments(name, n_layers, n_dir, n_weights, (('hx', hx),), ws, bs, xs)
    if hx is None:
        xp = minigrad.get_array_module(xs[0])
        hx = xp.zeros((n_layers * n_dir, sizes[0], N), dtype=xs[0].dtype)
    X = F.concat(list(xs), axis=0)
    hy = []
    for layer in range(n_layers):
        if layer > 0:
            X = F.dropout(X, dropout_ratio)      # only between layers, as in Chainer
        outs = []
        for d in range(n_dir):
            k = layer * n_dir + d
            h, Y = run_layer(hx[k], X, ws[k], bs[k], sizes, d == 1)
            hy.append(h)
            outs.append(Y)
        X = outs[0] if n_dir == 1 else F.concat(outs, axis=1)
    ys = F.split_axis(X, numpy.cumsum(sizes[:-1]).tolist(), axis=0) if len(sizes) > 1 else (X,)
    return F.stack(hy, axis=0), list(ys)


def _n_step_rnn_base(name, n_layers, dropout_ratio, hx, ws, bs, xs, activation, n_dir):
    if activation not in _ACTIVATIONS:
        raise ValueError("%s: activation must be 'tanh' or 'relu', got %r" % (name, activation))

    def run_layer(h0, X, w, b, sizes, reverse):
        return NStepRNNLayer(sizes, activation, reverse).apply((h0, X, w[0], w[1], b[0] + b[1]))

    return _n_step_base(name, n_layers, dropout_ratio, hx, ws, bs, xs, n_dir, 2, run_layer)


def n_step_rnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation='tanh'):
    """Stacked RNN over variable-length sequences, Chainer's ``F.n_step_rnn``.

    Per layer, with W0, W1 and b0, b1 of ``ws[layer]`` and ``bs[layer]``::

        h_t = act(W0 x_t + b0 + W1 h_t-1 + b1)          act = tanh or relu

    The input of layer k > 0 is ``h_t`` of layer k - 1, after dropout with ``dropout_ratio``
    (only while ``config.train``).

    Args:
        n_layers (int): the number of layers L.
        dropout_ratio (float): dropout on the inputs of layers after the first.
        hx: the initial state (L, B, N), or None for zeros.
        ws, bs: L lists of 2 weight matrices (W0 (N, I) on the input, (N, N) in later layers;
            W1 (N, N) on the state) and 2 bias vectors (N,).
        xs: list of T arrays (B_t, I), time-major, B_t non-increasing.
        activation (str): ``'tanh'`` (default) or ``'relu'``.

    Returns:
        tuple ``(hy, ys)``: the final state (L, B, N) (for a sequence that ended early, its
        state at its last step) and the list of T outputs (B_t, N) of the last layer.

    Example:
        >>> import numpy
        >>> from minigrad_rnn.functions import n_step_rnn
        >>> ws = [[numpy.eye(2), numpy.eye(2)]]
        >>> bs = [[numpy.zeros(2), numpy.zeros(2)]]
        >>> xs = [numpy.array([[1., -1.], [2., 0.]]), numpy.array([[1., 1.]])]
        >>> hy, ys = n_step_rnn(1, 0.0, None, ws, bs, xs, activation='relu')
        >>> hy.array[0]                       # sequence 0 ran two steps, sequence 1 one
        array([[2., 1.],
               [2., 0.]])
    """
    return _n_step_rnn_base('n_step_rnn', n_layers, dropout_ratio, hx, ws, bs, xs, activation, 1)


def n_step_birnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation='tanh'):
    """Stacked bidirectional RNN, Chainer's ``F.n_step_birnn``.

    Like :func:`n_step_rnn` with two directions per layer: ``ws[2 * layer]`` runs forwards in
    time and ``ws[2 * layer + 1]`` backwards; each layer's output ``concat(h_fwd, h_bwd)`` (2N
    columns) feeds the next layer, so W0 of layers after the first is (N, 2N). ``hx`` and
    ``hy`` have shape (2L, B, N), direction-minor.

    Returns:
        tuple ``(hy, ys)`` with ``ys[t]`` of shape (B_t, 2N).
    """
    return _n_step_rnn_base('n_step_birnn', n_layers, dropout_ratio, hx, ws, bs, xs, activation,
                            2)
