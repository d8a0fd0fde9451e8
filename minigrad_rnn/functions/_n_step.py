"""Helpers of the NStep functions (LSTM, RNN, GRU): step offsets and the argument checks."""

import numbers

import numpy

from minigrad import type_check


def _offsets(batch_sizes):
    return numpy.concatenate([[0], numpy.cumsum(batch_sizes)]).astype(int).tolist()


def _check_arguments(name, n_layers, n_dir, n_weights, states, ws, bs, xs):
    """Check the arguments of an NStep function; return the batch sizes and N.

    ``n_weights`` matrices per layer and direction: the first half take the layer input, the
    second half the hidden state (2 for the plain RNN, 6 for the GRU, 8 for the LSTM).
    ``states`` lists ``(name, array or None)``: ``hx``, and ``cx`` for the LSTM.
    """
    if isinstance(n_layers, bool) or not isinstance(n_layers, numbers.Integral) or n_layers < 1:
        raise ValueError('%s: n_layers must be a positive int, got %r' % (name, n_layers))
    if len(xs) == 0:
        raise ValueError('%s: xs is empty; it must hold at least one time step' % name)
    if len(ws) != n_layers * n_dir or len(bs) != n_layers * n_dir:
        raise ValueError('%s: ws and bs must hold %d lists (n_layers * directions), got %d and %d'
                         % (name, n_layers * n_dir, len(ws), len(bs)))
    for k, (w, b) in enumerate(zip(ws, bs)):
        if len(w) != n_weights or len(b) != n_weights:
            raise ValueError('%s: ws[%d] and bs[%d] must each hold %d arrays, got %d and %d'
                             % (name, k, k, n_weights, len(w), len(b)))
    if ws[0][0].ndim != 2:
        raise type_check.InvalidType(name, 'ws[0][0] must be a matrix (N, I)', W=ws[0][0])
    in_size = ws[0][0].shape[1]
    for t, x in enumerate(xs):
        if x.ndim != 2 or x.shape[1] != in_size:
            raise type_check.InvalidType(
                name, 'xs[%d] must have shape (B_t, %d): the input size of ws[0][0]'
                % (t, in_size), **{'xs[%d]' % t: x, 'ws[0][0]': ws[0][0]})
    sizes = [x.shape[0] for x in xs]
    if any(b1 < b2 for b1, b2 in zip(sizes, sizes[1:])):
        raise ValueError('%s: the batch sizes of xs must not increase over time (sort the '
                         'sequences by decreasing length and transpose them), got %s'
                         % (name, sizes))
    N = ws[0][n_weights // 2].shape[0]
    shape = (n_layers * n_dir, sizes[0], N)
    for arg, v in states:
        if v is not None and tuple(v.shape) != shape:
            raise type_check.InvalidType(
                name, '%s must have shape (n_layers * directions, B, N) = %s' % (arg, shape),
                **{arg: v})
    half = n_weights // 2
    if half == 1:
        roles = 'W0 takes the layer input, W1 the hidden state'
    else:
        roles = 'W0..W%d take the layer input, W%d..W%d the hidden state' % (
            half - 1, half, n_weights - 1)
    for k, (w, b) in enumerate(zip(ws, bs)):
        layer_in = in_size if k < n_dir else N * n_dir
        for j in range(n_weights):
            expect = (N, layer_in if j < half else N)
            if tuple(w[j].shape) != expect:
                raise type_check.InvalidType(
                    name, 'ws[%d][%d] must have shape %s (%s)' % (k, j, expect, roles),
                    **{'ws[%d][%d]' % (k, j): w[j]})
            if tuple(b[j].shape) != (N,):
                raise type_check.InvalidType(
                    name, 'bs[%d][%d] must have shape (%d,)' % (k, j, N),
                    **{'bs[%d][%d]' % (k, j): b[j]})
    arrays = [('xs[0]', xs[0])] + [(arg, v) for arg, v in states if v is not None] + [
        ('ws[0][0]', ws[0][0]), ('bs[0][0]', bs[0][0])]
    dtypes = {a.dtype for _, a in arrays}
    if len(dtypes) > 1 or xs[0].dtype.kind != 'f':
        raise type_check.InvalidType(
            name, 'xs, hx, ws and bs must be float arrays of one dtype; cast them with '
            '.astype(numpy.float32)', **dict(arrays))
    return sizes, N
