"""NStep LSTMs: stacked (and bidirectional) LSTMs over a batch of variable-length sequences.

Shape letters: T time steps, B_t sequences still running at step t (non-increasing), S = sum of
B_t (all rows of all steps), I input size, N units, L layers, D directions (1 or 2).

Chainer's conventions, so that its code and weights port unchanged: ``xs`` is time-major (a list
of T arrays (B_t, I), the longest sequences first), and each layer and direction has 8 weight
matrices and 8 biases in cuDNN's gate order::

    ws[k] = [W0 W1 W2 W3 | W4 W5 W6 W7]     W0..W3: (N, I) on x_t,  W4..W7: (N, N) on h_t-1
             i  f  a  o  | i  f  a  o       input, forget, cell input, output gate

(Chainer's docstring lists W2 as the output gate and W3 as the cell input; its code, like cuDNN,
uses W2 for the cell input and W3 for the output gate, and so does minigrad.)

For speed each layer and direction is one fused Function: the input projections of all steps are
one matrix product, each step is one product with W4..W7 plus the cell, and the weight gradients
are one product each over all steps. Double backprop falls back to a composition of ``linear``
and ``lstm`` per step.
"""

import numpy

import minigrad
import minigrad.functions as F
from minigrad_rnn.functions._n_step import _check_arguments, _offsets
from minigrad_rnn.functions.lstm_cell import _cell_grads, _gates, lstm


class NStepLSTMLayer(minigrad.Function):
    """One layer and direction: ``(h0, c0, X, Wx, Wh, b) -> (hy, cy, Y)``.

    ``X`` (S, I) holds the inputs of all steps stacked in time order, ``Wx`` (4N, I), ``Wh``
    (4N, N) and ``b`` (4N,) are in the fused cell's interleaved gate layout (a, i, f, o per
    unit). With ``reverse`` the steps run from the last to the first.
    """

    def __init__(self, batch_sizes, reverse=False):
        self.batch_sizes = batch_sizes
        self.reverse = reverse

    def forward(self, inputs):
        h0, c0, X, Wx, Wh, b = inputs
        xp = minigrad.get_array_module(X)
        self.retain_inputs((0, 1, 2, 3, 4, 5))
        off = _offsets(self.batch_sizes)
        steps = range(len(self.batch_sizes))
        if self.reverse:
            steps = reversed(steps)
        XW = X @ Wx.T                                   # all input projections at once
        XW += b
        h = h0.copy()
        c = c0.copy()
        S, N = X.shape[0], h0.shape[1]
        Y = xp.empty((S, N), dtype=X.dtype)
        H_prev = xp.empty((S, N), dtype=X.dtype)
        gates = [None] * len(self.batch_sizes)          # per step (4, B_t, N): a, i, f, o
        c_prevs = [None] * len(self.batch_sizes)
        WhT = Wh.T
        for t in steps:
            Bt = self.batch_sizes[t]
            r = slice(off[t], off[t + 1])
            z = XW[r]
            z += h[:Bt] @ WhT
            g = gates[t] = _gates(z, xp)
            H_prev[r] = h[:Bt]
            c_prevs[t] = c[:Bt].copy()
            c_new = g[0] * g[1]
            c_new += g[2] * c[:Bt]
            h_new = Y[r]
            xp.tanh(c_new, out=h_new)
            h_new *= g[3]
            c[:Bt] = c_new
            h[:Bt] = h_new
        # kept after backward too, so that backward can run twice through one graph; it is
        # freed with this Function, that is with the graph
        self.saved = (gates, c_prevs, H_prev)
        return h, c, Y

    def backward(self, indexes, grad_outputs):
        if minigrad.config.enable_backprop:
            return self._composite_backward(indexes, grad_outputs)
        h0, c0, X, Wx, Wh, b = [v.array for v in self.get_retained_inputs()]
        ghy, gcy, gY = [None if g is None else g.array for g in grad_outputs]
        xp = minigrad.get_array_module(X)
        gates, c_prevs, H_prev = self.saved
        off = _offsets(self.batch_sizes)
        steps = range(len(self.batch_sizes))
        if not self.reverse:
            steps = reversed(steps)
        gh = xp.zeros_like(h0) if ghy is None else ghy.copy()
        gc = xp.zeros_like(c0) if gcy is None else gcy.copy()
        N = h0.shape[1]
        GZ = xp.empty((X.shape[0], 4 * N), dtype=X.dtype)   # interleaved, for the products
        for t in steps:
            Bt = self.batch_sizes[t]
            r = slice(off[t], off[t + 1])
            g, c_prev = gates[t], c_prevs[t]
            c_t = g[0] * g[1]
            c_t += g[2] * c_prev
            gh_t = gh[:Bt] if gY is None else gh[:Bt] + gY[r]
            gz, gc[:Bt] = _cell_grads(g, c_prev, c_t, gc[:Bt], gh_t, xp)
            gz_rows = GZ[r]
            gz_rows.reshape(Bt, N, 4)[...] = gz.transpose(1, 2, 0)
            gh[:Bt] = gz_rows @ Wh
        # only the gradients asked for are computed (the first layer's X needs none)
        grads = {0: lambda: gh, 1: lambda: gc, 2: lambda: GZ @ Wx, 3: lambda: GZ.T @ X,
                 4: lambda: GZ.T @ H_prev, 5: lambda: GZ.sum(axis=0)}
        return tuple(minigrad.Variable(grads[k](), requires_grad=False) for k in indexes)

    def _composite_backward(self, indexes, grad_outputs):
        # double backprop: the same layer as linear + lstm per step, differentiated by grad()
        inputs = self.get_retained_inputs()
        with minigrad.force_backprop_mode():
            outs = _layer_composite(*inputs, self.batch_sizes, self.reverse)
        pairs = [(y, g) for y, g in zip(outs, grad_outputs) if g is not None]
        grads = minigrad.grad([y for y, _ in pairs], list(inputs), [g for _, g in pairs],
                              enable_double_backprop=True, stop_at_inputs=True)
        return tuple(grads[i] for i in indexes)


