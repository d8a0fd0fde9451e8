"""The fused LSTM cell ``lstm(c_prev, x) -> (c, h)`` (Chainer's layout) and its gradient.

Shape letters: B batch (rows of x), B0 rows of c_prev (B <= B0), N units.

``x`` holds the four gate pre-activations of every unit side by side, interleaved per unit as in
Chainer, so ``x.reshape(B, N, 4)[:, n]`` is ``(a, i, f, o)`` of unit n::

    x[b] = | a_0 i_0 f_0 o_0 | a_1 i_1 f_1 o_1 | ... | a_N-1 i_N-1 f_N-1 o_N-1 |

    c = tanh(a) * sigmoid(i) + sigmoid(f) * c_prev
    h = sigmoid(o) * tanh(c)

One Function computes the whole cell and a second one (``LSTMGrad``) its gradient, instead of a
dozen small Functions: that is most of the speed of a recurrent model on the CPU. On CuPy each of
them is a single elementwise kernel. ``LSTMGrad`` is itself differentiable (through a composition
of minigrad functions), so double backprop works.
"""

import numpy

import minigrad
import minigrad.functions as F
from minigrad import type_check


def _sigmoid(x, xp):
    half = x.dtype.type(0.5)
    return xp.tanh(x * half) * half + half


def _gates(x, xp):
    """Activated gates of x (B, 4N) in gate-major layout (4, B, N): tanh(a), sigmoid(i, f, o).

    One transposing copy first: NumPy's fast transcendental loops need contiguous data, and on
    the interleaved layout tanh is about five times slower.
    """
    B, N = x.shape[0], x.shape[1] // 4
    g = x.reshape(B, N, 4).transpose(2, 0, 1).copy()   # always a copy: we write into it
    xp.tanh(g[0], out=g[0])
    half = x.dtype.type(0.5)
    ifo = g[1:]
    ifo *= half
    xp.tanh(ifo, out=ifo)
    ifo *= half
    ifo += half
    return g


def _interleave(gz, xp):
    """Gate-major (4, B, N) -> Chainer's interleaved (B, 4N)."""
    B, N = gz.shape[1], gz.shape[2]
    return xp.ascontiguousarray(gz.transpose(1, 2, 0)).reshape(B, 4 * N)


def _cell_grads(g, c_prev_b, c_b, gc_b, gh, xp):
    """Gradients of one cell step on the CPU: (gz in gate-major layout, gc_prev).

    Written with ``out=`` and in-place operations: on small batches the temporaries of the
    plain expressions cost as much as the arithmetic.
    """
    a, i, f, o = g
    gz = xp.empty_like(g)
    ga, gi, gf, go = gz
    co = xp.tanh(c_b)
    gct = gh * o
    xp.multiply(co, co, out=go)                  # go is scratch until its own turn below
    xp.subtract(1, go, out=go)
    gct *= go
    gct += gc_b                                  # the gradient reaching c_t from both sides
    xp.multiply(a, a, out=ga)                    # ga = gct * i * (1 - a^2)
    xp.subtract(1, ga, out=ga)
    ga *= i
    ga *= gct
    xp.subtract(1, i, out=gi)                    # gi = gct * a * i * (1 - i)
    gi *= i
    gi *= a
    gi *= gct
    xp.subtract(1, f, out=gf)                    # gf = gct * c_prev * f * (1 - f)
    gf *= f
    gf *= c_prev_b
    gf *= gct
    xp.subtract(1, o, out=go)                    # go = gh * tanh(c) * o * (1 - o)
    go *= o
    go *= co
    go *= gh
    gct *= f
    return gz, gct


_GPU_PREAMBLE = '''
template <typename T> __device__ T _sigmoid(T x) {
    const T half = 0.5;
    return tanh(x * half) * half + half;
}
'''

_fwd_kernel = None
_bwd_kernel = None


