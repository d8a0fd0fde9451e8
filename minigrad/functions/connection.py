"""Connections by lookup: embed_id (word embeddings) with a scatter-add gradient.

Functions layer. ``embed_id`` picks rows of a weight matrix W of shape (V, N) (V words in the
vocabulary, N units) by integer id. Its gradient scatters the output gradient back into the
rows it came from, adding up repeated ids; that scatter is a Function of its own
(:class:`EmbedIDGrad`, used when double backprop is on; plain array code otherwise), whose
gradient is a lookup again, so double backprop through W works.
"""

import numpy

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.variable import Variable


def _scatter_rows(x, gy, n_vocab, ignore_label):
    """A (V, N) array of zeros with each row ``gy[i]`` added into row ``x[i]``."""
    xp = backend.get_array_module(gy)
    n_units = gy.shape[-1]
    gW = xp.zeros((n_vocab, n_units), dtype=gy.dtype)
    if ignore_label is None:
        x = x.ravel()
        gy = gy.reshape(-1, n_units)
    elif xp is numpy:
        mask = x != ignore_label
        x = x[mask]
        gy = gy[mask]
    else:
        # no boolean indexing on the GPU (it waits for the result's size): zero the rows
        mask = x != ignore_label
        x = xp.where(mask, x, 0).ravel()
        gy = (gy * mask[..., None]).reshape(-1, n_units)
    # repeated ids must add up, which plain assignment would not do
    if xp is numpy:
        numpy.add.at(gW, x, gy)
    else:
        import cupyx
        cupyx.scatter_add(gW, x, gy)
    return gW


class EmbedIDFunction(function.Function):
    """``y = W[x]`` with ignored ids giving zero rows (see :func:`embed_id`)."""

    label = 'embed_id'

    def __init__(self, ignore_label=None):
        self.ignore_label = ignore_label

    def check_type_forward(self, inputs):
        x, W = inputs
        if x.dtype.kind not in 'iu':
            raise type_check.InvalidType(
                self, 'x must be an integer array of ids, got %s; cast it with '
                'x.astype(numpy.int32)' % x.dtype, x=x)
        if W.dtype.kind != 'f':
            type_check.expect_float(self, 'W', W)
        if W.ndim != 2:
            raise type_check.InvalidType(
                self, 'W must be 2-dimensional (V, N): one row of N units per id, got %d '
                'dimensions' % W.ndim, W=W)
        self._check_ids(x, W.shape[0])

    def _check_ids(self, x, V):
        # two reductions over the ids on NumPy; on CuPy only in debug mode (it would stall)
        if x.size == 0 or (backend.get_array_module(x) is not numpy and not config.debug):
            return
        lo, hi = int(x.min()), int(x.max())
        if lo >= 0 and hi < V:
            return
        bad = (x < 0) | (x >= V)
        if self.ignore_label is not None:
            bad &= x != self.ignore_label
        if bad.any():
            ignored = '' if self.ignore_label is None else (
                ' other than ignore_label=%d' % self.ignore_label)
            bad_ids = x[bad]
            lo, hi = int(bad_ids.min()), int(bad_ids.max())
            if lo < 0:
                why = 'ids cannot be negative (only ignore_label may be)'
            else:
                why = 'W has V = %d rows (W.shape[0]), so the vocabulary needs at least %d' % (
                    V, hi + 1)
            raise ValueError('embed_id: x holds ids outside [0, V) = [0, %d)%s: largest %d, '
                             'smallest %d; %s' % (V, ignored, hi, lo, why))

    def forward(self, inputs):
        x, W = inputs
        self._x = x
        self._W_shape = W.shape
        if self.ignore_label is None:
            return W.take(x, axis=0),
        xp = backend.get_array_module(x)
        mask = x == self.ignore_label
        y = W.take(xp.where(mask, 0, x), axis=0)
        y[mask] = 0
        return y,

    def backward(self, indexes, grad_outputs):
        if 1 not in indexes:
            return None, None
        gy, = grad_outputs
        if not config.enable_backprop:
            # first order only (the usual case): the scatter as array code, no graph
            gW = _scatter_rows(self._x, gy.array, self._W_shape[0], self.ignore_label)
            return None, Variable(gW, requires_grad=False)
        gW, = EmbedIDGrad(self._x, self._W_shape[0], self.ignore_label).apply(grad_outputs)
        return None, gW       # ids get no gradient


class EmbedIDGrad(function.Function):
    """Scatter-add ``gy`` into the rows of a (V, N) zero matrix picked by ``x``.

    The gradient of :class:`EmbedIDFunction` with respect to W; its own gradient is the lookup
    ``embed_id(x, ggW)``.
    """

    label = 'embed_id_grad'

    def __init__(self, x, n_vocab, ignore_label=None):
        self.x = x
        self.n_vocab = n_vocab
        self.ignore_label = ignore_label

    def forward(self, inputs):
        return _scatter_rows(self.x, inputs[0], self.n_vocab, self.ignore_label),

    def backward(self, indexes, grad_outputs):
        return embed_id(self.x, grad_outputs[0], self.ignore_label),


def embed_id(x, W, ignore_label=None):
    """Look up rows of W by integer id, ``y[..., :] = W[x[...], :]`` (word embeddings).

    The gradient of W adds ``gy`` into the rows that were looked up (repeated ids sum up).

    Args:
        x: int array (or Variable) of ids in [0, V), any shape.
        W: Variable of shape (V, N): one row of N units per id.
        ignore_label (int or None): ids equal to it give zero rows and send no gradient to W
            (padding); it may lie outside [0, V).

    Returns:
        Variable of shape ``x.shape + (N,)`` and W's dtype.

    Ids outside [0, V) other than ``ignore_label`` raise ValueError naming the largest id and V
    (on the GPU only in debug mode, where the check does not stall it).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> W = numpy.array([[0., 1.], [2., 3.], [4., 5.]])
        >>> F.embed_id(numpy.array([2, 0, -1]), W, ignore_label=-1)
        variable([[4., 5.],
                  [0., 1.],
                  [0., 0.]], shape=(3, 2), dtype=float64)
    """
    return EmbedIDFunction(ignore_label).apply((x, W))[0]
