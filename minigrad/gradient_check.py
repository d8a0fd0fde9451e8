"""Numerical gradient checking: numerical_grad, check_backward, check_double_backward.

Above the functions layer. Users check their own Functions and links with these, so failures
come with a report: which input, the largest difference, where, and the numeric and backprop
values. Unlike Chainer's single random direction, every element is compared when the inputs are
small (up to ``max_elements`` per input); larger inputs are checked along random directions.
"""

import numpy

from minigrad import backend
from minigrad.functions import basic_math, reduction
from minigrad.variable import Variable, grad


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def numerical_grad(f, inputs, grad_outputs, eps=1e-3):
    """Central-difference gradients of ``sum(f() * grad_outputs)`` for each array in ``inputs``.

    Args:
        f: a callable with no arguments returning a tuple of arrays; it must read ``inputs``,
            which are perturbed in place one element at a time.
        inputs: tuple of float arrays.
        grad_outputs: tuple of arrays (or None for an output that gets no gradient).
        eps (float): the step.

    Returns:
        tuple of arrays, each of its input's shape.
    """
    grads = []
    for x in inputs:
        xp = backend.get_array_module(x)
        gx = xp.zeros(x.shape, dtype=numpy.float64)
        flat = x.reshape(-1) if x.flags.c_contiguous else None
        if flat is None:
            raise ValueError('numerical_grad: inputs must be C-contiguous arrays')
        for i in range(x.size):
            orig = flat[i].copy()
            flat[i] = orig + eps
            yp = f()
            flat[i] = orig - eps
            ym = f()
            flat[i] = orig
            total = 0.0
            for a, b, gy in zip(yp, ym, grad_outputs):
                if gy is None:
                    continue
                diff = a.astype(numpy.float64) - b.astype(numpy.float64)
                total += float((diff * gy).sum())
            gx.reshape(-1)[i] = total / (2 * eps)
        grads.append(gx)
    return tuple(grads)


def _directional(f, inputs, directions, grad_outputs, eps):
    # derivative of sum(f() * gy) along the given direction in the joint input space
    originals = [x.copy() for x in inputs]
    values = []
    for sign in (1, -1):
        for x, o, d in zip(inputs, originals, directions):
            x[...] = o + sign * eps * d
        values.append(f())
    for x, o in zip(inputs, originals):
        x[...] = o
    total = 0.0
    for a, b, gy in zip(values[0], values[1], grad_outputs):
        if gy is not None:
            total += float(((a.astype(numpy.float64) - b.astype(numpy.float64)) * gy).sum())
    return total / (2 * eps)


def _report(name, numeric, backprop, atol, rtol):
    num = backend.to_cpu(numeric).astype(numpy.float64)
    bp = backend.to_cpu(backprop).astype(numpy.float64)
    diff = numpy.abs(num - bp)
    excess = diff - (atol + rtol * numpy.abs(num))
    where = tuple(int(i) for i in numpy.unravel_index(int(numpy.argmax(excess)), num.shape))
    lines = ['check_backward: the gradient of %s is wrong' % name,
             '  largest |numeric - backprop| = %.6g at index %s: numeric %.8g, backprop %.8g'
             % (diff[where], where, num[where], bp[where]),
             '  tolerance: atol %g + rtol %g * |numeric|' % (atol, rtol)]
    if num.size <= 50:
        lines += ['  numeric:', '    ' + str(num).replace('\n', '\n    '),
                  '  backprop:', '    ' + str(bp).replace('\n', '\n    ')]
    return '\n'.join(lines)


def _cast(x, dtype):
    if x is None:
        return None
    xp = backend.get_array_module(x)
    if x.dtype.kind == 'f' and dtype is not None:
        return xp.array(x, dtype=dtype, order='C')
    return xp.array(x, order='C')


