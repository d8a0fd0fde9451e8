"""StatefulPeepholeLSTM: the LSTM layer whose gates also look at the cell (Chainer's link).

Shape letters: B batch, I input size, N units.

Children ``upward`` (Linear I -> 4N, with bias) and ``lateral`` (Linear N -> 4N, no bias) make
the gate pre-activations as in :class:`minigrad_rnn.LSTM`; ``peep_i``, ``peep_f`` and ``peep_o``
(Linear N -> N, no bias each) are the peepholes from the cell into the input, forget and output
gates (Gers, Schraudolph and Schmidhuber 2002)::

    a, i, f, o = gates of upward(x_t) + lateral(h_t-1)
    i   = sigmoid(i + peep_i(c_t-1))
    f   = sigmoid(f + peep_f(c_t-1))
    c_t = tanh(a) * i + f * c_t-1
    o   = sigmoid(o + peep_o(c_t))                   # the output gate sees the new cell
    h_t = o * tanh(c_t)

The 4N columns of ``upward(x) + lateral(h)`` are interleaved per unit, as Chainer lays them
out, and a reshape to (B, N, 4) takes the gates apart::

    column   0   1   2   3 | 4   5   6   7 | ... | 4N-4 4N-3 4N-2 4N-1
    gate     a   i   f   o | a   i   f   o | ... |  a    i    f    o
             unit 0        | unit 1        |     | unit N-1

    reshape (B, N, 4):  [:, :, 0] = a   [:, :, 1] = i   [:, :, 2] = f   [:, :, 3] = o

and the peepholes (each Linear N -> N) add the cell to three of them::

    c_t-1 --peep_i--> i     c_t-1 --peep_f--> f     c_t --peep_o--> o  (o comes after c_t)

The state starts at zero; at the first step the peepholes into i and f and the ``f * c`` term
are therefore zero and are skipped. When a batch is smaller than the state (sequences that
ended), the first rows are updated and the tails of ``c`` and ``h`` carry on unchanged
(Chainer's rule).
"""

import minigrad
import minigrad.functions as F
from minigrad import links as L
from minigrad_rnn.links._state import _serialize_states, _split_states


class StatefulPeepholeLSTM(minigrad.Chain):
    """Fully-connected LSTM layer with peephole connections, holding its state ``c`` and ``h``.

    Args:
        in_size (int or None): input size I; None defers the creation of ``upward.W`` to the
            first call.
        out_size (int): the number of units N.

    All weights start from LeCunNormal and the bias of ``upward`` from 0, as in Chainer.

    Attributes:
        c, h (~minigrad.Variable or None): the cell and the output, shape (B, N); None before
            the first call.

    Example:
        >>> import numpy
        >>> from minigrad_rnn import StatefulPeepholeLSTM
        >>> rnn = StatefulPeepholeLSTM(3, 5)
        >>> h = rnn(numpy.ones((2, 3), dtype=numpy.float32))
        >>> h.shape, rnn.c.shape, rnn.peep_o.W.shape
        ((2, 5), (2, 5), (5, 5))
    """

    def __init__(self, in_size, out_size):
        super().__init__()
        self.state_size = out_size
        with self.init_scope():
            self.upward = L.Linear(in_size, 4 * out_size)
            self.lateral = L.Linear(out_size, 4 * out_size, nobias=True)
            self.peep_i = L.Linear(out_size, out_size, nobias=True)
            self.peep_f = L.Linear(out_size, out_size, nobias=True)
            self.peep_o = L.Linear(out_size, out_size, nobias=True)
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
            raise ValueError('StatefulPeepholeLSTM.set_state: c and h must both have shape '
                             '(B, %d), got %s and %s' % (self.state_size, c.shape, h.shape))
        self.c = minigrad.as_variable(c)
        self.h = minigrad.as_variable(h)

    def serialize_state(self, serializer):
        """Save or load the state ``c`` and ``h`` (snapshots use it to resume mid-sequence).

        ``serialize`` itself holds only parameters, as in Chainer.
        """
        _serialize_states(self, serializer, ('c', 'h'))

    def forward(self, x):
        """One step: x (B, I) -> h (B, N); B may shrink but not grow between calls."""
        B, N = x.shape[0], self.state_size
        lstm_in = self.upward(x)
        tails = None
        c = None
        if self.h is not None:
            (c, h), tails = _split_states(self, B, (self.c, self.h))
            lstm_in = lstm_in + self.lateral(h)
        a, i, f, o = F.separate(F.reshape(lstm_in, (B, N, 4)), axis=2)    # per unit a, i, f, o
        a = F.tanh(a)
        if c is None:
            c = a * F.sigmoid(i)            # c_t-1 = 0: no peepholes into i, f; no f * c_t-1
        else:
            i = F.sigmoid(i + self.peep_i(c))
            f = F.sigmoid(f + self.peep_f(c))
            c = a * i + f * c
        o = F.sigmoid(o + self.peep_o(c))
        y = o * F.tanh(c)
        if tails is None:
            self.c, self.h = c, y
        else:
            self.c = F.concat([c, tails[0]], axis=0)
            self.h = F.concat([y, tails[1]], axis=0)
        return y
