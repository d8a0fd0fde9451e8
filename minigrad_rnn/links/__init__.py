"""Recurrent links: LSTM, StatefulPeepholeLSTM, NStepLSTM, NStepBiLSTM, SCRN, SimpleRNN, GRU."""

from minigrad_rnn.links.gru import StatefulGRU
from minigrad_rnn.links.lstm import LSTM
from minigrad_rnn.links.n_step_gru import NStepBiGRU, NStepGRU
from minigrad_rnn.links.n_step_lstm import NStepBiLSTM, NStepLSTM
from minigrad_rnn.links.n_step_rnn import (
    NStepBiRNNReLU,
    NStepBiRNNTanh,
    NStepRNNReLU,
    NStepRNNTanh,
)
from minigrad_rnn.links.peephole import StatefulPeepholeLSTM
from minigrad_rnn.links.scrn import SCRN
from minigrad_rnn.links.simple_rnn import SimpleRNN

__all__ = ['LSTM', 'NStepLSTM', 'NStepBiLSTM', 'StatefulPeepholeLSTM', 'SCRN', 'SimpleRNN',
           'StatefulGRU', 'NStepRNNTanh', 'NStepRNNReLU', 'NStepBiRNNTanh', 'NStepBiRNNReLU',
           'NStepGRU', 'NStepBiGRU']
