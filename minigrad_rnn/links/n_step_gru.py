"""NStepGRU and NStepBiGRU links: stacked GRUs over a list of variable-length sequences.

Shape letters: B sequences, L layers, D directions (1 or 2), I input size, N units, len_i the
length of sequence i.

``forward(hx, xs)`` takes the sequences in any order, as :class:`minigrad_rnn.NStepRNNTanh`
does (same base). As in Chainer, the weights are exposed as ``ws`` and ``bs``: per layer and
direction 6 matrices ``w0..w5`` and 6 biases ``b0..b5`` in cuDNN's order (r, z, h~ on the input,
then the same on h); :func:`minigrad_rnn.functions.n_step_gru` gives the equations.
"""

from minigrad_rnn.functions import n_step_bigru, n_step_gru
from minigrad_rnn.links.n_step_rnn import NStepRNNBase


class NStepGRU(NStepRNNBase):
    """Stacked unidirectional GRU over variable-length sequences, Chainer's ``L.NStepGRU``.

    Args:
        n_layers (int): the number of layers L.
        in_size (int): the input size I.
        out_size (int): the number of units N.
        dropout (float): dropout ratio on the inputs of layers after the first.
        initialW: initializer of the weights (default LeCunNormal).
        initial_bias: initializer of the biases (default 0).

    Example:
        >>> import numpy
        >>> from minigrad_rnn import NStepGRU
        >>> rnn = NStepGRU(1, 3, 4, 0.0)
        >>> xs = [numpy.ones((2, 3), numpy.float32), numpy.ones((5, 3), numpy.float32)]
        >>> hy, ys = rnn(None, xs)
        >>> hy.shape, [y.shape for y in ys], [w.shape for w in rnn.ws[0]][2:4]
        ((1, 2, 4), [(2, 4), (5, 4)], [(4, 3), (4, 4)])
    """

    n_weights = 6
    _name = 'NStepGRU'

    def rnn(self, n_layers, dropout, hx, ws, bs, xs):
        return n_step_gru(n_layers, dropout, hx, ws, bs, xs)


class NStepBiGRU(NStepRNNBase):
    """Stacked bidirectional GRU, Chainer's ``L.NStepBiGRU``; ``ys[i]`` is (len_i, 2N).

    ``ws[2 * layer]`` runs forwards in time and ``ws[2 * layer + 1]`` backwards; ``hx`` and
    ``hy`` have shape (2L, B, N), and ``w0..w2`` of layers after the first are (N, 2N).
    """

    n_weights = 6
    use_bi_direction = True
    _name = 'NStepBiGRU'

    def rnn(self, n_layers, dropout, hx, ws, bs, xs):
        return n_step_bigru(n_layers, dropout, hx, ws, bs, xs)
