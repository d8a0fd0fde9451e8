"""minigrad_rnn: recurrent functions and links (LSTM, peephole LSTM, NStepLSTM, SCRN, ...).

Built only on minigrad's public API, so that users can write links as good as these.
"""