def _gpu_kernels():
    global _fwd_kernel, _bwd_kernel
    if _fwd_kernel is None:
        import cupy
        # one thread per (row, unit); x is read by raw index: gates of unit n at 4n..4n+3
        _fwd_kernel = cupy.ElementwiseKernel(
            'T c_prev, raw T x, int32 N', 'T c, T h',
            '''
            const int b = i / N, n = i % N;
            const T* g = &x[(b * N + n) * 4];
            const T a = tanh(g[0]);
            c = a * _sigmoid(g[1]) + _sigmoid(g[2]) * c_prev;
            h = _sigmoid(g[3]) * tanh(c);
            ''', 'minigrad_lstm_fwd', preamble=_GPU_PREAMBLE)
        _bwd_kernel = cupy.ElementwiseKernel(
            'T c_prev, raw T x, T c, T gc, T gh, int32 N', 'T gc_prev, raw T gx',
            '''
            const int b = i / N, n = i % N;
            const T* g = &x[(b * N + n) * 4];
            const T a = tanh(g[0]);
            const T ig = _sigmoid(g[1]), fg = _sigmoid(g[2]), og = _sigmoid(g[3]);
            const T co = tanh(c);
            const T gct = gc + gh * og * (1 - co * co);
            T* gxi = &gx[(b * N + n) * 4];
            gxi[0] = gct * ig * (1 - a * a);
            gxi[1] = gct * a * ig * (1 - ig);
            gxi[2] = gct * c_prev * fg * (1 - fg);
            gxi[3] = gh * co * og * (1 - og);
            gc_prev = gct * fg;
            ''', 'minigrad_lstm_bwd', preamble=_GPU_PREAMBLE)
    return _fwd_kernel, _bwd_kernel


def _cell_forward(c_prev, x):
    """``(c, h, gates)`` of the cell on arrays; gates (4, B, N) activated, None on CuPy."""
    xp = minigrad.get_array_module(x)
    B = x.shape[0]
    if xp is not numpy:
        fwd, _ = _gpu_kernels()
        c_b, h = fwd(c_prev[:B], x, c_prev.shape[1])
        g = None
    else:
        g = _gates(x, xp)                             # (4, B, N): a, i, f, o activated
        c_b = g[0] * g[1]
        c_b += g[2] * c_prev[:B]
        h = xp.tanh(c_b)
        h *= g[3]
    if B < c_prev.shape[0]:
        c = xp.concatenate([c_b, c_prev[B:]], axis=0)  # the rows beyond x pass through
    else:
        c = c_b
    return c, h, g


def _check_lstm_inputs(func, c_prev, x):
    if c_prev.dtype.kind != 'f':
        type_check.expect_float(func, 'c_prev', c_prev)
    if x.dtype != c_prev.dtype:
        type_check.expect_same_dtype(func, ('c_prev', 'x'), (c_prev, x))
    if c_prev.ndim != 2 or x.ndim != 2:
        raise type_check.InvalidType(
            func, 'c_prev and x must be 2-dimensional (B, N) and (B, 4N)', c_prev=c_prev, x=x)
    if x.shape[1] != 4 * c_prev.shape[1]:
        raise type_check.InvalidType(
            func, 'x.shape[1] must be 4 * c_prev.shape[1] (gates a, i, f, o side by side)',
            c_prev=c_prev, x=x)
    _check_batch_shrinks(func, c_prev, x)


def _check_batch_shrinks(func, c_prev, x):
    if x.shape[0] > c_prev.shape[0]:
        raise type_check.InvalidType(
            func, 'x must not have more rows than c_prev (the batch may only shrink; sort '
            'sequences by decreasing length)', c_prev=c_prev, x=x)


class LSTM(minigrad.Function):
    """The fused LSTM cell (see :func:`lstm`)."""

    def check_type_forward(self, inputs):
        _check_lstm_inputs(self, *inputs)

    def forward(self, inputs):
        c_prev, x = inputs
        self.retain_inputs((0, 1))
        c, h, self.gates = _cell_forward(c_prev, x)   # gates: not recomputed in backward
        self.retain_outputs((0,))
        return c, h

    def backward(self, indexes, grad_outputs):
        c_prev, x = self.get_retained_inputs()
        c, = self.get_retained_outputs()
        gc, gh = grad_outputs
        if not minigrad.config.enable_backprop:
            # first order: array code on what forward kept, no LSTMGrad node to build
            grads = _lstm_grad_arrays(c_prev.array, x.array, c.array,
                                      None if gc is None else gc.array,
                                      None if gh is None else gh.array, self.gates)
            return tuple(minigrad.Variable(grads[i], requires_grad=False) for i in indexes)
        grads = LSTMGrad(self.gates).apply((c_prev, x, c, gc, gh))
        return tuple(grads[i] for i in indexes)


