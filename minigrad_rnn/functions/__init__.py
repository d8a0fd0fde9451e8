"""Recurrent functions: the fused LSTM cell and step, and the NStep (variable-length) LSTM, RNN
and GRU."""

from minigrad_rnn.functions.lstm_cell import LSTM, LSTMGrad, lstm
from minigrad_rnn.functions.lstm_step import LSTMStep, lstm_step
from minigrad_rnn.functions.n_step_gru import NStepGRULayer, n_step_bigru, n_step_gru
from minigrad_rnn.functions.n_step_lstm import NStepLSTMLayer, n_step_bilstm, n_step_lstm
from minigrad_rnn.functions.n_step_rnn import NStepRNNLayer, n_step_birnn, n_step_rnn

__all__ = ['LSTM', 'LSTMGrad', 'lstm', 'LSTMStep', 'lstm_step', 'NStepLSTMLayer', 'n_step_lstm',
           'n_step_bilstm', 'NStepRNNLayer', 'n_step_rnn', 'n_step_birnn', 'NStepGRULayer',
           'n_step_gru', 'n_step_bigru']
