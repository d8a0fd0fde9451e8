"""Tests of the Classifier link (minigrad/links/classifier.py).

Loss and accuracy against plain NumPy, label_key by position and by keyword, compute_accuracy,
the report hook, custom loss functions, gradients reaching the predictor, and the errors.
"""

import numpy
import pytest

import minigrad.functions as F
import minigrad.links as L
from tests.helpers import uniform


def _np_softmax_cross_entropy(y, t):
    y = y - y.max(axis=1, keepdims=True)
    logp = y - numpy.log(numpy.exp(y).sum(axis=1, keepdims=True))
    return -logp[numpy.arange(len(t)), t].mean()


def test_loss_and_accuracy():
    model = L.Classifier(L.Linear(3, 4))
    x = uniform((6, 3), numpy.float32)
    t = numpy.array([0, 1, 2, 3, 0, 1], dtype=numpy.int32)
    loss = model(x, t)
    assert loss is model.loss
    y = x.astype(numpy.float64) @ model.predictor.W.array.T + model.predictor.b.array
    numpy.testing.assert_allclose(model.y.array, y, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(loss.array, _np_softmax_cross_entropy(y, t), rtol=1e-5)
    assert float(model.accuracy.array) == pytest.approx((y.argmax(axis=1) == t).mean())
    model.cleargrads()
    loss.backward()
    assert model.predictor.W.grad is not None and model.predictor.W.grad.shape == (4, 3)
    assert [n for n, _ in model.namedparams()] == ['/predictor/W', '/predictor/b']


class TwoInputs(L.Linear):
    def forward(self, x, scale=1.0):
        return super().forward(x) * scale


def test_label_key_position_and_keyword():
    x = uniform((4, 3), numpy.float32)
    t = numpy.array([0, 1, 1, 0], dtype=numpy.int32)
    predictor = TwoInputs(3, 2)
    by_first = L.Classifier(predictor, label_key=0)
    loss0 = by_first(t, x).array
    by_kw = L.Classifier(predictor, label_key='t')
    loss1 = by_kw(x, t=t).array
    loss2 = L.Classifier(predictor)(x, t).array
    assert loss0 == loss1 == loss2
    scaled = by_kw(x, scale=2.0, t=t).array
    assert scaled != loss1


def test_compute_accuracy_flag_and_report_hook():
    reports = []

    class Recording(L.Classifier):
        def report(self, values):
            reports.append(sorted(values))

    model = Recording(L.Linear(3, 2))
    x = uniform((4, 3), numpy.float32)
    t = numpy.array([0, 1, 1, 0], dtype=numpy.int32)
    model(x, t)
    model.compute_accuracy = False
    model(x, t)
    assert model.accuracy is None
    assert reports == [['accuracy', 'loss'], ['loss']]


def test_custom_lossfun():
    model = L.Classifier(L.Linear(2, 1), lossfun=F.mean_squared_error)
    model.compute_accuracy = False
    x = numpy.ones((3, 2), numpy.float32)
    t = numpy.zeros((3, 1), numpy.float32)
    loss = model(x, t)
    numpy.testing.assert_allclose(loss.array, (model.y.array ** 2).mean(), rtol=1e-6)


def test_errors():
    with pytest.raises(TypeError, match='label_key must be an int or a str, got float'):
        L.Classifier(L.Linear(2, 2), label_key=1.0)
    model = L.Classifier(L.Linear(2, 2), label_key=2)
    with pytest.raises(ValueError, match='label_key 2 is out of range for 2 positional'):
        model(numpy.ones((1, 2), numpy.float32), numpy.zeros(1, numpy.int32))
    model = L.Classifier(L.Linear(2, 2), label_key='t')
    with pytest.raises(ValueError, match="label_key 't' is not among the keyword"):
        model(numpy.ones((1, 2), numpy.float32))
