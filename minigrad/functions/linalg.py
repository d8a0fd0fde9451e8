"""Linear algebra: matmul (batched) and linear (``x @ W.T + b``, W of shape (out, in)).

Functions layer. ``matmul`` follows ``numpy.matmul`` (leading axes broadcast, 1-D operands are
promoted and the added axis dropped again) and sums each gradient back to its input's shape.
``linear`` is the fully connected layer as one fused Function, so that a layer costs one node in
the graph. Its backward is array code when only first-order gradients are wanted, and matmuls
(minigrad functions) when double backprop was asked for.
"""

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.functions import array, reduction
from minigrad.variable import Variable


def _inner_sizes(a, b, transa, transb):
    # the contracted axis of each operand (1-D operands ignore trans*, as in Chainer)
    if a.ndim == 1:
        ka, a_axis = a.shape[0], 'a.shape[0]'
    elif transa:
        ka, a_axis = a.shape[-2], 'a.shape[-2] (transa=True)'
    else:
        ka, a_axis = a.shape[-1], 'a.shape[-1]'
    if b.ndim == 1:
        kb, b_axis = b.shape[0], 'b.shape[0]'
    elif transb:
        kb, b_axis = b.shape[-1], 'b.shape[-1] (transb=True)'
    else:
        kb, b_axis = b.shape[-2], 'b.shape[-2]'
    return ka, a_axis, kb, b_axis


