"""The fully-connected LSTM layer with state, Chainer's ``L.LSTM``.

Shape letters: B batch, I input size, N units.

Children ``upward`` (Linear I -> 4N, with bias) and ``lateral`` (Linear N -> 4N, no bias) make the
gate pre-activations, interleaved per unit (a, i, f, o) as the fused cell
:func:`minigrad_rnn.functions.lstm` reads them::

    lstm_in = upward(x_t) + lateral(h_t-1)          # (B, 4N)
    c_t, h_t = lstm(c_t-1, lstm_in)

(computed by one Function, :func:`minigrad_rnn.functions.lstm_step.lstm_step`, with the same
values and gradients).

When a batch is smaller than the state (sequences that ended), the first rows are updated and
the tail of ``h`` and ``c`` carries on unchanged (Chainer's rule).
"""

import minigrad
import minigrad.functions as F
from minigrad import initializers, type_check
from minigrad import links as L
from minigrad_rnn.functions.lstm_step import lstm_step
from minigrad_rnn.links._state import _serialize_states, _split_states


class _GateBlocks(initializers.Initializer):
    """Fills the four gate blocks of a (4N, K) weight one after another, as Chainer's LSTM does
    (so that, for instance, an orthogonal initializer makes each gate's N rows orthogonal)."""

    def __init__(self, initializer, dtype=None):
        super().__init__(dtype)
        self.initializer = initializer

    def __call__(self, array):
        self._check_dtype(array)
        n = array.shape[0] // 4
        for k in range(4):
            self.initializer(array[k * n:(k + 1) * n])


class _GateBias(initializers.Initializer):
    """Chainer's LSTM bias (4N,), read as (N, 4) for gates a, i, f, o of each unit:
    ``bias`` fills the a, i and o columns and ``forget_bias`` the f column."""

    def __init__(self, bias, forget_bias, dtype=None):
        super().__init__(dtype)
        self.bias = bias
        self.forget_bias = forget_bias

    def __call__(self, array):
        self._check_dtype(array)
        b = array.reshape(-1, 4)
        for k in range(4):
            column = b[:, k].copy()         # an initializer may need a contiguous array
            (self.forget_bias if k == 2 else self.bias)(column)
            b[:, k] = column


class LSTM(minigrad.Chain):
    """Fully-connected LSTM layer holding its state ``c`` and ``h`` between calls.

    Args:
        in_size (int or None): input size; None (or giving only one size) defers the creation
            of ``upward.W`` to the first call.
        out_size (int): the number of units N.
        lateral_init, upward_init: initializers of the weights, applied to each gate's N rows
            separately (default: LeCunNormal).
        bias_init: initializer of the a, i, o biases (default 0).
        forget_bias_init: initializer of the forget gate's bias (default 1, which keeps the
            memory open at the start of training).

    Example:
        >>> import numpy
        >>> from minigrad_rnn import LSTM
        >>> rnn = LSTM(3, 5)
        >>> h = rnn(numpy.ones((2, 3), dtype=numpy.float32))
        >>> h.shape, rnn.c.shape
        ((2, 5), (2, 5))
    """

    def __init__(self, in_size, out_size=None, lateral_init=None, upward_init=None,
                 bias_init=None, forget_bias_init=1):
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        self.state_size = out_size
        self.lateral_init = lateral_init
        self.upward_init = upward_init
        self.bias_init = 0 if bias_init is None else bias_init
        self.forget_bias_init = forget_bias_init
        # the children's own initializers do Chainer's per-gate initialization, so that
        # copy('init') and a lazy in_size draw the weights the same way as this constructor
        inits = [initializers.get_initializer(i) for i in (
            upward_init, lateral_init, self.bias_init, forget_bias_init)]
        # one dtype for all three parameters: the one an initializer fixes, if any
        dtypes = {str(i.dtype) for i in inits if getattr(i, 'dtype', None) is not None}
        if len(dtypes) > 1:
            raise ValueError('LSTM: the initializers fix different dtypes (%s); the weights '
                             'and the bias must share one' % ', '.join(sorted(dtypes)))
        dtype = dtypes.pop() if dtypes else None
        with self.init_scope():
            self.upward = L.Linear(
                in_size, 4 * out_size, initialW=_GateBlocks(inits[0], dtype),
                initial_bias=_GateBias(inits[2], inits[3], dtype))
            self.lateral = L.Linear(
                out_size, 4 * out_size, initialW=_GateBlocks(inits[1], dtype), nobias=True)
        self.reset_state()

    @property
    def printable_specs(self):
        yield 'in_size', self.upward.in_size
        yield 'out_size', self.state_size

    def reset_state(self):
        """Forget the state: the next call starts from zeros."""
        self.c = None
        self.h = None

    def set_state(self, c, h):
        """Set the state (Variables or arrays of shape (B, N))."""
        if c.shape != h.shape or len(c.shape) != 2 or c.shape[1] != self.state_size:
            raise ValueError('LSTM.set_state: c and h must both have shape (B, %d), got %s and '
                             '%s' % (self.state_size, c.shape, h.shape))
        self.c = minigrad.as_variable(c)
        self.h = minigrad.as_variable(h)

    def serialize_state(self, serializer):
        """Save or load the state ``c`` and ``h`` (snapshots use it to resume mid-sequence).

        ``serialize`` itself, like Chainer's, holds only parameters, so a saved model loads into
        a fresh one whatever state either had.
        """
        _serialize_states(self, serializer, ('c', 'h'))

    def forward(self, x):
        """One step: x (B, I) -> h (B, N); B may shrink but not grow between calls."""
        # checked before the state is made from x's dtype, which a bad x would leave behind
        type_check.expect_float('LSTM', 'x', x.array if isinstance(x, minigrad.Variable) else x)
        if self.upward.W.array is None:
            self.upward(x)                              # creates W from x's shape
        B = x.shape[0]
        h = h_rest = None
        if self.h is not None:
            (h,), tails = _split_states(self, B, [self.h])
            if tails is not None:
                h_rest = tails[0]
        if self.c is None:
            self.c = minigrad.Variable(self.xp.zeros((B, self.state_size), dtype=x.dtype))
        # upward(x) + lateral(h) and the cell as one Function (same values and gradients)
        self.c, y = lstm_step(self.c, x, self.upward.W, self.upward.b, h,
                              None if h is None else self.lateral.W)
        if h_rest is None:
            self.h = y
        elif B == 0:
            self.h = h_rest
        else:
            self.h = F.concat([y, h_rest], axis=0)
        return y
