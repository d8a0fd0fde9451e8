"""Tests of StandardUpdater and BPTTUpdater."""

import doctest

import numpy
import pytest

import minigrad
import minigrad.functions as F
import minigrad.links as L
import minigrad.optimizers as O
from minigrad import reporter
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad.training import (
    BPTTUpdater,
    ParallelSequentialIterator,
    SerialIterator,
    StandardUpdater,
    concat_examples,
)
from minigrad.training import updaters as updaters_module
from tests.minigrad.training import lm


def _regression_data(n=64, seed=0):
    rs = numpy.random.RandomState(seed)
    x = rs.uniform(-1, 1, (n, 3)).astype(numpy.float32)
    w = numpy.array([[1.5, -2.0, 0.5]], dtype=numpy.float32)
    y = (x @ w.T + 0.3).astype(numpy.float32)
    return x, y, w


def test_linear_regression_converges():
    x, y, w = _regression_data()
    model = L.Linear(3, 1)
    optimizer = O.SGD(lr=0.2).setup(model)

    def loss_func(x, t):
        return F.mean_squared_error(model(x), t)

    updater = StandardUpdater(SerialIterator(list(zip(x, y)), 16), optimizer,
                              loss_func=loss_func)
    first = float(loss_func(x, y).array)
    for _ in range(300):
        updater.update()
    assert updater.iteration == 300 and updater.epoch == 75
    assert float(loss_func(x, y).array) < 1e-4 * first
    numpy.testing.assert_allclose(model.W.array, w, atol=1e-2)
    numpy.testing.assert_allclose(model.b.array, [0.3], atol=1e-2)


def test_default_loss_func_is_the_target_and_reports():
    x = numpy.random.RandomState(0).rand(6, 2).astype(numpy.float32)
    t = numpy.array([0, 1, 0, 1, 0, 1], dtype=numpy.int32)
    model = L.Classifier(L.Linear(2, 2))
    updater = StandardUpdater(SerialIterator(list(zip(x, t)), 3, shuffle=False),
                              O.SGD().setup(model))
    rep = reporter.Reporter()
    rep.add_observer('main', model)
    obs = {}
    W0 = model.predictor.W.array.copy()
    with rep.scope(obs):
        updater.update()
    expected = F.softmax_cross_entropy(x[:3] @ W0.T + 0, t[:3])
    assert float(obs['main/loss'].array) == pytest.approx(float(expected.array), rel=1e-5)
    assert not numpy.array_equal(model.predictor.W.array, W0)


def test_dict_and_single_array_batches_are_passed_as_kwargs_and_one_argument():
    calls = []
    model = L.Linear(2, 1)

    def loss_func(*args, **kwargs):
        calls.append((len(args), sorted(kwargs)))
        x = args[0] if args else kwargs['x']
        return F.sum(model(x))

    data = [{'x': numpy.ones(2, numpy.float32)}] * 4
    StandardUpdater(SerialIterator(data, 2), O.SGD().setup(model), loss_func=loss_func).update()
    data = [numpy.ones(2, numpy.float32)] * 4
    StandardUpdater(SerialIterator(data, 2), O.SGD().setup(model), loss_func=loss_func).update()
    assert calls == [(0, ['x']), (1, [])]


def test_new_epoch_is_told_to_the_optimizer():
    model = L.Linear(1, 1)
    optimizer = O.SGD().setup(model)
    data = [numpy.ones(1, numpy.float32)] * 4
    updater = StandardUpdater(SerialIterator(data, 2), optimizer,
                              loss_func=lambda x: F.sum(model(x)))
    assert optimizer.use_auto_new_epoch
    epochs = []
    for _ in range(5):
        updater.update()
        epochs.append(optimizer.epoch)
    assert epochs == [0, 1, 1, 2, 2]
    assert updater.is_new_epoch is False and updater.epoch_detail == pytest.approx(2.5)


def test_updater_serialize_round_trip():
    x, y, _ = _regression_data(8)

    def make():
        numpy.random.seed(0)
        model = L.Linear(3, 1)
        opt = O.Adam().setup(model)
        it = SerialIterator(list(zip(x, y)), 3)
        return model, StandardUpdater(it, opt, loss_func=lambda a, b: F.mean_squared_error(
            model(a), b))

    model, updater = make()
    for _ in range(4):
        updater.update()
    saver = DictionarySerializer()
    updater.serialize(saver)
    assert {'iteration', 'iterator:main/order', 'optimizer:main/t', 'model:main/W'} \
        <= set(saver.target)
    model2, updater2 = make()
    NpzDeserializer({k: numpy.array(v) for k, v in saver.target.items()}).load(updater2)
    assert updater2.iteration == 4 and updater2.epoch == updater.epoch
    numpy.testing.assert_array_equal(model2.W.array, model.W.array)
    state = numpy.random.get_state()
    updater.update()
    numpy.random.set_state(state)
    updater2.update()
    numpy.testing.assert_array_equal(model2.W.array, model.W.array)


