"""Recurrent links: LSTM, StatefulPeepholeLSTM, NStepLSTM, NStepBiLSTM, SCRN, SimpleRNN, GRU."""

from minigrad_rnn.links.lstm import LSTM
from minigrad_rnn.links.n_step_lstm import NStepBiLSTM, NStepLSTM

__all__ = ['LSTM', 'NStepLSTM', 'NStepBiLSTM']
