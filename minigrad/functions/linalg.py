"""Linear algebra: matmul (batched) and linear (``x @ W.T + b``, W of shape (out, in)).

Functions layer.
"""


def matmul(a, b, transa=False, transb=False):
    raise NotImplementedError


def linear(x, W, b=None, n_batch_axes=1):
    raise NotImplementedError