def check_backward(func, x_data, y_grad=None, params=(), eps=1e-3, atol=1e-5, rtol=1e-4,
                   dtype=numpy.float64, no_grads=None, max_elements=1000, seed=0):
    """Check that backprop gradients of ``func`` match central differences.

    Args:
        func: a callable taking Variables (one per entry of ``x_data``) and returning a
            Variable or a tuple of Variables.
        x_data: an array or a tuple of arrays. Float arrays are cast to ``dtype``; integer
            arrays (labels, indices) are passed as they are and get no gradient.
        y_grad: the output gradient(s); None draws them from a fixed-seed normal distribution.
        params: Parameters used inside ``func`` (a link's W and b) whose gradients are checked
            too; they are cast to ``dtype`` for the check and restored afterwards.
        eps, atol, rtol: the difference step and the tolerances
            (``|numeric - backprop| <= atol + rtol * |numeric|``).
        dtype: the float dtype to check in (float64 by default, where the test is sharp).
        no_grads: list of bools, one per input: True for inputs whose gradient is not checked
            (default: True for non-float inputs).
        max_elements: inputs with at most this many elements are checked element by element;
            larger ones along five random directions.
        seed: the seed for ``y_grad`` and the random directions.

    Raises:
        AssertionError: with a report naming the input, the largest difference, where it is,
            and the numeric and backprop values.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> from minigrad import gradient_check
        >>> gradient_check.check_backward(F.exp, numpy.array([0.5, -1.0]))
    """
    rng = numpy.random.RandomState(seed)
    xs = tuple(_cast(x, dtype) for x in _as_tuple(x_data))
    params = tuple(params)
    if no_grads is None:
        no_grads = [x.dtype.kind != 'f' for x in xs]
    elif len(no_grads) != len(xs):
        raise ValueError('check_backward: no_grads has %d entries for %d inputs'
                         % (len(no_grads), len(xs)))
    saved = [(p.array, p.grad) for p in params]
    try:
        for p in params:
            p.array = _cast(p.array, dtype)
            p.cleargrad()
        _check_backward_main(func, xs, y_grad, params, eps, atol, rtol, no_grads,
                             max_elements, rng)
    finally:
        for p, (a, g) in zip(params, saved):
            p.array = a
            p.grad = g