class MatMul(function.Function):
    """Batched matrix product ``op(a) @ op(b)`` (see :func:`matmul`)."""

    label = 'matmul'

    def __init__(self, transa=False, transb=False):
        self.transa = transa
        self.transb = transb

    def check_type_forward(self, inputs):
        a, b = inputs
        if a.dtype.kind != 'f':
            type_check.expect_float(self, 'a', a)
        if a.dtype != b.dtype:
            type_check.expect_same_dtype(self, ('a', 'b'), inputs)
        if a.ndim == 0 or b.ndim == 0:
            raise type_check.InvalidType(
                self, 'a and b must have at least one dimension each (use F.mul to scale '
                'by a scalar)', a=a, b=b)
        ka, a_axis, kb, b_axis = _inner_sizes(a, b, self.transa, self.transb)
        if ka != kb:
            raise type_check.InvalidType(
                self, '%s must equal %s (the contracted size), got %d and %d'
                % (a_axis, b_axis, ka, kb), a=a, b=b)
        if a.ndim > 2 and b.ndim > 2:
            batch_a, batch_b = a.shape[:-2], b.shape[:-2]
            for da, db in zip(batch_a[::-1], batch_b[::-1]):
                if da != db and da != 1 and db != 1:
                    raise type_check.InvalidType(
                        self, 'the batch axes a.shape[:-2] = %s and b.shape[:-2] = %s cannot '
                        'be broadcast together' % (batch_a, batch_b), a=a, b=b)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        if self.transa and a.ndim > 1:
            a = a.swapaxes(-1, -2)
        if self.transb and b.ndim > 1:
            b = b.swapaxes(-1, -2)
        y = a @ b
        if a.ndim == 1 and b.ndim == 1:
            y = backend.get_array_module(a).asarray(y)   # numpy returns a scalar here
        return y,

    def backward(self, indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        gy, = grad_outputs
        a_shape, b_shape = a.shape, b.shape
        ta, tb = self.transa, self.transb
        # promote 1-D operands as numpy.matmul does, and put their axes back into gy
        gy_shape = list(gy.shape)
        if b.ndim == 1:
            b = array.reshape(b, (-1, 1))
            tb = False
            gy_shape.append(1)
        if a.ndim == 1:
            a = array.reshape(a, (1, -1))
            ta = False
            gy_shape.insert(len(gy_shape) - 1, 1)
        gy = array.reshape(gy, gy_shape)
        ret = []
        if 0 in indexes:
            # d op(a) = gy @ op(b).T; transposed back when transa
            if ta:
                ga = matmul(b, gy, transa=tb, transb=True)
            else:
                ga = matmul(gy, b, transb=not tb)
            ret.append(array.reshape(array.sum_to(ga, a.shape), a_shape))
        if 1 in indexes:
            # d op(b) = op(a).T @ gy; transposed back when transb
            if tb:
                gb = matmul(gy, a, transa=True, transb=ta)
            else:
                gb = matmul(a, gy, transa=not ta)
            ret.append(array.reshape(array.sum_to(gb, b.shape), b_shape))
        return tuple(ret)


def matmul(a, b, transa=False, transb=False):
    """Matrix product ``y = op(a) @ op(b)``, batched like ``numpy.matmul`` (the ``@`` operator).

    Leading (batch) axes broadcast; a 1-D ``a`` is a row vector and a 1-D ``b`` a column vector,
    and the added axis is dropped from the result, as in NumPy. Gradients are summed back to each
    input's shape.

    Args:
        a: Variable or array of shape (..., M, K) (or (K, M) matrices when ``transa``), or (K,).
        b: Variable or array of shape (..., K, N) (or (N, K) matrices when ``transb``), or (K,).
        transa (bool): transpose the last two axes of ``a`` first (ignored for 1-D ``a``).
        transb (bool): transpose the last two axes of ``b`` first (ignored for 1-D ``b``).

    Returns:
        Variable of shape (broadcast batch axes..., M, N), of the inputs' float dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> a = numpy.array([[1., 2.], [3., 4.]])
        >>> F.matmul(a, numpy.array([1., 1.]))
        variable([3., 7.], shape=(2,), dtype=float64)
        >>> F.matmul(a, a, transa=True)
        variable([[10., 14.],
                  [14., 20.]], shape=(2, 2), dtype=float64)
    """
    return MatMul(transa, transb).apply((a, b))[0]


class LinearFunction(function.Function):
    """Fully connected layer ``x @ W.T + b`` on 2-D ``x`` (see :func:`linear`)."""

    label = 'linear'

    def check_type_forward(self, inputs):
        x, W = inputs[0], inputs[1]
        if x.dtype.kind != 'f':
            type_check.expect_float(self, 'x', x)
        if W.dtype != x.dtype or (len(inputs) == 3 and inputs[2].dtype != x.dtype):
            names = ('x', 'W', 'b')[:len(inputs)]
            type_check.expect_same_dtype(self, names, inputs)
        if x.ndim != 2:
            raise type_check.InvalidType(
                self, 'x must be 2-dimensional (batch, in_size), got %d dimensions' % x.ndim,
                x=x)
        if W.ndim != 2:
            raise type_check.InvalidType(
                self, 'W must be 2-dimensional (out_size, in_size), got %d dimensions'
                % W.ndim, W=W)
        if x.shape[1] != W.shape[1]:
            raise type_check.InvalidType(
                self, 'x.shape[1] must equal W.shape[1] (in_size), got %d and %d'
                % (x.shape[1], W.shape[1]), x=x, W=W)
        if len(inputs) == 3:
            b = inputs[2]
            if b.shape != (W.shape[0],):
                raise type_check.InvalidType(
                    self, 'b must have shape (out_size,) = (%d,) to match W, got %s'
                    % (W.shape[0], b.shape), W=W, b=b)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[0], inputs[1]
        y = x.dot(W.T)
        if len(inputs) == 3:
            y += inputs[2]
        return y,

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        if not config.enable_backprop:
            # first order only (the usual case): array code, no graph to record
            g = gy.array
            ret = []
            if 0 in indexes:
                ret.append(Variable(g.dot(W.array), requires_grad=False))
            if 1 in indexes:
                ret.append(Variable(g.T.dot(x.array), requires_grad=False))
            if 2 in indexes:
                ret.append(Variable(g.sum(axis=0), requires_grad=False))
            return tuple(ret)
        # double backprop: the same products as minigrad functions
        ret = []
        if 0 in indexes:
            ret.append(matmul(gy, W))
        if 1 in indexes:
            ret.append(matmul(gy, x, transa=True))
        if 2 in indexes:
            ret.append(reduction.sum(gy, axis=0))
        return tuple(ret)


def linear(x, W, b=None, n_batch_axes=1):
    """Fully connected layer, ``y = x @ W.T + b``, with W of shape (out_size, in_size).

    One fused Function; its gradients are ``gx = gy @ W``, ``gW = gy.T @ x`` and
    ``gb = gy.sum(0)``.

    Args:
        x: Variable or array of shape (B, in_size). With more axes, the first ``n_batch_axes``
            are batch axes and the rest are flattened into in_size (as in Chainer).
        W: Variable or array of shape (out_size, in_size).
        b: Variable or array of shape (out_size,), or None for no bias.
        n_batch_axes (int): the number of leading batch axes of ``x`` (at least 1); the output
            keeps them: shape ``x.shape[:n_batch_axes] + (out_size,)``.

    Returns:
        Variable of shape (B, out_size) (batch axes first when ``n_batch_axes > 1``).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> x = numpy.array([[1., 2., 3.]])
        >>> W = numpy.array([[1., 0., 0.], [1., 1., 1.]])
        >>> F.linear(x, W, numpy.array([0.5, -1.]))
        variable([[1.5, 5. ]], shape=(1, 2), dtype=float64)
    """
    ndim = getattr(x, 'ndim', 2)
    if n_batch_axes != 1 or ndim > 2:
        if not isinstance(n_batch_axes, int) or n_batch_axes < 1:
            raise ValueError('linear: n_batch_axes must be a positive int, got %r'
                             % (n_batch_axes,))
        if n_batch_axes >= ndim:
            raise ValueError('linear: n_batch_axes (%d) must be less than x.ndim (%d): the '
                             'axes after the batch axes hold in_size' % (n_batch_axes, ndim))
        batch_shape = tuple(x.shape[:n_batch_axes])
        size = 1
        for s in batch_shape:
            size *= s
        in_size = 1
        for s in x.shape[n_batch_axes:]:
            in_size *= s
        x = array.reshape(x, (size, in_size))
    inputs = (x, W) if b is None else (x, W, b)
    y, = LinearFunction().apply(inputs)
    if n_batch_axes > 1:
        y = array.reshape(y, batch_shape + (y.shape[1],))
    return y
