"""Noise: dropout (identity when ``config.train`` is False).

Functions layer.
"""


def dropout(x, ratio=0.5):
    raise NotImplementedError
