"""SCRN: the structurally constrained recurrent network of Mikolov et al. 2014.

"Learning longer memory in recurrent neural networks" adds to a simple recurrent layer a slow
*context* layer with a fixed, near-one self-connection, which keeps information for many steps.

Shape letters: B batch, I input size, H hidden size, S context size. (The batch letter B is not
the child link ``self.B``, the paper's input-to-context matrix.)

Children: ``B`` (Linear I -> S, no bias), ``A`` (Linear I -> H, with bias), ``P`` (Linear
S -> H, no bias) and ``R`` (Linear H -> H, no bias)::

    s_t = (1 - alpha) * B(x_t) + alpha * s_t-1        # context, (B, S); s_0 = 0
    h_t = sigmoid(P(s_t) + A(x_t) + R(h_t-1))          # hidden,  (B, H); h_0 = 0
    returns concat(h_t, s_t)                           # (B, H + S)

so that a following ``Linear(H + S, V)`` realises the paper's output ``U h_t + V s_t`` (with
its bias). The paper writes no biases; ``A`` carries the one bias of the hidden layer. A bias
in ``B`` would settle into ``s`` as a constant, which ``P`` turns into a constant on the hidden
pre-activation: what ``A``'s bias already gives, so ``B``, ``P`` and ``R`` have none.

``alpha`` is a fixed float by default (the paper uses 0.95). With ``learn_alpha=True`` each
context unit learns its own rate, kept inside (0, 1) as ``alpha = sigmoid(alpha_logit)`` with
the free parameter ``alpha_logit`` (S,) starting at ``logit(alpha)``.

When a batch is smaller than the state (sequences that ended), the first rows are updated and
the tails of ``h`` and ``s`` carry on unchanged (Chainer's rule).
"""

import math
import numbers

import minigrad
import minigrad.functions as F
from minigrad import links as L
from minigrad_rnn.links._state import _serialize_states, _split_states


class SCRN(minigrad.Chain):
    """Structurally constrained recurrent layer holding its state ``h`` and ``s``.

    Args:
        in_size (int or None): input size I; None defers the creation of ``B.W`` and ``A.W``
            to the first call.
        hidden_size (int): H, the units of the fast sigmoid layer.
        context_size (int): S, the units of the slow linear context layer.
        alpha (float): the context's self-connection, strictly between 0 and 1 (near 1: slow).
        learn_alpha (bool): learn one alpha per context unit (as ``sigmoid(alpha_logit)``).

    Attributes:
        h, s (~minigrad.Variable or None): the hidden and the context state, shapes (B, H) and
            (B, S); None before the first call.
        alpha: the float given, or with ``learn_alpha`` the current per-unit values (an array
            of shape (S,), read from ``alpha_logit``).
        alpha_logit (~minigrad.Parameter): with ``learn_alpha`` only, shape (S,).

    Example:
        >>> import numpy
        >>> from minigrad_rnn import SCRN
        >>> rnn = SCRN(3, hidden_size=4, context_size=2)
        >>> y = rnn(numpy.ones((5, 3), dtype=numpy.float32))
        >>> y.shape, rnn.h.shape, rnn.s.shape
        ((5, 6), (5, 4), (5, 2))
    """

    def __init__(self, in_size, hidden_size=100, context_size=40, alpha=0.95, learn_alpha=False):
        super().__init__()
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise TypeError('SCRN: alpha must be a float, got %s' % type(alpha).__name__)
        if not 0 < alpha < 1:
            raise ValueError('SCRN: alpha must lie strictly between 0 and 1, got %r' % alpha)
        self.hidden_size = hidden_size
        self.context_size = context_size
        self.learn_alpha = bool(learn_alpha)
        with self.init_scope():
            self.B = L.Linear(in_size, context_size, nobias=True)
            self.A = L.Linear(in_size, hidden_size)
            self.P = L.Linear(context_size, hidden_size, nobias=True)
            self.R = L.Linear(hidden_size, hidden_size, nobias=True)
            if self.learn_alpha:
                self.alpha_logit = minigrad.Parameter(math.log(alpha / (1 - alpha)),
                                                      (context_size,))
        if not self.learn_alpha:
            self._alpha = float(alpha)
        self.reset_state()

    @property
    def alpha(self):
        """The context's self-connection: a float, or an array (S,) when learned."""
        if not self.learn_alpha:
            return self._alpha
        z = self.alpha_logit.array
        xp = minigrad.get_array_module(z)
        return 1 / (1 + xp.exp(-z))

    @property
    def printable_specs(self):
        yield 'in_size', self.A.in_size
        yield 'hidden_size', self.hidden_size
        yield 'context_size', self.context_size
        if not self.learn_alpha:
            yield 'alpha', self._alpha
        yield 'learn_alpha', self.learn_alpha

    def reset_state(self):
        """Forget the state: the next call starts from zeros."""
        self.h = None
        self.s = None

    def set_state(self, h, s):
        """Set the state (Variables or arrays of shapes (B, H) and (B, S))."""
        if (len(h.shape) != 2 or len(s.shape) != 2 or h.shape[0] != s.shape[0]
                or h.shape[1] != self.hidden_size or s.shape[1] != self.context_size):
            raise ValueError('SCRN.set_state: h and s must have shapes (B, %d) and (B, %d), got '
                             '%s and %s' % (self.hidden_size, self.context_size, h.shape,
                                            s.shape))
        self.h = minigrad.as_variable(h)
        self.s = minigrad.as_variable(s)

    def serialize_state(self, serializer):
        """Save or load the state ``h`` and ``s`` (snapshots use it to resume mid-sequence).

        ``serialize`` itself holds only parameters (``alpha_logit`` among them), as in Chainer.
        """
        _serialize_states(self, serializer, ('h', 's'))

    def forward(self, x):
        """One step: x (B, I) -> concat(h, s) (B, H + S); B may shrink but not grow."""
        alpha = F.sigmoid(self.alpha_logit) if self.learn_alpha else self._alpha
        bx = self.B(x)
        pre = self.A(x)
        tails = None
        if self.h is None:
            s = (1 - alpha) * bx
        else:
            (h, s), tails = _split_states(self, x.shape[0], (self.h, self.s))
            s = bx + alpha * (s - bx)               # (1 - alpha) * bx + alpha * s, one op fewer
            pre = pre + self.R(h)
        h = F.sigmoid(pre + self.P(s))
        if tails is None:
            self.h, self.s = h, s
        else:
            self.h = F.concat([h, tails[0]], axis=0)
            self.s = F.concat([s, tails[1]], axis=0)
        return F.concat([h, s], axis=1)
