"""StatefulGRU: the gated recurrent unit layer with state (Chainer's ``L.StatefulGRU``).

Shape letters: B batch, I input size, N units.

Six children, all Linear with a bias as in Chainer: ``W_r``, ``W_z``, ``W`` (I -> N) read the
input, ``U_r``, ``U_z``, ``U`` (N -> N) the previous state (Cho et al. 2014)::

    r     = sigmoid(W_r(x_t) + U_r(h_t-1))          # reset gate
    z     = sigmoid(W_z(x_t) + U_z(h_t-1))          # update gate
    h_bar = tanh(W(x_t) + U(r * h_t-1))             # candidate
    h_t   = (1 - z) * h_t-1 + z * h_bar

At the first step (no state yet) Chainer leaves the U links out altogether, biases included::

    h_1 = sigmoid(W_z(x_1)) * tanh(W(x_1))

which is the formula above with h_0 = 0 as long as the biases of ``U_z`` and ``U`` are zero (the
default). When a batch is smaller than the state (sequences that ended), the first rows are
updated and the tail of ``h`` carries on unchanged (Chainer's rule).
"""

import minigrad
import minigrad.functions as F
from minigrad import links as L
from minigrad_rnn.links._state import _serialize_states, _split_states


class StatefulGRU(minigrad.Chain):
    """Gated recurrent unit layer holding its state ``h`` between calls.

    Args:
        in_size (int or None): input size I; None defers the creation of the W weights to the
            first call.
        out_size (int): the number of units N.
        init: initializer of the input weights ``W_r.W``, ``W_z.W``, ``W.W`` (default
            LeCunNormal).
        inner_init: initializer of the recurrent weights ``U_r.W``, ``U_z.W``, ``U.W`` (default
            LeCunNormal).
        bias_init: initializer of all six biases (default 0).

    Attributes:
        h (~minigrad.Variable or None): the state, shape (B, N); None before the first call.

    Example:
        >>> import numpy
        >>> from minigrad_rnn import StatefulGRU
        >>> rnn = StatefulGRU(3, 4)
        >>> rnn(numpy.ones((2, 3), dtype=numpy.float32)).shape
        (2, 4)
        >>> [name for name, _ in rnn.namedparams()][:4]
        ['/W_r/W', '/W_r/b', '/U_r/W', '/U_r/b']
    """

    def __init__(self, in_size, out_size, init=None, inner_init=None, bias_init=None):
        super().__init__()
        self.state_size = out_size
        with self.init_scope():
            self.W_r = L.Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U_r = L.Linear(out_size, out_size, initialW=inner_init, initial_bias=bias_init)
            self.W_z = L.Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U_z = L.Linear(out_size, out_size, initialW=inner_init, initial_bias=bias_init)
            self.W = L.Linear(in_size, out_size, initialW=init, initial_bias=bias_init)
            self.U = L.Linear(out_size, out_size, initialW=inner_init, initial_bias=bias_init)
        self.reset_state()

    @property
    def printable_specs(self):
        yield 'in_size', self.W.in_size
        yield 'out_size', self.state_size

    def reset_state(self):
        """Forget the state: the next call starts afresh."""
        self.h = None

    def set_state(self, h):
        """Set the state (a Variable or an array of shape (B, N))."""
        if len(h.shape) != 2 or h.shape[1] != self.state_size:
            raise ValueError('StatefulGRU.set_state: h must have shape (B, %d), got %s'
                             % (self.state_size, h.shape))
        self.h = minigrad.as_variable(h)

    def serialize_state(self, serializer):
        """Save or load the state ``h`` (snapshots use it to resume mid-sequence).

        ``serialize`` itself holds only parameters, as in Chainer.
        """
        _serialize_states(self, serializer, ('h',))

    def forward(self, x):
        """One step: x (B, I) -> h (B, N); B may shrink but not grow between calls."""
        z = self.W_z(x)
        h_bar = self.W(x)
        if self.h is None:
            if self.W_r.W.array is None:            # lazy in_size: W_r is first used later
                self.W_r.W.initialize((self.state_size, x.shape[1]),
                                      xp=minigrad.get_array_module(x))
            y = F.sigmoid(z) * F.tanh(h_bar)
            self.h = y
            return y
        (h,), tail = _split_states(self, x.shape[0], (self.h,))
        r = F.sigmoid(self.W_r(x) + self.U_r(h))
        z = F.sigmoid(z + self.U_z(h))
        h_bar = F.tanh(h_bar + self.U(r * h))
        y = h + z * (h_bar - h)                     # (1 - z) * h + z * h_bar, one op fewer
        self.h = y if tail is None else F.concat([y, tail[0]], axis=0)
        return y
