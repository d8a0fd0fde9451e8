"""Tests of Evaluator: means against a NumPy reference, no graph, train off, state untouched."""

import doctest

import numpy
import pytest

import minigrad
import minigrad.links as L
from minigrad import reporter
from minigrad.training import ParallelSequentialIterator, SerialIterator
from minigrad.training.extensions import Evaluator, LogReport
from minigrad.training.extensions import evaluator as evaluator_module
from tests.minigrad.training import lm
from tests.minigrad.training.extensions.helpers import make_trainer


def _data(n=10, seed=0):
    rs = numpy.random.RandomState(seed)
    x = rs.randn(n, 3).astype(numpy.float32)
    t = rs.randint(0, 4, n).astype(numpy.int32)
    return x, t


def _numpy_loss_and_accuracy(W, b, x, t):
    y = x.astype(numpy.float64) @ W.T + b
    y -= y.max(axis=1, keepdims=True)
    log_p = y - numpy.log(numpy.exp(y).sum(axis=1, keepdims=True))
    return -log_p[numpy.arange(len(t)), t].mean(), (y.argmax(axis=1) == t).mean()


def test_result_is_the_mean_over_batches_of_a_numpy_reference():
    x, t = _data(10)
    model = L.Classifier(L.Linear(3, 4))
    it = SerialIterator(list(zip(x, t)), 4, repeat=False, shuffle=False)
    result = Evaluator(it, model)()
    W, b = model.predictor.W.array, model.predictor.b.array
    batches = [slice(0, 4), slice(4, 8), slice(8, 10)]
    refs = [_numpy_loss_and_accuracy(W, b, x[s], t[s]) for s in batches]
    # each batch counts once, as in Chainer (not weighted by its size)
    assert result['main/loss'] == pytest.approx(numpy.mean([r[0] for r in refs]), rel=1e-5)
    assert result['main/accuracy'] == pytest.approx(numpy.mean([r[1] for r in refs]))
    assert Evaluator(it, model)() == result        # the iterator is reset every time


def test_no_graph_and_train_off_inside_and_restored_after():
    x, t = _data(4)
    seen = []

    def eval_func(x, t):
        y = model.predictor(x)
        seen.append((minigrad.config.enable_backprop, minigrad.config.train, y.creator))
        reporter.report({'n': float(len(x))})

    model = L.Classifier(L.Linear(3, 4))
    it = SerialIterator(list(zip(x, t)), 2, repeat=False, shuffle=False)
    result = Evaluator(it, model, eval_func=eval_func).evaluate()
    assert seen == [(False, False, None)] * 2
    assert result == {'n': 2.0}
    assert minigrad.config.enable_backprop and minigrad.config.train


def test_recurrent_target_state_is_untouched_and_each_evaluation_starts_fresh():
    model = lm.make_model(seed=0, dropout=0.5)
    corpus = lm.corpus(30)
    with minigrad.no_backprop_mode():
        model(corpus[:3], corpus[1:4])                   # the training run has some state
    rnn = model.predictor.rnn
    h, c = rnn.h, rnn.c
    h_values = h.array.copy()
    val_iter = ParallelSequentialIterator(corpus, 3, repeat=False)
    evaluator = Evaluator(val_iter, model)
    first = evaluator()
    assert rnn.h is h and rnn.c is c                      # the very same state objects
    numpy.testing.assert_array_equal(rnn.h.array, h_values)
    assert evaluator() == first                           # zero state again, no dropout

    # the reference: a fresh copy from zero state, train off, run over the whole corpus
    ref = lm.make_model(seed=0, dropout=0.5)
    ref.copyparams(model)
    losses = []
    with minigrad.using_config('train', False), minigrad.no_backprop_mode():
        for batch in ParallelSequentialIterator(corpus, 3, repeat=False):
            x = numpy.array([w for w, _ in batch])
            t = numpy.array([n for _, n in batch])
            losses.append(float(ref(x, t).array))
    assert first['main/loss'] == pytest.approx(numpy.mean(losses), rel=1e-6)


def test_in_a_trainer_values_are_prefixed_with_the_name(tmp_path):
    x, t = _data(8)
    model = L.Classifier(L.Linear(3, 4))
    trainer = make_trainer(tmp_path, stop=(2, 'epoch'))
    val = SerialIterator(list(zip(x, t)), 4, repeat=False, shuffle=False)
    trainer.extend(Evaluator(val, model))
    trainer.extend(Evaluator(val, {'main': model}), name='test', trigger=(1, 'iteration'))
    log = LogReport(keys=['validation/main/loss', 'test/main/accuracy'])
    trainer.extend(log)
    trainer.run()
    assert [sorted(e)[-2:] for e in log.log] == [['test/main/accuracy',
                                                  'validation/main/loss']] * 2
    W, b = model.predictor.W.array, model.predictor.b.array
    expected = numpy.mean([_numpy_loss_and_accuracy(W, b, x[s], t[s])[0]
                           for s in (slice(0, 4), slice(4, 8))])
    assert log.log[0]['validation/main/loss'] == pytest.approx(expected, rel=1e-5)


def test_hooks_and_errors():
    x, t = _data(4)
    model = L.Classifier(L.Linear(3, 4))
    calls = []
    it = SerialIterator(list(zip(x, t)), 2, repeat=False)
    Evaluator(it, model, eval_hook=lambda ev: calls.append(ev)).evaluate()
    assert len(calls) == 1
    with pytest.raises(ValueError, match='repeat=False'):
        Evaluator(SerialIterator(list(zip(x, t)), 2), model).evaluate()
    with pytest.raises(ValueError, match="'main'"):
        Evaluator({'val': it}, model)


def test_docstring_examples():
    result = doctest.testmod(evaluator_module)
    assert result.attempted >= 3 and result.failed == 0
