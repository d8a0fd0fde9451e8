"""Tests of the normalization links (minigrad/links/normalization.py).

LayerNormalization and BatchNormalization: forward against plain NumPy, float64 gradient checks
of the input and of gamma/beta, lazy initialisation, BatchNormalization's running averages in
training against NumPy, evaluation mode using them, fine-tuning averages, use_gamma/use_beta,
persistent values in serialization, and repr.
"""

import numpy
import pytest

import minigrad
import minigrad.links as L
from minigrad import gradient_check
from tests.helpers import cpu, uniform


def _np_layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    return (x - mean) / numpy.sqrt(x.var(axis=-1, keepdims=True) + eps) * gamma + beta


# ---- LayerNormalization ------------------------------------------------------------------

@pytest.mark.parametrize('shape', [(4, 5), (2, 3, 5)])
def test_layer_normalization_forward(xp, shape):
    ln = L.LayerNormalization(5, initial_gamma=numpy.linspace(0.5, 1.5, 5),
                              initial_beta=numpy.linspace(-1, 1, 5))
    if xp is not numpy:
        ln.to_gpu()
    x = uniform(shape, numpy.float32, -2, 2)
    y = ln(xp.asarray(x))
    assert y.shape == shape and y.dtype == numpy.float32
    expected = _np_layer_norm(x.astype(numpy.float64), numpy.linspace(0.5, 1.5, 5),
                              numpy.linspace(-1, 1, 5), 1e-6)
    numpy.testing.assert_allclose(cpu(y), expected, atol=1e-5, rtol=1e-5)


def test_layer_normalization_backward():
    ln = L.LayerNormalization(4, eps=1e-3, initial_gamma=numpy.linspace(0.5, 1.5, 4),
                              initial_beta=0.1)
    gradient_check.check_backward(ln, uniform((3, 4), low=-2, high=2),
                                  params=(ln.gamma, ln.beta))


def test_layer_normalization_lazy_and_defaults():
    ln = L.LayerNormalization()
    assert ln.gamma.array is None and ln.beta.array is None and ln.eps == 1e-6
    ln(numpy.ones((2, 7), numpy.float32))
    assert ln.gamma.shape == ln.beta.shape == (7,)
    numpy.testing.assert_array_equal(ln.gamma.array, 1)
    numpy.testing.assert_array_equal(ln.beta.array, 0)
    assert repr(ln) == 'LayerNormalization(eps=1e-06) {gamma: (7,) float32, beta: (7,) float32}'


# ---- BatchNormalization ------------------------------------------------------------------

def test_batch_normalization_training_and_running_averages(xp):
    bn = L.BatchNormalization(3, decay=0.8, eps=1e-4)
    bn.gamma.array[...] = [0.5, 1.0, 2.0]
    bn.beta.array[...] = [0.1, -0.2, 0.3]
    if xp is not numpy:
        bn.to_gpu()
    mean_ref = numpy.zeros(3)
    var_ref = numpy.ones(3)
    for seed in range(3):
        x = uniform((6, 3), numpy.float32, -2, 2, seed=seed) + seed
        y = bn(xp.asarray(x))
        x64 = x.astype(numpy.float64)
        mu, var = x64.mean(axis=0), x64.var(axis=0)
        expected = (x64 - mu) / numpy.sqrt(var + 1e-4) * [0.5, 1.0, 2.0] + [0.1, -0.2, 0.3]
        numpy.testing.assert_allclose(cpu(y), expected, atol=1e-5, rtol=1e-5)
        mean_ref = 0.8 * mean_ref + 0.2 * mu
        var_ref = 0.8 * var_ref + 0.2 * var * 6 / 5
        numpy.testing.assert_allclose(cpu(bn.avg_mean), mean_ref, rtol=1e-5, atol=1e-6)
        numpy.testing.assert_allclose(cpu(bn.avg_var), var_ref, rtol=1e-5, atol=1e-6)
    assert bn.avg_mean.dtype == numpy.float32 and bn.N == 0


