"""NStepLSTM and NStepBiLSTM links: stacked LSTMs over a list of variable-length sequences.

Shape letters: B sequences, L layers, D directions (1 or 2), I input size, N units, len_i the
length of sequence i.

``forward(hx, cx, xs)`` takes the sequences in any order as a list of (len_i, I) arrays; sorting
by length, the time-major transposition that :func:`minigrad_rnn.functions.n_step_lstm` needs,
and undoing both happen inside, so ``ys[i]`` belongs to ``xs[i]``. As in Chainer, the weights
are exposed as ``ws`` and ``bs``: per layer and direction 8 matrices ``w0..w7`` and 8 biases
``b0..b7`` in cuDNN's gate order (i, f, a, o on the input, then the same on h).
"""

from minigrad_rnn.functions import n_step_bilstm, n_step_lstm
from minigrad_rnn.links.n_step_rnn import NStepRNNBase


class _NStepLSTMBase(NStepRNNBase):

    n_weights = 8
    _state_names = ('hx', 'cx')
    _function = None

    def rnn(self, n_layers, dropout, hx, cx, ws, bs, xs):
        return self._function(n_layers, dropout, hx, cx, ws, bs, xs)

    def forward(self, hx, cx, xs):
        """Run over the sequences ``xs`` (a list of (len_i, I) arrays, in any order).

        Args:
            hx, cx: initial states (L * D, B, N) in the order of ``xs``, or None for zeros.
            xs: list of B Variables or arrays of shape (len_i, I), len_i >= 1.

        Returns:
            tuple ``(hy, cy, ys)``: final states (L * D, B, N) and the list of outputs,
            ``ys[i]`` of shape (len_i, D * N), both in the order of ``xs``.
        """
        return self._run_sorted([hx, cx], xs)


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

    _function = staticmethod(n_step_lstm)
    _name = 'NStepLSTM'


class NStepBiLSTM(_NStepLSTMBase):
    """Stacked bidirectional LSTM, Chainer's ``L.NStepBiLSTM``; ``ys[i]`` is (len_i, 2N).

    ``ws[2 * layer]`` runs forwards in time and ``ws[2 * layer + 1]`` backwards; ``hx``, ``cx``,
    ``hy``, ``cy`` have shape (2L, B, N).
    """

    use_bi_direction = True
    _function = staticmethod(n_step_bilstm)
    _name = 'NStepBiLSTM'
