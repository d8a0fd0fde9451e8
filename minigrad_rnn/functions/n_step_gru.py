"""NStep GRUs: stacked (and bidirectional) GRUs over a batch of variable-length sequences.

Shape letters: T time steps, B_t sequences still running at step t (non-increasing), S = sum of
B_t (all rows of all steps), I input size, N units, L layers, D directions (1 or 2).

Chainer's conventions, as in :mod:`minigrad_rnn.functions.n_step_lstm`: ``xs`` is time-major (a
list of T arrays (B_t, I), the longest sequences first), and each layer and direction has 6
weight matrices and 6 biases in cuDNN's order::

    ws[k] = [W0 W1 W2 | W3 W4 W5]     W0..W2: (N, I) on x_t,  W3..W5: (N, N) on h_t-1
             r  z  h~ | r  z  h~       reset gate, update gate, candidate

    r_t  = sigmoid(W0 x_t + b0 + W3 h_t-1 + b3)
    z_t  = sigmoid(W1 x_t + b1 + W4 h_t-1 + b4)
    h~_t = tanh(W2 x_t + b2 + r_t * (W5 h_t-1 + b5))
    h_t  = (1 - z_t) * h~_t + z_t * h_t-1

The reset gate multiplies ``W5 h_t-1 + b5`` after the product (cuDNN's GRU), not ``h_t-1``
before it as in :class:`minigrad_rnn.StatefulGRU`, and ``z`` keeps the old state where
StatefulGRU's keeps the candidate: the two layers are not interchangeable.

For speed each layer and direction is one fused Function, built like ``NStepLSTMLayer``: the
input projections of all steps are one matrix product, each step one product with W3..W5 plus
the gates, and the weight gradients one product each over all steps. Double backprop falls back
to a composition of ``linear``, ``sigmoid`` and ``tanh`` per step.
"""

import minigrad
import minigrad.functions as F
from minigrad_rnn.functions._n_step import _offsets
from minigrad_rnn.functions.n_step_rnn import _FusedLayer, _n_step_base


class NStepGRULayer(_FusedLayer):
    """One layer and direction: ``(h0, X, Wx, Wh, bx, bh) -> (hy, Y)``.

    ``X`` (S, I) holds the inputs of all steps stacked in time order; ``Wx`` (3N, I) is W0, W1,
    W2 stacked, ``Wh`` (3N, N) is W3, W4, W5, and ``bx``, ``bh`` (3N,) their biases, so every
    (., 3N) array here has the columns of r, z and h~ side by side. With ``reverse`` the steps
    run from the last to the first.
    """

    def forward(self, inputs):
        h0, X, Wx, Wh, bx, bh = inputs
        xp = minigrad.get_array_module(X)
        self.retain_inputs((0, 1, 2, 3, 4, 5))
        off = _offsets(self.batch_sizes)
        N = h0.shape[1]
        G = X @ Wx.T                                    # all input projections at once;
        G += bx                                         # each step turns its rows into
        G[:, :2 * N] += bh[:2 * N]                      # the gates r, z, h~
        bh_c = bh[2 * N:]
        S = X.shape[0]
        HC = xp.empty((S, N), dtype=X.dtype)           # W5 h_t-1 + b5, which r multiplies
        H_prev = xp.empty((S, N), dtype=X.dtype)
        Y = xp.empty((S, N), dtype=X.dtype)
        h = h0.copy()
        WhT = Wh.T
        half = X.dtype.type(0.5)
        for t in self._steps():
            Bt = self.batch_sizes[t]
            rows = slice(off[t], off[t + 1])
            h_prev = H_prev[rows]
            h_prev[...] = h[:Bt]
            hw = h_prev @ WhT
            g = G[rows]
            rz = g[:, :2 * N]
            rz += hw[:, :2 * N]
            rz *= half                                  # sigmoid(x) = tanh(x / 2) / 2 + 1 / 2
            xp.tanh(rz, out=rz)
            rz *= half
            rz += half
            r, z, c = g[:, :N], g[:, N:2 * N], g[:, 2 * N:]
            hc = HC[rows]
            xp.add(hw[:, 2 * N:], bh_c, out=hc)
            c += r * hc
            xp.tanh(c, out=c)
            y = Y[rows]
            xp.subtract(h_prev, c, out=y)              # h~ + z * (h_t-1 - h~)
            y *= z
            y += c
            h[:Bt] = y
        self.saved = (G, HC, H_prev)
        return h, Y

    def _backward_arrays(self, inputs, grad_outputs):
        h0, X, Wx, Wh, bx, bh = inputs
        ghy, gY = grad_outputs
        xp = minigrad.get_array_module(X)
        G, HC, H_prev = self.saved
        off = _offsets(self.batch_sizes)
        N = h0.shape[1]
        gh = xp.zeros_like(h0) if ghy is None else ghy.copy()
        GX = xp.empty_like(G)                           # gradients of the x-side sums
        GH = xp.empty_like(G)                           # and of the h-side ones
        for t in self._steps(backward=True):
            Bt = self.batch_sizes[t]
            rows = slice(off[t], off[t + 1])
            g = G[rows]
            r, z, c = g[:, :N], g[:, N:2 * N], g[:, 2 * N:]
            gh_t = gh[:Bt] if gY is None else gh[:Bt] + gY[rows]
            gx, gw = GX[rows], GH[rows]
            gr, gz, gc = gx[:, :N], gx[:, N:2 * N], gx[:, 2 * N:]
            xp.subtract(1, z, out=gc)                   # gc = gh_t * (1 - z) * (1 - h~^2)
            gc *= gh_t
            gc *= 1 - c * c
            xp.multiply(gc, r, out=gw[:, 2 * N:])
            xp.subtract(H_prev[rows], c, out=gz)        # gz = gh_t * (h_t-1 - h~) * z (1 - z)
            gz *= gh_t
            gz *= z
            gz *= 1 - z
            xp.subtract(1, r, out=gr)                   # gr = gc * hc * r (1 - r)
            gr *= r
            gr *= HC[rows]
            gr *= gc
            gw[:, :2 * N] = gx[:, :2 * N]
            gh_prev = gw @ Wh
            gh_prev += gh_t * z
            gh[:Bt] = gh_prev                           # the rows that ended keep their gradient
        return {0: gh, 1: lambda: GX @ Wx, 2: lambda: GX.T @ X, 3: lambda: GH.T @ H_prev,
                4: lambda: GX.sum(axis=0), 5: lambda: GH.sum(axis=0)}

    def _composite(self, h0, X, Wx, Wh, bx, bh):
        N = h0.shape[1]
        off = _offsets(self.batch_sizes)
        XW = F.linear(X, Wx, bx)
        h = h0
        ys = [None] * len(self.batch_sizes)
        for t in self._steps():
            Bt = self.batch_sizes[t]
            h_b = h[:Bt] if Bt < h.shape[0] else h
            xw = XW[off[t]:off[t + 1]]
            hw = F.linear(h_b, Wh, bh)
            r = F.sigmoid(xw[:, :N] + hw[:, :N])
            z = F.sigmoid(xw[:, N:2 * N] + hw[:, N:2 * N])
            c = F.tanh(xw[:, 2 * N:] + r * hw[:, 2 * N:])
            h_new = c + z * (h_b - c)
            h = F.concat([h_new, h[Bt:]], axis=0) if Bt < h.shape[0] else h_new
            ys[t] = h_new
        return h, F.concat(ys, axis=0)


