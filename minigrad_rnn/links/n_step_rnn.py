"""NStep plain-RNN links (NStepRNNTanh, NStepRNNReLU, NStepBiRNNTanh, NStepBiRNNReLU) and base.

Stacked plain RNNs over a list of variable-length sequences; ``NStepRNNBase`` is shared with the
NStep GRU and LSTM links (:mod:`minigrad_rnn.links.n_step_gru`, ``n_step_lstm``).

Shape letters: B sequences, L layers, D directions (1 or 2), I input size, N units, len_i the
length of sequence i.

``forward(hx, xs)`` takes the sequences in any order as a list of (len_i, I) arrays; sorting by
length, the time-major transposition that :func:`minigrad_rnn.functions.n_step_rnn` needs, and
undoing both happen inside, so ``ys[i]`` belongs to ``xs[i]`` (as in
:class:`minigrad_rnn.NStepLSTM`). As in Chainer, the weights are exposed as ``ws`` and ``bs``:
per layer and direction 2 matrices ``w0`` (on the input) and ``w1`` (on the state) and 2 biases
``b0``, ``b1``, so that ``h_t = act(w0 x_t + b0 + w1 h_t-1 + b1)``.
"""

import numbers

import numpy

import minigrad
import minigrad.functions as F
from minigrad import initializers
from minigrad_rnn.functions import n_step_birnn, n_step_rnn


