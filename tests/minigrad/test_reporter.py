"""Tests of minigrad.reporter: Reporter, report, report_scope, Summary, DictSummary."""

import doctest
import io
import threading

import numpy
import pytest

import minigrad
import minigrad.links as L
from minigrad import reporter
from minigrad.reporter import DictSummary, Reporter, Summary
from minigrad.serializers import DictionarySerializer, NpzDeserializer, load_npz, save_npz


def test_report_without_reporter_does_nothing():
    reporter.report({'loss': 1.0})          # must not raise
    with pytest.raises(RuntimeError, match='no reporter is active'):
        reporter.get_current_reporter()
    with pytest.raises(RuntimeError, match='no reporter is active'):
        with reporter.report_scope({}):
            pass


def test_observer_names_prefix_the_keys():
    model = minigrad.Chain(child=minigrad.Link())
    rep = Reporter()
    rep.add_observer('main', model)
    rep.add_observers('main', model.namedlinks(skipself=True))
    obs = {}
    with rep.scope(obs):
        reporter.report({'a': 1.0}, model)
        reporter.report({'b': 2.0}, model.child)
        reporter.report({'c': 3.0})
    assert obs == {'main/a': 1.0, 'main/child/b': 2.0, 'c': 3.0}
    assert rep.observation == {}            # restored after the scope


def test_unregistered_observer_is_a_key_error_naming_its_type():
    rep = Reporter()
    with rep.scope({}):
        with pytest.raises(KeyError, match='Link'):
            reporter.report({'a': 1.0}, minigrad.Link())


def test_reported_variable_has_no_graph():
    x = minigrad.Variable(numpy.array([1.0, 2.0]))
    loss = (x * x).array.sum()
    y = minigrad.functions.sum(x * x)
    assert y.creator is not None
    rep, obs = Reporter(), {}
    with rep.scope(obs):
        reporter.report({'y': y})
    assert obs['y'].creator is None
    assert obs['y'].array is y.array
    assert float(obs['y'].array) == loss


def test_nested_scopes_and_report_scope():
    outer_rep, inner_rep = Reporter(), Reporter()
    outer, inner, redirected = {}, {}, {}
    with outer_rep.scope(outer):
        with inner_rep.scope(inner):
            reporter.report({'x': 1})
            with reporter.report_scope(redirected):
                reporter.report({'z': 3})
            assert reporter.get_current_reporter() is inner_rep
        reporter.report({'y': 2})
    assert (outer, inner, redirected) == ({'y': 2}, {'x': 1}, {'z': 3})


def test_reporters_are_per_thread():
    rep, obs = Reporter(), {}
    seen = []

    def worker():
        reporter.report({'from_thread': 1})          # no reporter in this thread
        try:
            reporter.get_current_reporter()
        except RuntimeError:
            seen.append('none')

    with rep.scope(obs):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert obs == {} and seen == ['none']


def test_classifier_reports_loss_and_accuracy():
    model = L.Classifier(L.Linear(3, 4))
    x = numpy.random.RandomState(0).rand(5, 3).astype(numpy.float32)
    t = numpy.array([0, 1, 2, 3, 0], dtype=numpy.int32)
    rep = Reporter()
    rep.add_observer('main', model)
    obs = {}
    with rep.scope(obs):
        loss = model(x, t)
    assert sorted(obs) == ['main/accuracy', 'main/loss']
    assert float(obs['main/loss'].array) == float(loss.array)
    y = x @ model.predictor.W.array.T + model.predictor.b.array
    assert float(obs['main/accuracy'].array) == pytest.approx(numpy.mean(y.argmax(1) == t))
    model(x, t)          # outside any reporter: no error, nothing recorded
    assert len(obs) == 2


def test_summary_matches_numpy():
    values = numpy.random.RandomState(1).randn(20)
    s = Summary()
    for v in values[:10]:
        s.add(numpy.float32(v))
    for v in values[10:]:
        s.add(minigrad.Variable(numpy.array(v)))
    f32 = numpy.concatenate([values[:10].astype(numpy.float32), values[10:]]).astype(float)
    mean, std = s.make_statistics()
    assert mean == pytest.approx(f32.mean(), rel=1e-12)
    assert std == pytest.approx(f32.std(), rel=1e-9)
    assert s.compute_mean() == mean


def test_summary_weights_and_empty():
    s = Summary()
    with pytest.raises(ValueError, match='no value'):
        s.compute_mean()
    s.add(1.0, weight=3)
    s.add(5.0)
    assert s.compute_mean() == pytest.approx((3 * 1.0 + 5.0) / 4)


def test_dict_summary_skips_non_scalars_and_uses_weights():
    s = DictSummary()
    s.add({'loss': 1.0, 'img': numpy.zeros((2, 2)), 'name': 'x', 'acc': (0.2, 3)})
    s.add({'loss': numpy.array(3.0), 'acc': 1.0})
    assert s.compute_mean() == pytest.approx({'loss': 2.0, 'acc': (0.6 + 1.0) / 4})
    stats = s.make_statistics()
    assert stats['loss.std'] == pytest.approx(1.0)


def test_dict_summary_serialize_round_trip_is_exact():
    s = DictSummary()
    for v in (0.1, 0.2, 1 / 3):
        s.add({'a': v, 'b': 2 * v})
    buf = io.BytesIO()
    save_npz(buf, s)
    buf.seek(0)
    fresh = DictSummary()
    load_npz(buf, fresh)
    assert fresh.compute_mean() == s.compute_mean()          # exact: floats through JSON
    fresh.add({'a': 1.0})
    s.add({'a': 1.0})
    assert fresh.compute_mean() == s.compute_mean()


def test_summary_serialize_round_trip():
    s = Summary()
    s.add(2.0)
    s.add(4.0)
    saver = DictionarySerializer()
    s.serialize(saver)
    fresh = Summary()
    NpzDeserializer(saver.target).load(fresh)
    assert fresh.make_statistics() == s.make_statistics()


def test_docstring_examples():
    result = doctest.testmod(reporter)
    assert result.attempted >= 10 and result.failed == 0
