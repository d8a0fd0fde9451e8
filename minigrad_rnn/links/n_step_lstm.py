"""NStepLSTM and NStepBiLSTM links: stacked LSTMs over a list of variable-length sequences.

Shape letters: B sequences, L layers, D directions (1 or 2), I input size, N units, len_i the
length of sequence i.

``forward(hx, cx, xs)`` takes the sequences in any order as a list of (len_i, I) arrays; sorting
by length, the time-major transposition that :func:`minigrad_rnn.functions.n_step_lstm` needs,
and undoing both happen inside, so ``ys[i]`` belongs to ``xs[i]``. As in Chainer, the weights
are exposed as ``ws`` and ``bs``: per layer and direction 8 matrices ``w0..w7`` and 8 biases
``b0..b7`` in cuDNN's gate order (i, f, a, o on the input, then the same on h).
"""

import numpy

import minigrad
import minigrad.functions as F
from minigrad import initializers
from minigrad_rnn.functions import n_step_bilstm, n_step_lstm


class _NStepLSTMCell(minigrad.Link):
    """The 16 parameters of one layer and direction (``w0..w7``, ``b0..b7``)."""

    def __init__(self, in_size, out_size, initialW, initial_bias):
        super().__init__()
        with self.init_scope():
            for j in range(8):
                shape = (out_size, in_size if j < 4 else out_size)
                setattr(self, 'w%d' % j, minigrad.Parameter(
                    initializers.get_initializer(initialW), shape))
                setattr(self, 'b%d' % j, minigrad.Parameter(
                    initializers.get_initializer(initial_bias), (out_size,)))


class _NStepLSTMBase(minigrad.ChainList):

    _n_dir = 1
    _function = None
    _name = ''

    def __init__(self, n_layers, in_size, out_size, dropout, initialW=None, initial_bias=None):
        if n_layers < 1:
            raise ValueError('%s: n_layers must be at least 1, got %r' % (self._name, n_layers))
        if not 0 <= dropout < 1:
            raise ValueError('%s: dropout must be in [0, 1), got %r' % (self._name, dropout))
        if initial_bias is None:
            initial_bias = 0
        cells = []
        for layer in range(n_layers):
            for _ in range(self._n_dir):
                layer_in = in_size if layer == 0 else out_size * self._n_dir
                cells.append(_NStepLSTMCell(layer_in, out_size, initialW, initial_bias))
        super().__init__(*cells)
        self.n_layers = n_layers
        self.in_size = in_size
        self.out_size = out_size
        self.dropout = dropout

    @property
    def printable_specs(self):
        yield 'n_layers', self.n_layers
        yield 'in_size', self.in_size
        yield 'out_size', self.out_size
        yield 'dropout', self.dropout

    @property
    def ws(self):
        """Per layer and direction, the list ``[w0, ..., w7]`` of weight Parameters."""
        return [[getattr(cell, 'w%d' % j) for j in range(8)] for cell in self]

    @property
    def bs(self):
        """Per layer and direction, the list ``[b0, ..., b7]`` of bias Parameters."""
        return [[getattr(cell, 'b%d' % j) for j in range(8)] for cell in self]

    def forward(self, hx, cx, xs):
        """Run over the sequences ``xs`` (a list of (len_i, I) arrays, in any order).

        Args:
            hx, cx: initial states (L * D, B, N) in the order of ``xs``, or None for zeros.
            xs: list of B Variables or arrays of shape (len_i, I), len_i >= 1.

        Returns:
            tuple ``(hy, cy, ys)``: final states (L * D, B, N) and the list of outputs,
            ``ys[i]`` of shape (len_i, D * N), both in the order of ``xs``.
        """
        if len(xs) == 0:
            raise ValueError('%s: xs is empty; give at least one sequence' % self._name)
        for i, x in enumerate(xs):
            if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != self.in_size:
                raise minigrad.InvalidType(
                    self._name, 'xs[%d] must have shape (len, %d) with len >= 1 (in_size %d)'
                    % (i, self.in_size, self.in_size), x=x)
        lengths = [x.shape[0] for x in xs]
        # longest first, ties in their original order, as transpose_sequence needs
        order = sorted(range(len(xs)), key=lambda i: -lengths[i])
        inverse = numpy.argsort(order)
        sorted_order = order != list(range(len(xs)))
        if sorted_order:
            xs = [xs[i] for i in order]
            hx = None if hx is None else F.get_item(hx, (slice(None), order))
            cx = None if cx is None else F.get_item(cx, (slice(None), order))
        time_major = F.transpose_sequence(xs)
        hy, cy, ys = self._function(self.n_layers, self.dropout, hx, cx, self.ws, self.bs,
                                    list(time_major))
        ys = F.transpose_sequence(ys)
        if sorted_order:
            ys = [ys[i] for i in inverse]
            hy = F.get_item(hy, (slice(None), inverse))
            cy = F.get_item(cy, (slice(None), inverse))
        return hy, cy, list(ys)


class NStepLSTM(_NStepLSTMBase):
    """Stacked unidirectional LSTM over variable-length sequences, Chainer's ``L.NStepLSTM``.

    Args:
        n_layers (int): the number of layers L.
        in_size (int): the input size I.
        out_size (int): the number of units N.
        dropout (float): dropout ratio on the inputs of layers after the first.
        initialW: initializer of the weights (default LeCunNormal).
        initial_bias: initializer of the biases (default 0).

    Example:
        >>> import numpy
        >>> from minigrad_rnn import NStepLSTM
        >>> rnn = NStepLSTM(2, 3, 4, 0.0)
        >>> xs = [numpy.ones((5, 3), numpy.float32), numpy.ones((2, 3), numpy.float32)]
        >>> hy, cy, ys = rnn(None, None, xs)
        >>> hy.shape, [y.shape for y in ys]
        ((2, 2, 4), [(5, 4), (2, 4)])
    """

    _n_dir = 1
    _function = staticmethod(n_step_lstm)
    _name = 'NStepLSTM'


class NStepBiLSTM(_NStepLSTMBase):
    """Stacked bidirectional LSTM, Chainer's ``L.NStepBiLSTM``; ``ys[i]`` is (len_i, 2N).

    ``ws[2 * layer]`` runs forwards in time and ``ws[2 * layer + 1]`` backwards; ``hx``, ``cx``,
    ``hy``, ``cy`` have shape (2L, B, N).
    """

    _n_dir = 2
    _function = staticmethod(n_step_bilstm)
    _name = 'NStepBiLSTM'
