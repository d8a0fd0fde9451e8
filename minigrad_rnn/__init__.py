"""minigrad_rnn: recurrent functions and links (LSTM, peephole LSTM, NStepLSTM, SCRN, ...).

Built only on minigrad's public API, so that users can write links as good as these::

    from minigrad_rnn import LSTM, NStepLSTM        # links
    from minigrad_rnn.functions import lstm         # the fused cell
"""

from minigrad_rnn import functions, links  # noqa: F401
from minigrad_rnn.links import (
    LSTM,
    SCRN,
    NStepBiGRU,
    NStepBiLSTM,
    NStepBiRNNReLU,
    NStepBiRNNTanh,
    NStepGRU,
    NStepLSTM,
    NStepRNNReLU,
    NStepRNNTanh,
    SimpleRNN,
    StatefulGRU,
    StatefulPeepholeLSTM,
)

__all__ = ['LSTM', 'NStepLSTM', 'NStepBiLSTM', 'StatefulPeepholeLSTM', 'SCRN', 'SimpleRNN',
           'StatefulGRU', 'NStepRNNTanh', 'NStepRNNReLU', 'NStepBiRNNTanh', 'NStepBiRNNReLU',
           'NStepGRU', 'NStepBiGRU', 'functions', 'links']