class LSTMGrad(minigrad.Function):
    """Gradient of :class:`LSTM`: ``(c_prev, x, c, gc, gh) -> (gc_prev, gx)``.

    ``gc`` or ``gh`` may be None (no gradient reached that output). ``gates`` are the activated
    gates saved by the forward pass on the CPU (None: recompute them).
    """

    def __init__(self, gates=None):
        self.gates = gates

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2, 3, 4))
        return _lstm_grad_arrays(*inputs, gates=self.gates)

    def backward(self, indexes, grad_outputs):
        # differentiate the same gradient formulas written with minigrad functions
        # (rarely needed, so simplicity beats speed here)
        double = minigrad.config.enable_backprop
        inputs = self.get_retained_inputs()
        c_prev, x, c, gc, gh = inputs
        with minigrad.force_backprop_mode():   # the engine turned recording off around us
            outs = _lstm_grad_composite(c_prev, x, gc, gh)
        pairs = [(y, g) for y, g in zip(outs, grad_outputs) if g is not None]
        grads = minigrad.grad([y for y, _ in pairs], list(inputs), [g for _, g in pairs],
                              enable_double_backprop=double, stop_at_inputs=True)
        return tuple(grads[i] for i in indexes)

    def apply(self, inputs):
        # gc / gh may be None: they enter as zero constants of the right shape
        c_prev, x, c, gc, gh = inputs
        xp = minigrad.get_array_module(x)
        if gc is None:
            gc = xp.zeros(c_prev.shape, dtype=c_prev.dtype)
        if gh is None:
            gh = xp.zeros((x.shape[0], c_prev.shape[1]), dtype=c_prev.dtype)
        return super().apply((c_prev, x, c, gc, gh))


def _lstm_grad_arrays(c_prev, x, c, gc, gh, gates=None):
    """(gc_prev, gx) as arrays; gc / gh may be None (zeros); gates as saved by LSTM.forward.

    On the CPU ``x`` may be None when ``gates`` are given: they are all the formulas need.
    """
    xp = minigrad.get_array_module(c_prev)
    B, N = (x.shape[0] if x is not None else gates.shape[1]), c_prev.shape[1]
    dtype = c_prev.dtype
    gc_b = xp.zeros((B, N), dtype=dtype) if gc is None else gc[:B]
    gh = xp.zeros((B, N), dtype=dtype) if gh is None else gh
    gc_prev = xp.empty_like(c_prev)
    if xp is not numpy:
        _, bwd = _gpu_kernels()
        gx = xp.empty_like(x)
        bwd(c_prev[:B], x, c[:B], gc_b, gh, N, gc_prev[:B], gx)
    else:
        g = gates if gates is not None else _gates(x, xp)
        gz, gc_prev[:B] = _cell_grads(g, c_prev[:B], c[:B], gc_b, gh, xp)
        gx = _interleave(gz, xp)
    if B < c_prev.shape[0]:
        gc_prev[B:] = 0 if gc is None else gc[B:]
    return gc_prev, gx


def _lstm_grad_composite(c_prev, x, gc, gh):
    """The gradient formulas of the cell as a composition of minigrad functions."""
    B, N = x.shape[0], c_prev.shape[1]
    r = F.reshape(x, (B, N, 4))
    a = F.tanh(r[:, :, 0])
    i = F.sigmoid(r[:, :, 1])
    f = F.sigmoid(r[:, :, 2])
    o = F.sigmoid(r[:, :, 3])
    cp = c_prev[:B] if B < c_prev.shape[0] else c_prev
    c_b = a * i + f * cp
    co = F.tanh(c_b)
    gc_b = gc[:B] if B < gc.shape[0] else gc
    gct = gc_b + gh * o * (1 - co * co)
    gx = F.stack([gct * i * (1 - a * a), gct * a * i * (1 - i),
                  gct * cp * f * (1 - f), gh * co * o * (1 - o)], axis=2)
    gx = F.reshape(gx, x.shape)
    gc_prev = gct * f
    if B < c_prev.shape[0]:
        gc_prev = F.concat([gc_prev, gc[B:]], axis=0)
    return gc_prev, gx


def lstm(c_prev, x):
    """Long short-term memory cell with a forget gate, Chainer's ``F.lstm``.

    ``x`` holds the gate pre-activations interleaved per unit (see the module docstring);
    ``c = tanh(a) * sigmoid(i) + sigmoid(f) * c_prev`` and ``h = sigmoid(o) * tanh(c)``.
    When ``x`` has fewer rows than ``c_prev`` (sequences sorted by decreasing length), only the
    first rows are updated; the rest of ``c_prev`` is passed through to ``c`` unchanged, and so
    is its gradient.

    Args:
        c_prev: the previous cell state, shape (B0, N).
        x: gate pre-activations, shape (B, 4N) with B <= B0.

    Returns:
        tuple ``(c, h)``: the new cell state (B0, N) and the output (B, N).

    Example:
        >>> import numpy
        >>> from minigrad_rnn.functions import lstm
        >>> c, h = lstm(numpy.zeros((1, 1)), numpy.array([[0., 0., 100., 0.]]))
        >>> float(c.array[0, 0]), float(h.array[0, 0])
        (0.0, 0.0)
    """
    return LSTM().apply((c_prev, x))