class _NStepCell(minigrad.Link):
    """The parameters of one layer and direction: ``w0..w{n-1}`` and ``b0..b{n-1}``.

    The first half of the matrices take the layer input (N, in_size), the second half the state
    (N, N).
    """

    def __init__(self, n_weights, in_size, out_size, initialW, initial_bias):
        super().__init__()
        with self.init_scope():
            for j in range(n_weights):
                shape = (out_size, in_size if j < n_weights // 2 else out_size)
                setattr(self, 'w%d' % j, minigrad.Parameter(
                    initializers.get_initializer(initialW), shape))
                setattr(self, 'b%d' % j, minigrad.Parameter(
                    initializers.get_initializer(initial_bias), (out_size,)))


class NStepRNNBase(minigrad.ChainList):
    """Base of the NStep links (RNN, GRU, LSTM): parameters, sorting of the sequences, checks.

    A subclass sets ``n_weights`` (matrices per layer and direction), ``use_bi_direction``,
    ``_name`` and, if it has more states than ``hx``, ``_state_names``; it implements
    ``rnn(n_layers, dropout, *states, ws, bs, xs)``, the NStep function it runs on the sorted,
    time-major sequences, which returns the final states and then ``ys``.
    """

    n_weights = None
    use_bi_direction = False
    _name = ''
    _state_names = ('hx',)

    def __init__(self, n_layers, in_size, out_size, dropout, initialW=None, initial_bias=None):
        if (isinstance(n_layers, bool) or not isinstance(n_layers, numbers.Integral)
                or n_layers < 1):
            raise ValueError('%s: n_layers must be a positive int, got %r'
                             % (self._name, n_layers))
        if not 0 <= dropout < 1:
            raise ValueError('%s: dropout must be in [0, 1), got %r' % (self._name, dropout))
        for name, size in (('in_size', in_size), ('out_size', out_size)):
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                raise TypeError('%s: %s must be a positive int (the weights are made at once; '
                                'there is no lazy size as in LSTM), got %r'
                                % (self._name, name, size))
        if initial_bias is None:
            initial_bias = 0
        n_dir = 2 if self.use_bi_direction else 1
        cells = []
        for layer in range(n_layers):
            for _ in range(n_dir):
                layer_in = in_size if layer == 0 else out_size * n_dir
                cells.append(_NStepCell(self.n_weights, layer_in, out_size, initialW,
                                        initial_bias))
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
        """Per layer and direction, the list ``[w0, w1, ...]`` of weight Parameters."""
        return [[getattr(cell, 'w%d' % j) for j in range(self.n_weights)] for cell in self]

    @property
    def bs(self):
        """Per layer and direction, the list ``[b0, b1, ...]`` of bias Parameters."""
        return [[getattr(cell, 'b%d' % j) for j in range(self.n_weights)] for cell in self]

    def rnn(self, n_layers, dropout, *args):
        raise NotImplementedError

    def forward(self, hx, xs):
        """Run over the sequences ``xs`` (a list of (len_i, I) arrays, in any order).

        Args:
            hx: the initial state (L * D, B, N) in the order of ``xs``, or None for zeros.
            xs: list of B Variables or arrays of shape (len_i, I), len_i >= 1.

        Returns:
            tuple ``(hy, ys)``: the final state (L * D, B, N) and the list of outputs,
            ``ys[i]`` of shape (len_i, D * N), both in the order of ``xs``.
        """
        return self._run_sorted([hx], xs)

    def _run_sorted(self, states, xs):
        # check, sort by length, run ``rnn`` time-major, and give everything back in xs' order
        if len(xs) == 0:
            raise ValueError('%s: xs is empty; give at least one sequence' % self._name)
        dtype = self.ws[0][0].dtype
        for i, x in enumerate(xs):
            if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != self.in_size:
                raise minigrad.InvalidType(
                    self._name, 'xs[%d] must have shape (len, %d) with len >= 1 (in_size %d)'
                    % (i, self.in_size, self.in_size), x=x)
            if x.dtype != dtype:        # checked here, where xs[i] is still the user's
                raise minigrad.InvalidType(
                    self._name, "xs[%d] must have the weights' dtype %s; cast it with "
                    'xs[%d].astype(numpy.%s)' % (i, dtype, i, dtype), x=x)
        n_dir = 2 if self.use_bi_direction else 1
        shape = (self.n_layers * n_dir, len(xs), self.out_size)
        for name, state in zip(self._state_names, states):
            if state is not None and tuple(state.shape) != shape:
                raise minigrad.InvalidType(
                    self._name, '%s must have shape (n_layers * directions, len(xs), out_size) '
                    '= %s' % (name, shape), **{name: state})
        lengths = [x.shape[0] for x in xs]
        # longest first, ties in their original order, as transpose_sequence needs
        order = sorted(range(len(xs)), key=lambda i: -lengths[i])
        inverse = numpy.argsort(order)
        sorted_order = order != list(range(len(xs)))
        if sorted_order:
            xs = [xs[i] for i in order]
            states = [None if s is None else F.get_item(s, (slice(None), order))
                      for s in states]
        time_major = F.transpose_sequence(xs)
        *finals, ys = self.rnn(self.n_layers, self.dropout, *states, self.ws, self.bs,
                               list(time_major))
        ys = F.transpose_sequence(ys)
        if sorted_order:
            ys = [ys[i] for i in inverse]
            finals = [F.get_item(s, (slice(None), inverse)) for s in finals]
        return (*finals, list(ys))


class _NStepRNN(NStepRNNBase):

    n_weights = 2
    activation = 'tanh'

    def rnn(self, n_layers, dropout, hx, ws, bs, xs):
        function = n_step_birnn if self.use_bi_direction else n_step_rnn
        return function(n_layers, dropout, hx, ws, bs, xs, activation=self.activation)


class NStepRNNTanh(_NStepRNN):
    """Stacked tanh RNN over variable-length sequences, Chainer's ``L.NStepRNNTanh``.

    Per layer ``h_t = tanh(w0 x_t + b0 + w1 h_t-1 + b1)``, one direction.

    Args:
        n_layers (int): the number of layers L.
        in_size (int): the input size I.
        out_size (int): the number of units N.
        dropout (float): dropout ratio on the inputs of layers after the first.
        initialW: initializer of the weights (default LeCunNormal).
        initial_bias: initializer of the biases (default 0).

    Example:
        >>> import numpy
        >>> from minigrad_rnn import NStepRNNTanh
        >>> rnn = NStepRNNTanh(2, 3, 4, 0.0)
        >>> xs = [numpy.ones((2, 3), numpy.float32), numpy.ones((5, 3), numpy.float32)]
        >>> hy, ys = rnn(None, xs)
        >>> hy.shape, [y.shape for y in ys], rnn.ws[0][0].shape, rnn.ws[1][0].shape
        ((2, 2, 4), [(2, 4), (5, 4)], (4, 3), (4, 4))
    """

    activation = 'tanh'
    _name = 'NStepRNNTanh'


class NStepRNNReLU(_NStepRNN):
    """Stacked ReLU RNN, Chainer's ``L.NStepRNNReLU``; arguments as :class:`NStepRNNTanh`.

    Per layer ``h_t = relu(w0 x_t + b0 + w1 h_t-1 + b1)``, one direction.
    """

    activation = 'relu'
    _name = 'NStepRNNReLU'


class NStepBiRNNTanh(_NStepRNN):
    """Stacked bidirectional tanh RNN, Chainer's ``L.NStepBiRNNTanh``; ``ys[i]`` is (len_i, 2N).

    ``ws[2 * layer]`` runs forwards in time and ``ws[2 * layer + 1]`` backwards; ``hx`` and
    ``hy`` have shape (2L, B, N), and ``w0`` of layers after the first is (N, 2N).
    """

    activation = 'tanh'
    use_bi_direction = True
    _name = 'NStepBiRNNTanh'


class NStepBiRNNReLU(_NStepRNN):
    """Stacked bidirectional ReLU RNN, Chainer's ``L.NStepBiRNNReLU``; ``ys[i]`` is (len_i, 2N).

    As :class:`NStepBiRNNTanh` with relu.
    """

    activation = 'relu'
    use_bi_direction = True
    _name = 'NStepBiRNNReLU'
