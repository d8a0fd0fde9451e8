"""Recurrent functions: the fused LSTM cell and the NStep (variable-length) LSTMs."""

from minigrad_rnn.functions.lstm_cell import LSTM, LSTMGrad, lstm
from minigrad_rnn.functions.n_step_lstm import NStepLSTMLayer, n_step_bilstm, n_step_lstm

__all__ = ['LSTM', 'LSTMGrad', 'lstm', 'NStepLSTMLayer', 'n_step_lstm', 'n_step_bilstm']
