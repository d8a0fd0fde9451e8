"""SimpleRNN: the Elman recurrent layer with state, and the IRNN of Le et al. 2015.

Shape letters: B batch, I input size, N units.

Children ``upward`` (Linear I -> N, with bias) and ``lateral`` (Linear N -> N, no bias)::

    h_t = act(upward(x_t) + lateral(h_t-1))          # (B, N); act is tanh or relu
    h_1 = act(upward(x_1))                           # first step: h_0 is zero

With ``activation='relu'`` and no ``lateral_init`` the link is the IRNN of Le, Jaitly and Hinton
2015 ("A simple way to initialize recurrent networks of rectified linear units"): the recurrent
matrix starts as the identity, so that at first the state is copied from step to step and
gradients neither vanish nor explode, and ``upward.W`` starts small, Normal(std 0.001).

When a batch is smaller than the state (sequences that ended), the first rows are updated and
the tail of ``h`` carries on unchanged (Chainer's rule, as in :class:`minigrad_rnn.LSTM`).

The two helpers at the bottom implement that rule for all the stateful links of this package.
"""

import minigrad
import minigrad.functions as F
from minigrad import initializers
from minigrad import links as L
from minigrad_rnn.links._state import _serialize_states, _split_states

_ACTIVATIONS = {'tanh': F.tanh, 'relu': F.relu}


class SimpleRNN(minigrad.Chain):
    """Elman recurrent layer ``h_t = act(upward(x_t) + lateral(h_t-1))`` holding its state ``h``.

    Args:
        in_size (int or None): input size I; None defers the creation of ``upward.W`` to the
            first call.
        out_size (int): the number of units N.
        activation (str): ``'tanh'`` (default) or ``'relu'``.
        initialW: initializer of ``upward.W`` (default LeCunNormal; Normal(0.001) for the IRNN).
        initial_bias: initializer of ``upward.b`` (default 0).
        lateral_init: initializer of ``lateral.W`` (default LeCunNormal for tanh; the identity
            for relu, which makes the IRNN).

    Attributes:
        h (~minigrad.Variable or None): the state, shape (B, N); None before the first call.

    Example:
        >>> import numpy
        >>> from minigrad_rnn import SimpleRNN
        >>> rnn = SimpleRNN(3, 4, activation='relu')
        >>> rnn.lateral.W.array[0]
        array([1., 0., 0., 0.], dtype=float32)
        >>> rnn(numpy.ones((2, 3), dtype=numpy.float32)).shape
        (2, 4)
    """

    def __init__(self, in_size, out_size, activation='tanh', initialW=None, initial_bias=None,
                 lateral_init=None):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError('SimpleRNN: activation must be one of %s, got %r'
                             % (', '.join(repr(k) for k in _ACTIVATIONS), activation))
        if activation == 'relu' and lateral_init is None:      # the IRNN
            lateral_init = initializers.Identity()
            if initialW is None:
                initialW = initializers.Normal(0.001)
        self.state_size = out_size
        self.activation = activation
        self._act = _ACTIVATIONS[activation]
        with self.init_scope():
            self.upward = L.Linear(in_size, out_size, initialW=initialW,
                                   initial_bias=initial_bias)
            self.lateral = L.Linear(out_size, out_size, nobias=True, initialW=lateral_init)
        self.reset_state()

    @property
    def printable_specs(self):
        yield 'in_size', self.upward.in_size
        yield 'out_size', self.state_size
        yield 'activation', self.activation

    def reset_state(self):
        """Forget the state: the next call starts from zeros."""
        self.h = None

    def set_state(self, h):
        """Set the state (a Variable or an array of shape (B, N))."""
        if len(h.shape) != 2 or h.shape[1] != self.state_size:
            raise ValueError('SimpleRNN.set_state: h must have shape (B, %d), got %s'
                             % (self.state_size, h.shape))
        self.h = minigrad.as_variable(h)

    def serialize_state(self, serializer):
        """Save or load the state ``h`` (snapshots use it to resume mid-sequence).

        ``serialize`` itself holds only parameters, as in Chainer.
        """
        _serialize_states(self, serializer, ('h',))

    def forward(self, x):
        """One step: x (B, I) -> h (B, N); B may shrink but not grow between calls."""
        pre = self.upward(x)
        tail = None
        if self.h is not None:
            (h,), tail = _split_states(self, x.shape[0], (self.h,))
            pre = pre + self.lateral(h)
        y = self._act(pre)
        self.h = y if tail is None else F.concat([y, tail[0]], axis=0)
        return y


