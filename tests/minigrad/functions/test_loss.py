"""Tests of the losses (minigrad/functions/loss.py) against plain-NumPy references.

softmax_cross_entropy is compared with a log-softmax written here, sigmoid_cross_entropy with
the textbook ``-(t log p + (1 - t) log(1 - p))``, mean_squared_error with ``mean((a - b)**2)``.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import cpu, uniform


def _log_softmax(x, axis=1):
    x = x.astype(numpy.float64)
    z = x - x.max(axis=axis, keepdims=True)
    return z - numpy.log(numpy.exp(z).sum(axis=axis, keepdims=True))


def _softmax_ce_ref(x, t, ignore_label=-1, reduce='mean', normalize=True, class_weight=None):
    log_p = _log_softmax(x)
    losses = numpy.zeros(t.shape)
    for idx in numpy.ndindex(*t.shape):
        label = t[idx]
        if label == ignore_label:
            continue
        w = 1.0 if class_weight is None else float(class_weight[label])
        losses[idx] = -w * log_p[(idx[0], label) + idx[1:]]
    if reduce == 'no':
        return losses
    count = (t != ignore_label).sum() if normalize else t.shape[0]
    return losses.sum() / max(count, 1)


def _labels(t_shape, n_classes, seed=0, ignore_some=True):
    t = numpy.random.RandomState(seed).randint(0, n_classes, t_shape).astype(numpy.int32)
    if ignore_some:
        t.reshape(-1)[::3] = -1
    return t


# (x shape, t shape)
CE_SHAPES = [((4, 3), (4,)), ((2, 3, 4), (2, 4)), ((2, 3, 2, 2), (2, 2, 2)), ((1, 5), (1,))]


@pytest.mark.parametrize('shapes', CE_SHAPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_softmax_cross_entropy_forward(xp, shapes, reduce, dtype):
    x = uniform(shapes[0], dtype, -2, 2)
    t = _labels(shapes[1], shapes[0][1])
    loss = F.softmax_cross_entropy(xp.asarray(x), xp.asarray(t), reduce=reduce)
    expected = _softmax_ce_ref(x, t, reduce=reduce)
    assert loss.dtype == dtype and loss.shape == expected.shape
    numpy.testing.assert_allclose(cpu(loss), expected, **TOL[dtype])
    if reduce == 'no':
        assert (cpu(loss)[t == -1] == 0).all()


@pytest.mark.parametrize('shapes', CE_SHAPES[:2])
def test_softmax_cross_entropy_options(xp, shapes):
    x = uniform(shapes[0], low=-2, high=2)
    t = _labels(shapes[1], shapes[0][1])
    cw = uniform((shapes[0][1],), low=0.5, high=2.0, seed=5)
    for kwargs in [dict(normalize=False), dict(class_weight=cw), dict(ignore_label=None),
                   dict(ignore_label=2, normalize=False)]:
        tt = numpy.abs(t) if kwargs.get('ignore_label', -1) != -1 else t
        call = dict(kwargs)
        if 'class_weight' in call:
            call['class_weight'] = xp.asarray(cw)
        loss = F.softmax_cross_entropy(xp.asarray(x), xp.asarray(tt), **call)
        ref = dict(kwargs)
        if ref.get('ignore_label', -1) is None:
            ref['ignore_label'] = -12345
        numpy.testing.assert_allclose(cpu(loss), _softmax_ce_ref(x, tt, **ref), rtol=1e-12)


def test_softmax_cross_entropy_is_stable():
    x = numpy.array([[1000., 0., -1000.], [-800., -800., -801.]], dtype=numpy.float32)
    loss = F.softmax_cross_entropy(x, numpy.array([1, 2]), reduce='no')
    expected = [1000., 1. + numpy.log(2. + numpy.exp(-1.))]
    numpy.testing.assert_allclose(loss.array, expected, rtol=1e-5)


@pytest.mark.parametrize('shapes', CE_SHAPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_softmax_cross_entropy_backward(xp, shapes, reduce):
    x = xp.asarray(uniform(shapes[0], low=-2, high=2))
    t = xp.asarray(_labels(shapes[1], shapes[0][1]))
    gradient_check.check_backward(
        lambda x, t: F.softmax_cross_entropy(x, t, reduce=reduce), (x, t))


def test_softmax_cross_entropy_backward_class_weight(xp):
    x = xp.asarray(uniform((4, 3), low=-2, high=2))
    t = xp.asarray(_labels((4,), 3))
    cw = xp.asarray(uniform((3,), low=0.5, high=2.0, seed=5))
    gradient_check.check_backward(
        lambda x, t: F.softmax_cross_entropy(x, t, class_weight=cw, normalize=False), (x, t))


@pytest.mark.parametrize('shapes', CE_SHAPES[:2])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_softmax_cross_entropy_double_backward(xp, shapes, reduce):
    x = xp.asarray(uniform(shapes[0], low=-2, high=2))
    t = xp.asarray(_labels(shapes[1], shapes[0][1]))
    gy = xp.asarray(uniform(() if reduce == 'mean' else shapes[1], seed=2))
    ggx = xp.asarray(uniform(shapes[0], seed=3))
    gradient_check.check_double_backward(
        lambda x, t: F.softmax_cross_entropy(x, t, reduce=reduce), (x, t), gy, (ggx, None))


def test_softmax_cross_entropy_gradient_value():
    x = minigrad.Variable(uniform((3, 4)))
    t = numpy.array([0, 3, -1])
    F.softmax_cross_entropy(x, t).backward()
    p = numpy.exp(_log_softmax(x.array))
    expected = p - numpy.eye(4)[[0, 3, 0]]
    expected[2] = 0
    numpy.testing.assert_allclose(x.grad, expected / 2, rtol=1e-12)


@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_softmax_cross_entropy_all_ignored(xp, reduce):
    x = minigrad.Variable(xp.asarray(uniform((3, 4), numpy.float32)))
    t = xp.full((3,), -1, dtype=numpy.int32)
    loss = F.softmax_cross_entropy(x, t, reduce=reduce)
    assert numpy.isfinite(cpu(loss)).all()
    assert (cpu(loss) == 0).all()
    F.sum(loss).backward()
    assert (cpu(x.grad) == 0).all()


def test_softmax_cross_entropy_label_variable_gets_no_gradient():
    x = minigrad.Variable(uniform((2, 3)))
    t = minigrad.Variable(numpy.array([0, 2]))        # requires_grad defaults to True
    F.softmax_cross_entropy(x, t).backward()
    assert x.grad is not None and t.grad is None


def test_softmax_cross_entropy_errors():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(minigrad.InvalidType,
                       match=r'softmax_cross_entropy: t must be an integer array of labels, got '
                             r'float32; cast it with t.astype\(numpy.int32\)'):
        F.softmax_cross_entropy(x, numpy.zeros(2, numpy.float32))
    with pytest.raises(minigrad.InvalidType, match='x must be a float array, got int32'):
        F.softmax_cross_entropy(x.astype(numpy.int32), numpy.zeros(2, numpy.int32))
    with pytest.raises(minigrad.InvalidType,
                       match=r't.shape must be \(x.shape\[0\],\) \+ x.shape\[2:\] = \(2,\)'):
        F.softmax_cross_entropy(x, numpy.zeros(3, numpy.int32))
    with pytest.raises(minigrad.InvalidType, match='at least 2 dimensions'):
        F.softmax_cross_entropy(numpy.zeros(3), numpy.zeros((), numpy.int32))
    with pytest.raises(minigrad.InvalidType, match=r'class_weight must have shape \(C,\)'):
        F.softmax_cross_entropy(x, numpy.zeros(2, numpy.int32), class_weight=numpy.ones(2))
    with pytest.raises(ValueError, match="reduce must be 'mean' or 'no', got 'sum'"):
        F.softmax_cross_entropy(x, numpy.zeros(2, numpy.int32), reduce='sum')


def test_softmax_cross_entropy_label_range_errors():
    x = numpy.zeros((3, 4))
    with pytest.raises(ValueError, match=r'labels outside \[0, 4\).*largest label 7'):
        F.softmax_cross_entropy(x, numpy.array([0, 7, 1]))
    with pytest.raises(ValueError, match=r'only ignore_label=-1 may lie outside.*smallest -2'):
        F.softmax_cross_entropy(x, numpy.array([0, -2, -1]))
    with pytest.raises(ValueError, match=r'labels outside \[0, 4\)'):
        F.softmax_cross_entropy(x, numpy.array([0, -1, 1]), ignore_label=None)
    # the ignore label itself may lie anywhere
    loss = F.softmax_cross_entropy(x, numpy.array([0, 9, 1]), ignore_label=9)
    numpy.testing.assert_allclose(loss.array, numpy.log(4), rtol=1e-12)


# ---- sigmoid_cross_entropy ---------------------------------------------------------------

def _sigmoid_ce_ref(x, t, normalize=True, reduce='mean'):
    x = x.astype(numpy.float64)
    p = 1 / (1 + numpy.exp(-x))
    loss = -(t * numpy.log(p) + (1 - t) * numpy.log(1 - p))
    loss[t == -1] = 0
    if reduce == 'no':
        return loss
    count = (t != -1).sum() if normalize else x.shape[0]
    return loss.sum() / max(count, 1)


def _binary_labels(shape, seed=0):
    t = numpy.random.RandomState(seed).randint(0, 2, shape).astype(numpy.int32)
    t.reshape(-1)[1::4] = -1
    return t


@pytest.mark.parametrize('shape', [(4, 3), (5,), (2, 3, 2)])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('normalize', [True, False])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_sigmoid_cross_entropy_forward(xp, shape, reduce, normalize, dtype):
    x = uniform(shape, dtype, -3, 3)
    t = _binary_labels(shape)
    loss = F.sigmoid_cross_entropy(xp.asarray(x), xp.asarray(t), normalize=normalize,
                                   reduce=reduce)
    expected = _sigmoid_ce_ref(x, t, normalize, reduce)
    assert loss.dtype == dtype and loss.shape == expected.shape
    numpy.testing.assert_allclose(cpu(loss), expected, **TOL[dtype])


def test_sigmoid_cross_entropy_is_stable():
    x = numpy.array([100., -100., 800., -800.])
    loss = F.sigmoid_cross_entropy(x, numpy.array([0, 1, 1, 0]), reduce='no')
    numpy.testing.assert_allclose(loss.array, [100., 100., 0., 0.], atol=1e-12)


@pytest.mark.parametrize('shape', [(4, 3), (5,)])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('normalize', [True, False])
def test_sigmoid_cross_entropy_backward(xp, shape, reduce, normalize):
    x = xp.asarray(uniform(shape, low=-3, high=3))
    t = xp.asarray(_binary_labels(shape))
    gradient_check.check_backward(
        lambda x, t: F.sigmoid_cross_entropy(x, t, normalize, reduce), (x, t))


@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_sigmoid_cross_entropy_double_backward(xp, reduce):
    x = xp.asarray(uniform((4, 3), low=-3, high=3))
    t = xp.asarray(_binary_labels((4, 3)))
    gy = xp.asarray(uniform(() if reduce == 'mean' else (4, 3), seed=2))
    gradient_check.check_double_backward(
        lambda x, t: F.sigmoid_cross_entropy(x, t, reduce=reduce), (x, t), gy,
        (xp.asarray(uniform((4, 3), seed=3)), None))


def test_sigmoid_cross_entropy_gradient_value_and_all_ignored():
    x = minigrad.Variable(uniform((2, 2)))
    t = numpy.array([[1, 0], [-1, 1]])
    F.sigmoid_cross_entropy(x, t).backward()
    p = 1 / (1 + numpy.exp(-x.array))
    expected = (p - numpy.maximum(t, 0)) * (t != -1) / 3
    numpy.testing.assert_allclose(x.grad, expected, rtol=1e-12)

    x.cleargrad()
    loss = F.sigmoid_cross_entropy(x, numpy.full((2, 2), -1))
    assert loss.array == 0
    loss.backward()
    assert (x.grad == 0).all()


def test_sigmoid_cross_entropy_errors():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(minigrad.InvalidType, match='t must be an integer array of labels'):
        F.sigmoid_cross_entropy(x, x)
    with pytest.raises(minigrad.InvalidType, match=r't must have the shape of x.*\(3,\) and'):
        F.sigmoid_cross_entropy(x, numpy.zeros(3, numpy.int32))
    with pytest.raises(ValueError, match=r'labels outside \[0, 2\).*largest label 2'):
        F.sigmoid_cross_entropy(x, numpy.array([[0, 1, 2], [0, 0, 0]]))
    with pytest.raises(minigrad.InvalidType, match='batch axis'):
        F.sigmoid_cross_entropy(numpy.zeros(()), numpy.zeros((), numpy.int32))
    with pytest.raises(ValueError, match="reduce must be 'mean' or 'no'"):
        F.sigmoid_cross_entropy(x, numpy.zeros((2, 3), numpy.int32), reduce='sum')


# ---- mean_squared_error ------------------------------------------------------------------

@pytest.mark.parametrize('shape', [(4, 3), (5,), (), (2, 3, 2)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_mean_squared_error_forward(xp, shape, dtype):
    a, b = uniform(shape, dtype, seed=1), uniform(shape, dtype, seed=2)
    loss = F.mean_squared_error(xp.asarray(a), xp.asarray(b))
    expected = numpy.mean((a.astype(numpy.float64) - b) ** 2)
    assert loss.dtype == dtype and loss.shape == ()
    assert type(cpu(loss)) is numpy.ndarray
    numpy.testing.assert_allclose(cpu(loss), expected, **TOL[dtype])


@pytest.mark.parametrize('shape', [(4, 3), ()])
def test_mean_squared_error_backward(xp, shape):
    args = (xp.asarray(uniform(shape, seed=1)), xp.asarray(uniform(shape, seed=2)))
    gradient_check.check_backward(F.mean_squared_error, args)
    gradient_check.check_double_backward(
        F.mean_squared_error, args, xp.asarray(uniform((), seed=3)),
        (xp.asarray(uniform(shape, seed=4)), xp.asarray(uniform(shape, seed=5))))


def test_mean_squared_error_gradient_value():
    a, b = minigrad.Variable(uniform((3,), seed=1)), minigrad.Variable(uniform((3,), seed=2))
    F.mean_squared_error(a, b).backward()
    numpy.testing.assert_allclose(a.grad, 2 * (a.array - b.array) / 3, rtol=1e-12)
    numpy.testing.assert_allclose(b.grad, -a.grad, rtol=1e-12)


def test_mean_squared_error_errors():
    with pytest.raises(minigrad.InvalidType,
                       match=r'x0 and x1 must have the same shape \(no broadcasting\), got '
                             r'\(2, 3\) and \(3,\)'):
        F.mean_squared_error(numpy.zeros((2, 3)), numpy.zeros(3))
    with pytest.raises(minigrad.InvalidType, match='x0 and x1 must have the same dtype'):
        F.mean_squared_error(numpy.zeros(3), numpy.zeros(3, numpy.float32))
    with pytest.raises(minigrad.InvalidType, match='x0 must be a float array, got int64'):
        F.mean_squared_error(numpy.zeros(3, numpy.int64), numpy.zeros(3, numpy.int64))


# ---- both backward paths ------------------------------------------------------------------

@pytest.mark.parametrize('loss_fn, x_shape, t, kwargs', [
    (F.softmax_cross_entropy, (3, 4), _labels((3,), 4), {}),
    (F.softmax_cross_entropy, (2, 4, 3), _labels((2, 3), 4), {}),
    (F.softmax_cross_entropy, (2, 4, 3), _labels((2, 3), 4), dict(reduce='no')),
    (F.sigmoid_cross_entropy, (3, 4), _binary_labels((3, 4)), {}),
    (F.sigmoid_cross_entropy, (3, 4), _binary_labels((3, 4)), dict(reduce='no')),
    (F.mean_squared_error, (3, 4), uniform((3, 4), seed=7), {}),
])
def test_both_backward_paths_agree(loss_fn, x_shape, t, kwargs):
    # the array-code gradient and the differentiable one (double backprop) are the same
    x0 = uniform(x_shape, low=-2, high=2)
    grads = []
    for double in (False, True):
        x = minigrad.Variable(x0.copy())
        loss = loss_fn(x, t, **kwargs)
        F.sum(loss * loss).backward(enable_double_backprop=double)
        assert (x.grad_var.creator is not None) == double
        grads.append(x.grad)
    numpy.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-15)