def test_batch_normalization_evaluation_uses_running_averages(xp):
    bn = L.BatchNormalization(3, initial_avg_mean=numpy.array([1., 2., 3.]),
                              initial_avg_var=numpy.array([4., 1., 0.25]))
    if xp is not numpy:
        bn.to_gpu()
    x = uniform((5, 3), numpy.float32, -2, 2)
    with minigrad.using_config('train', False):
        y = bn(xp.asarray(x))
    expected = (x - [1., 2., 3.]) / numpy.sqrt(numpy.array([4., 1., 0.25]) + 2e-5)
    numpy.testing.assert_allclose(cpu(y), expected, atol=1e-5, rtol=1e-5)
    numpy.testing.assert_array_equal(cpu(bn.avg_mean), [1., 2., 3.])     # not updated
    y_train = bn(xp.asarray(x))
    assert not numpy.allclose(cpu(y_train), cpu(y))
    assert not numpy.allclose(cpu(bn.avg_mean), [1., 2., 3.])


@pytest.mark.parametrize('train', [True, False])
def test_batch_normalization_backward(train):
    bn = L.BatchNormalization(3, eps=1e-3, initial_gamma=numpy.array([0.5, 1., 1.5]),
                              initial_beta=numpy.array([0., 0.1, -0.1]),
                              initial_avg_var=numpy.array([0.5, 1., 2.]))
    with minigrad.using_config('train', train):
        gradient_check.check_backward(bn, uniform((4, 3, 2), low=-2, high=2),
                                      params=(bn.gamma, bn.beta))


def test_batch_normalization_lazy_4d_and_axis():
    bn = L.BatchNormalization()
    assert bn.avg_mean is None and bn.gamma.array is None
    x = uniform((2, 3, 4, 5), numpy.float32)
    bn(x)
    assert bn.gamma.shape == bn.avg_mean.shape == bn.avg_var.shape == (3,)
    numpy.testing.assert_allclose(bn.avg_mean, 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-5)
    per_feature = L.BatchNormalization(axis=0)
    y = per_feature(x)
    assert per_feature.gamma.shape == (3, 4, 5)
    numpy.testing.assert_allclose(y.array.mean(axis=0), 0, atol=1e-5)


def test_batch_normalization_without_gamma_and_beta():
    bn = L.BatchNormalization(2, use_gamma=False, use_beta=False)
    assert bn.gamma is None and bn.beta is None and list(bn.params()) == []
    x = uniform((4, 2))                 # float64 input with float32 statistics
    y = bn(x)
    numpy.testing.assert_allclose(y.array, (x - x.mean(0)) / numpy.sqrt(x.var(0) + 2e-5))
    with minigrad.using_config('train', False):
        assert bn(x).dtype == numpy.float64


def test_batch_normalization_finetune():
    bn = L.BatchNormalization(2)
    batches = [uniform((4, 2), numpy.float32, seed=s) + s for s in range(3)]
    for x in batches:
        bn(x, finetune=True)
    assert bn.N == 3
    means = numpy.mean([x.mean(axis=0) for x in batches], axis=0)
    numpy.testing.assert_allclose(bn.avg_mean, means, rtol=1e-5)
    bn.start_finetuning()
    assert bn.N == 0
    bn(batches[0], finetune=True)           # decay 0: the averages restart from this batch
    numpy.testing.assert_allclose(bn.avg_mean, batches[0].mean(axis=0), rtol=1e-5)


def test_batch_normalization_persistents_and_repr():
    bn = L.BatchNormalization(3, dtype=numpy.float64)
    assert bn.gamma.dtype == bn.avg_mean.dtype == numpy.float64
    saved = {}

    def saver(key, value):
        saved[key] = value
        return value

    bn.serialize(saver)
    assert sorted(saved) == ['N', 'avg_mean', 'avg_var', 'beta', 'gamma']
    lazy = {}
    L.BatchNormalization().serialize(lambda k, v: lazy.setdefault(k, v))
    assert lazy['avg_mean'] is None and lazy['gamma'] is None
    assert repr(bn) == ('BatchNormalization(decay=0.9, eps=2e-05) '
                        '{gamma: (3,) float64, beta: (3,) float64}')
    c = bn.copy(mode='copy')
    assert c.avg_mean is not bn.avg_mean
    numpy.testing.assert_array_equal(c.avg_var, bn.avg_var)
