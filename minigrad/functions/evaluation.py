"""Evaluation: accuracy (not differentiable).

Functions layer.
"""


def accuracy(y, t, ignore_label=None):
    raise NotImplementedError
