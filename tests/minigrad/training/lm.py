"""A tiny LSTM language model and a synthetic corpus, shared by the training tests."""

import numpy

import minigrad
import minigrad.functions as F
import minigrad.links as L
from minigrad_rnn import LSTM


class RNNLM(minigrad.Chain):
    """Embedding -> (dropout) -> LSTM -> (dropout) -> Linear."""

    def __init__(self, n_vocab=8, n_units=6, dropout=0.0):
        super().__init__()
        self.dropout = dropout
        with self.init_scope():
            self.embed = L.EmbedID(n_vocab, n_units)
            self.rnn = LSTM(n_units, n_units)
            self.out = L.Linear(n_units, n_vocab)

    def forward(self, x):
        h = self.embed(x)
        if self.dropout:
            h = F.dropout(h, self.dropout)
        h = self.rnn(h)
        if self.dropout:
            h = F.dropout(h, self.dropout)
        return self.out(h)


def corpus(n=120, n_vocab=8, seed=1):
    """Word ids with some structure (mostly +3 mod n_vocab), as int32."""
    noise = numpy.random.RandomState(seed).randint(0, 2, n)
    return ((numpy.arange(n) * 3 + noise) % n_vocab).astype(numpy.int32)


def make_model(seed=0, dropout=0.0, n_vocab=8, n_units=6):
    """A Classifier around RNNLM, its weights drawn from ``seed``."""
    numpy.random.seed(seed)
    return L.Classifier(RNNLM(n_vocab, n_units, dropout))