def _check_backward_main(func, xs, y_grad, params, eps, atol, rtol, no_grads, max_elements,
                         rng):
    in_vars = [Variable(x, requires_grad=not ng, name='x%d' % i)
               for i, (x, ng) in enumerate(zip(xs, no_grads))]
    ys = _as_tuple(func(*in_vars))
    if not all(isinstance(y, Variable) for y in ys):
        raise TypeError('check_backward: func must return Variables, got %s'
                        % [type(y).__name__ for y in ys])
    if y_grad is None:
        gys = tuple(None if y.dtype.kind != 'f' else
                    backend.get_array_module(y.array).asarray(
                        rng.normal(size=y.shape).astype(y.dtype)) for y in ys)
    else:
        gys = tuple(_cast(g, ys[0].dtype) if g is not None else None
                    for g in _as_tuple(y_grad))
        if len(gys) != len(ys):
            raise ValueError('check_backward: func returned %d outputs but y_grad has %d'
                             % (len(ys), len(gys)))
        for y, g in zip(ys, gys):
            if g is not None and g.shape != y.shape:
                raise ValueError('check_backward: y_grad of shape %s for an output of shape %s'
                                 % (g.shape, y.shape))
    targets = [v for v, ng in zip(in_vars, no_grads) if not ng] + list(params)
    names = ['input %d (shape %s)' % (i, x.shape)
             for i, (x, ng) in enumerate(zip(xs, no_grads)) if not ng]
    names += ['parameter %s (shape %s)' % (p.name, p.shape) for p in params]
    pairs = [(y, gy) for y, gy in zip(ys, gys) if gy is not None]
    if not pairs or not targets:
        raise ValueError('check_backward: nothing to check (no float output or no input '
                         'needing a gradient)')
    bp = grad([y for y, _ in pairs], targets, [gy for _, gy in pairs])
    bp = [backend.get_array_module(t.array).zeros_like(t.array) if g is None else g.array
          for t, g in zip(targets, bp)]
    for t, g in zip(targets, bp):
        if g.shape != t.shape:
            raise AssertionError('check_backward: backprop gave a gradient of shape %s for '
                                 'a target of shape %s' % (g.shape, t.shape))

    arrays = [t.array for t in targets]

    def f():
        # the graph is recorded here too: check_double_backward's func itself runs backward
        # copies: an output may be a view of the input that is about to be perturbed again
        return tuple(o.array.copy() for o in _as_tuple(func(*in_vars)))

    for name, x, g in zip(names, arrays, bp):
        if x.size <= max_elements:
            num, = numerical_grad(f, (x,), gys, eps=eps)
            num_c = backend.to_cpu(num)
            g_c = backend.to_cpu(g).astype(numpy.float64)
            # |backprop - numeric| <= atol + rtol * |numeric| (allclose scales by its 2nd)
            if not numpy.allclose(g_c, num_c, atol=atol, rtol=rtol):
                raise AssertionError(_report(name, num_c, g_c, atol, rtol))
        else:
            xp = backend.get_array_module(x)
            for _ in range(5):
                d = xp.asarray(rng.normal(size=x.shape).astype(x.dtype))
                num = _directional(f, (x,), (d,), gys, eps)
                expected = float((backend.to_cpu(g).astype(numpy.float64)
                                  * backend.to_cpu(d)).sum())
                if not abs(num - expected) <= atol + rtol * abs(num):
                    raise AssertionError(
                        'check_backward: the gradient of %s is wrong along a random direction:'
                        ' numeric %.8g, backprop %.8g (atol %g, rtol %g)'
                        % (name, num, expected, atol, rtol))


def check_double_backward(func, x_data, y_grad, x_grad_grad, params=(), params_grad_grad=(),
                          eps=1e-3, atol=1e-4, rtol=1e-3, dtype=numpy.float64, no_grads=None,
                          seed=0):
    """Check second-order gradients: the backward of ``func``'s backward.

    The first-order gradients ``g(x, gy) = d sum(func(x) * gy) / dx`` (for the inputs and
    ``params``) are computed with ``enable_double_backprop``, and :func:`check_backward` is run
    on ``g`` as a function of ``(x, gy)`` with output gradients ``x_grad_grad`` (one per input,
    then ``params_grad_grad``, one per parameter).
    """
    xs = _as_tuple(x_data)
    gys = _as_tuple(y_grad)
    n_x = len(xs)
    if no_grads is None:
        no_grads = [numpy.dtype(getattr(x, 'dtype', float)).kind != 'f' for x in xs]
    params = tuple(params)

    def first_order(*args):
        x_vars = args[:n_x]
        gy_vars = args[n_x:]
        ys = _as_tuple(func(*x_vars))
        total = None
        for y, gy in zip(ys, gy_vars):
            term = reduction.sum(basic_math.mul(y, gy))
            total = term if total is None else total + term
        wrt = [v for v, ng in zip(x_vars, no_grads) if not ng] + list(params)
        gxs = grad([total], wrt, enable_double_backprop=True)
        out = []
        for v, g in zip(wrt, gxs):
            if g is None:
                g = Variable(backend.get_array_module(v.array).zeros_like(v.array))
            out.append(g)
        return tuple(out)

    ggs = tuple(g for g, ng in zip(_as_tuple(x_grad_grad), no_grads) if not ng)
    ggs += tuple(params_grad_grad)
    check_backward(first_order, tuple(xs) + tuple(gys), ggs, params=params, eps=eps,
                   atol=atol, rtol=rtol, dtype=dtype, no_grads=list(no_grads) + [False] * len(gys),
                   seed=seed)