def _layer_composite(h0, c0, X, Wx, Wh, b, batch_sizes, reverse):
    off = _offsets(batch_sizes)
    steps = range(len(batch_sizes))
    if reverse:
        steps = reversed(steps)
    XW = F.linear(X, Wx, b)
    h, c = h0, c0
    ys = [None] * len(batch_sizes)
    for t in steps:
        Bt = batch_sizes[t]
        h_b = h[:Bt] if Bt < h.shape[0] else h
        c, h_new = lstm(c, XW[off[t]:off[t + 1]] + F.linear(h_b, Wh))
        h = F.concat([h_new, h[Bt:]], axis=0) if Bt < h.shape[0] else h_new
        ys[t] = h_new
    return h, c, F.concat(ys, axis=0)


def _interleave(parts):
    # four (N, ...) arrays for gates a, i, f, o -> one (4N, ...) in the fused cell's layout
    stacked = F.stack(parts, axis=1)
    return F.reshape(stacked, (stacked.shape[0] * 4,) + stacked.shape[2:])


def _n_step_lstm_base(name, n_layers, dropout_ratio, hx, cx, ws, bs, xs, n_dir):
    sizes, N = _check_arguments(name, n_layers, n_dir, 8, (('hx', hx), ('cx', cx)), ws, bs,
                                xs)
    xp = minigrad.get_array_module(xs[0])
    dtype = xs[0].dtype
    if hx is None:
        hx = xp.zeros((n_layers * n_dir, sizes[0], N), dtype=dtype)
    if cx is None:
        cx = xp.zeros((n_layers * n_dir, sizes[0], N), dtype=dtype)
    X = F.concat(list(xs), axis=0)
    hy, cy = [], []
    for layer in range(n_layers):
        if layer > 0:
            X = F.dropout(X, dropout_ratio)      # only between layers, as in Chainer
        outs = []
        for d in range(n_dir):
            k = layer * n_dir + d
            w, b = ws[k], bs[k]
            Wx = _interleave([w[2], w[0], w[1], w[3]])
            Wh = _interleave([w[6], w[4], w[5], w[7]])
            bias = _interleave([b[2] + b[6], b[0] + b[4], b[1] + b[5], b[3] + b[7]])
            h, c, Y = NStepLSTMLayer(sizes, reverse=(d == 1)).apply(
                (hx[k], cx[k], X, Wx, Wh, bias))
            hy.append(h)
            cy.append(c)
            outs.append(Y)
        X = outs[0] if n_dir == 1 else F.concat(outs, axis=1)
    ys = F.split_axis(X, numpy.cumsum(sizes[:-1]).tolist(), axis=0) if len(sizes) > 1 else (X,)
    return F.stack(hy, axis=0), F.stack(cy, axis=0), list(ys)


def n_step_lstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs):
    """Stacked LSTM over variable-length sequences, Chainer's ``F.n_step_lstm``.

    Per layer, with W0..W7 and b0..b7 of ``ws[layer]`` and ``bs[layer]``::

        i_t = sigmoid(W0 x_t + W4 h_t-1 + b0 + b4)     f_t = sigmoid(W1 x_t + W5 h_t-1 + b1 + b5)
        a_t = tanh(W2 x_t + W6 h_t-1 + b2 + b6)        o_t = sigmoid(W3 x_t + W7 h_t-1 + b3 + b7)
        c_t = f_t * c_t-1 + i_t * a_t                  h_t = o_t * tanh(c_t)

    The input of layer k > 0 is ``h_t`` of layer k - 1, after dropout with ``dropout_ratio``
    (only while ``config.train``).

    Args:
        n_layers (int): the number of layers L.
        dropout_ratio (float): dropout on the inputs of layers after the first.
        hx, cx: initial states (L, B, N), or None for zeros.
        ws, bs: L lists of 8 weight matrices and 8 bias vectors (see the module docstring).
        xs: list of T arrays (B_t, I), time-major, B_t non-increasing.

    Returns:
        tuple ``(hy, cy, ys)``: final states (L, B, N) (for a sequence that ended early, its
        state at its last step) and the list of T outputs (B_t, N) of the last layer.
    """
    return _n_step_lstm_base('n_step_lstm', n_layers, dropout_ratio, hx, cx, ws, bs, xs, 1)


def n_step_bilstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs):
    """Stacked bidirectional LSTM, Chainer's ``F.n_step_bilstm``.

    Like :func:`n_step_lstm` with two directions per layer: ``ws[2 * layer]`` runs forwards in
    time and ``ws[2 * layer + 1]`` backwards; each layer's output ``concat(h_fwd, h_bwd)`` (2N
    columns) feeds the next layer, so W0..W3 of layers after the first are (N, 2N).
    ``hx``/``cx`` and ``hy``/``cy`` have shape (2L, B, N), direction-minor.

    Returns:
        tuple ``(hy, cy, ys)`` with ``ys[t]`` of shape (B_t, 2N).
    """
    return _n_step_lstm_base('n_step_bilstm', n_layers, dropout_ratio, hx, cx, ws, bs, xs, 2)