def test_bad_arguments():
    model = L.Linear(1, 1)
    it = SerialIterator([numpy.ones(1)], 1)
    with pytest.raises(ValueError, match='setup'):
        StandardUpdater(it, O.SGD())
    with pytest.raises(TypeError, match='must be an Optimizer'):
        StandardUpdater(it, model)
    with pytest.raises(TypeError, match='must be an iterator'):
        StandardUpdater([1, 2], O.SGD().setup(model))
    with pytest.raises(ValueError, match="'main'"):
        StandardUpdater({'train': it}, O.SGD().setup(model))
    updater = StandardUpdater(it, O.SGD().setup(model))
    with pytest.raises(KeyError, match="no optimizer 'other'"):
        updater.get_optimizer('other')
    assert updater.get_iterator('main') is it
    with pytest.raises(ValueError, match='bprop_len'):
        BPTTUpdater(it, O.SGD().setup(model), 0)
    with pytest.raises(TypeError, match='bprop_len must be a positive int, got 2.5'):
        BPTTUpdater(it, O.SGD().setup(model), 2.5)
    assert BPTTUpdater(it, O.SGD().setup(model), numpy.int64(5)).bprop_len == 5   # a NumPy int


# ---- BPTTUpdater ----------------------------------------------------------------------------

def _hand_bptt(model, optimizer, corpus, batch_size, bprop_len, n_updates):
    """Truncated BPTT written out by hand: the reference for BPTTUpdater."""
    offsets = [i * len(corpus) // batch_size for i in range(batch_size)]
    position = 0
    losses = []
    for _ in range(n_updates):
        loss = 0
        for _ in range(bprop_len):
            x = corpus[[(o + position) % len(corpus) for o in offsets]]
            t = corpus[[(o + position + 1) % len(corpus) for o in offsets]]
            loss = loss + model(x, t)
            position += 1
        model.cleargrads()
        loss.backward()
        loss.unchain_backward()
        optimizer.update()
        losses.append(float(loss.array) / bprop_len)
    return losses


def test_bptt_updater_matches_hand_written_truncated_bptt():
    corpus = lm.corpus(60)
    model = lm.make_model(seed=0)
    updater = BPTTUpdater(ParallelSequentialIterator(corpus, 4), O.Adam().setup(model), 5)
    rep = reporter.Reporter()
    rep.add_observer('main', model)
    rep.add_observers('main', model.namedlinks(skipself=True))
    reported = []
    for _ in range(3):
        obs = {}
        with rep.scope(obs):
            updater.update()
        reported.append(float(obs['main/loss']))

    ref_model = lm.make_model(seed=0)
    ref = _hand_bptt(ref_model, O.Adam().setup(ref_model), corpus, 4, 5, 3)
    assert reported == pytest.approx(ref, rel=1e-6)
    for (name, p), (_, q) in zip(model.namedparams(), ref_model.namedparams()):
        numpy.testing.assert_allclose(p.array, q.array, rtol=1e-5, atol=1e-6, err_msg=name)
    assert updater.iteration == 3
    assert updater.get_iterator('main').iteration == 15
    assert updater.epoch_detail == pytest.approx(15 * 4 / 60)


def test_bptt_updater_cuts_the_graph_and_keeps_the_state():
    model = lm.make_model(seed=1)
    rnn = model.predictor.rnn
    updater = BPTTUpdater(ParallelSequentialIterator(lm.corpus(40), 2), O.SGD().setup(model), 4)
    updater.update()
    h1 = rnn.h
    # the state survives the update (no reset) but has no history: the graph is bounded
    assert h1 is not None and h1.creator is None and rnn.c.creator is None
    assert model.loss.creator is None
    updater.update()
    assert rnn.h is not h1 and rnn.h.creator is None
    assert not numpy.array_equal(rnn.h.array, numpy.zeros_like(rnn.h.array))


def test_bptt_updater_reports_main_loss_without_registration():
    model = lm.make_model(seed=2)
    model.compute_accuracy = False
    updater = BPTTUpdater(ParallelSequentialIterator(lm.corpus(40), 2), O.SGD().setup(model), 3)
    updater.update()                       # no reporter at all: fine
    rep = reporter.Reporter()
    rep.add_observer('main', model)
    obs = {}
    with rep.scope(obs):
        updater.update()
    assert list(obs) == ['main/loss'] and numpy.isfinite(float(obs['main/loss']))


def test_bptt_with_loss_func_and_converter():
    model = lm.make_model(seed=3)
    seen = []

    def converter(batch, device):
        seen.append(device)
        return concat_examples(batch, device)

    def loss_func(x, t):
        return F.softmax_cross_entropy(model.predictor(x), t)

    updater = BPTTUpdater(ParallelSequentialIterator(lm.corpus(40), 2), O.SGD().setup(model), 3,
                          converter=converter, device=-1, loss_func=loss_func)
    updater.update()
    assert seen == [-1, -1, -1]
    assert isinstance(model.predictor.rnn.h, minigrad.Variable)


def test_docstring_examples():
    result = doctest.testmod(updaters_module)
    assert result.attempted >= 8 and result.failed == 0