def _run_layer(h0, X, w, b, sizes, reverse):
    Wx = F.concat([w[0], w[1], w[2]], axis=0)
    Wh = F.concat([w[3], w[4], w[5]], axis=0)
    bx = F.concat([b[0], b[1], b[2]], axis=0)
    bh = F.concat([b[3], b[4], b[5]], axis=0)
    return NStepGRULayer(sizes, reverse).apply((h0, X, Wx, Wh, bx, bh))


def n_step_gru(n_layers, dropout_ratio, hx, ws, bs, xs):
    """Stacked GRU over variable-length sequences, Chainer's ``F.n_step_gru``.

    Per layer, with W0..W5 and b0..b5 of ``ws[layer]`` and ``bs[layer]``::

        r_t  = sigmoid(W0 x_t + b0 + W3 h_t-1 + b3)     z_t = sigmoid(W1 x_t + b1 + W4 h_t-1 + b4)
        h~_t = tanh(W2 x_t + b2 + r_t * (W5 h_t-1 + b5))
        h_t  = (1 - z_t) * h~_t + z_t * h_t-1

    The input of layer k > 0 is ``h_t`` of layer k - 1, after dropout with ``dropout_ratio``
    (only while ``config.train``).

    Args:
        n_layers (int): the number of layers L.
        dropout_ratio (float): dropout on the inputs of layers after the first.
        hx: the initial state (L, B, N), or None for zeros.
        ws, bs: L lists of 6 weight matrices and 6 bias vectors (see the module docstring).
        xs: list of T arrays (B_t, I), time-major, B_t non-increasing.

    Returns:
        tuple ``(hy, ys)``: the final state (L, B, N) (for a sequence that ended early, its
        state at its last step) and the list of T outputs (B_t, N) of the last layer.

    Example:
        >>> import numpy
        >>> from minigrad_rnn.functions import n_step_gru
        >>> ws = [[numpy.zeros((2, 3))] * 3 + [numpy.zeros((2, 2))] * 3]
        >>> bs = [[numpy.zeros(2)] * 6]
        >>> hx = numpy.ones((1, 1, 2))
        >>> hy, ys = n_step_gru(1, 0.0, hx, ws, bs, [numpy.ones((1, 3))])
        >>> hy.array                          # z = 1/2: half the old state, half h~ = 0
        array([[[0.5, 0.5]]])
    """
    return _n_step_base('n_step_gru', n_layers, dropout_ratio, hx, ws, bs, xs, 1, 6, _run_layer)


def n_step_bigru(n_layers, dropout_ratio, hx, ws, bs, xs):
    """Stacked bidirectional GRU, Chainer's ``F.n_step_bigru``.

    Like :func:`n_step_gru` with two directions per layer: ``ws[2 * layer]`` runs forwards in
    time and ``ws[2 * layer + 1]`` backwards; each layer's output ``concat(h_fwd, h_bwd)`` (2N
    columns) feeds the next layer, so W0..W2 of layers after the first are (N, 2N). ``hx`` and
    ``hy`` have shape (2L, B, N), direction-minor.

    Returns:
        tuple ``(hy, ys)`` with ``ys[t]`` of shape (B_t, 2N).
    """
    return _n_step_base('n_step_bigru', n_layers, dropout_ratio, hx, ws, bs, xs, 2, 6,
                        _run_layer)
