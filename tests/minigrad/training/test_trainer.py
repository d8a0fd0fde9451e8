"""Tests of the Trainer loop, extension registration, and the triggers."""

import doctest

import numpy
import pytest

import minigrad.functions as F
import minigrad.links as L
import minigrad.optimizers as O
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad.training import (
    PRIORITY_READER,
    PRIORITY_WRITER,
    Extension,
    SerialIterator,
    StandardUpdater,
    Trainer,
    extensions,
    make_extension,
    triggers,
)
from minigrad.training import extension as extension_module
from minigrad.training import trainer as trainer_module


def _trainer(tmp_path, stop=(10, 'iteration'), n=10, batch_size=4, classifier=False):
    rs = numpy.random.RandomState(0)
    x = rs.rand(n, 2).astype(numpy.float32)
    t = (x[:, 0] > 0.5).astype(numpy.int32)
    if classifier:
        model = L.Classifier(L.Linear(2, 2))
        loss_func = None
    else:
        model = L.Linear(2, 1)

        def loss_func(x, t):
            return F.sum(model(x))
    it = SerialIterator(list(zip(x, t)), batch_size, shuffle=False)
    updater = StandardUpdater(it, O.SGD(lr=0.01).setup(model), loss_func=loss_func)
    return Trainer(updater, stop, out=str(tmp_path / 'out'))


class Recorder(Extension):
    def __init__(self, log, label='rec'):
        self.log = log
        self.label = label

    def __call__(self, trainer):
        self.log.append((self.label, trainer.updater.iteration))


def test_iteration_trigger_calls_at_the_right_iterations(tmp_path):
    trainer = _trainer(tmp_path, stop=(10, 'iteration'))
    calls = []
    trainer.extend(Recorder(calls), trigger=(3, 'iteration'))
    trainer.run()
    assert calls == [('rec', 3), ('rec', 6), ('rec', 9)]
    assert trainer.updater.iteration == 10
    assert (tmp_path / 'out').is_dir()


def test_epoch_trigger_and_epoch_stop(tmp_path):
    # 10 examples, batches of 4: epoch_detail 0.4, 0.8, 1.2, 1.6, 2.0
    trainer = _trainer(tmp_path, stop=(2, 'epoch'))
    calls = []
    trainer.extend(Recorder(calls), trigger=(1, 'epoch'))
    half = []
    trainer.extend(Recorder(half, 'half'), trigger=(0.5, 'epoch'))
    trainer.run()
    assert calls == [('rec', 3), ('rec', 5)]
    assert half == [('half', 2), ('half', 3), ('half', 4), ('half', 5)]   # at 0.8 1.2 1.6 2.0
    assert trainer.updater.iteration == 5


def test_default_trigger_is_every_iteration_and_priorities_order_calls(tmp_path):
    trainer = _trainer(tmp_path, stop=(2, 'iteration'))
    calls = []
    trainer.extend(lambda tr: calls.append(('reader', tr.updater.iteration)), name='reader')
    writer = Recorder(calls, 'writer')
    writer.priority = PRIORITY_WRITER
    trainer.extend(writer)
    trainer.extend(lambda tr: calls.append(('last', tr.updater.iteration)), name='last',
                   priority=PRIORITY_READER - 1)
    trainer.run()
    assert calls == [('writer', 1), ('reader', 1), ('last', 1),
                     ('writer', 2), ('reader', 2), ('last', 2)]


def test_names_are_made_unique_and_reserved_names_refused(tmp_path):
    trainer = _trainer(tmp_path)
    a, b = Recorder([]), Recorder([])
    trainer.extend(a)
    trainer.extend(b)
    assert (a.name, b.name) == ('Recorder', 'Recorder_1')
    assert trainer.get_extension('Recorder_1') is b
    with pytest.raises(ValueError, match="no extension named 'nope'"):
        trainer.get_extension('nope')
    with pytest.raises(ValueError, match='reserved'):
        trainer.extend(Recorder([]), name='training')
    with pytest.raises(TypeError, match='must be callable'):
        trainer.extend(42)


def test_make_extension_initializer_finalizer_and_call_before_training(tmp_path):
    trainer = _trainer(tmp_path, stop=(4, 'iteration'))
    events = []

    @make_extension(trigger=(2, 'iteration'), priority=PRIORITY_WRITER,
                    initializer=lambda tr: events.append('init'),
                    finalizer=lambda: events.append('final'))
    def every_two(tr):
        events.append(tr.updater.iteration)

    trainer.extend(every_two, call_before_training=True)
    trainer.run()
    assert events == ['init', 0, 2, 4, 'final']
    assert trainer.get_extension('every_two') is every_two


def test_observation_holds_reported_values(tmp_path):
    trainer = _trainer(tmp_path, stop=(3, 'iteration'), classifier=True)
    seen = []
    trainer.extend(lambda tr: seen.append(sorted(tr.observation)), name='peek')
    trainer.run()
    assert seen == [['main/accuracy', 'main/loss']] * 3


def test_run_does_not_swallow_exceptions(tmp_path, capsys):
    trainer = _trainer(tmp_path, stop=(10, 'iteration'))
    events = []

    class Failing(Extension):
        def __call__(self, tr):
            if tr.updater.iteration == 3:
                raise ValueError('boom at 3')

        def on_error(self, tr, exc, tb):
            events.append(('on_error', str(exc)))

        def finalize(self):
            events.append('finalize')

    trainer.extend(Failing())
    with pytest.raises(ValueError, match='boom at 3'):
        trainer.run()
    assert events == [('on_error', 'boom at 3'), 'finalize']
    assert trainer.updater.iteration == 3
    assert 'at iteration 3' in capsys.readouterr().err


def test_run_twice_is_refused(tmp_path):
    trainer = _trainer(tmp_path, stop=(1, 'iteration'))
    trainer.run()
    assert trainer.elapsed_time >= 0
    with pytest.raises(RuntimeError, match='already run'):
        trainer.run()


def test_trainer_serialize_includes_everything(tmp_path):
    trainer = _trainer(tmp_path, stop=(3, 'iteration'))
    trainer.run()
    saver = DictionarySerializer()
    trainer.serialize(saver)
    keys = set(saver.target)
    assert {'updater/iteration', 'updater/model:main/W', 'updater/optimizer:main/t',
            'updater/iterator:main/current_position', 'stop_trigger/previous_iteration',
            '_snapshot_elapsed_time', 'random/keys', 'random/pos'} <= keys


def test_numpy_random_state_round_trip():
    numpy.random.seed(5)
    numpy.random.randn()              # leaves a cached gaussian
    saver = DictionarySerializer()
    trainer_module.serialize_numpy_random(saver)
    expected = numpy.random.randn(3)
    numpy.random.seed(0)
    trainer_module.serialize_numpy_random(NpzDeserializer(saver.target))
    numpy.testing.assert_array_equal(numpy.random.randn(3), expected)


# ---- triggers -------------------------------------------------------------------------------

class _Fake:
    """A trainer-like object driven by hand: updater.iteration / epoch_detail, observation."""

    def __init__(self, iters_per_epoch=4):
        self.per_epoch = iters_per_epoch
        self.updater = self
        self.iteration = 0
        self.epoch_detail = 0.0
        self.observation = {}

    def step(self, **observation):
        self.iteration += 1
        self.epoch_detail = self.iteration / self.per_epoch
        self.observation = observation


def test_interval_trigger_serialize_resumes_the_schedule():
    trigger = triggers.IntervalTrigger(3, 'iteration')
    fake = _Fake()
    for _ in range(4):
        fake.step()
        trigger(fake)
    saver = DictionarySerializer()
    trigger.serialize(saver)
    fresh = triggers.IntervalTrigger(3, 'iteration')
    NpzDeserializer(saver.target).load(fresh)
    fired = []
    for _ in range(5):
        fake.step()
        fired.append(fresh(fake))
    assert fired == [False, True, False, False, True]      # iterations 6 and 9
    assert fresh.get_training_length() == (3, 'iteration')


@pytest.mark.parametrize('period, per_epoch, expected', [
    (0.2, 10, list(range(2, 41, 2))),
    (0.1, 10, list(range(1, 41))),
    (0.3, 10, [3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39]),
    (0.5, 4, [2, 4, 6, 8, 10, 12, 14, 16]),
])
def test_interval_trigger_fractional_epochs(period, per_epoch, expected):
    # every multiple of the period, once: in floating point 0.3 // 0.1 is 2.0, which made the
    # trigger fire late or skip a multiple
    trigger = triggers.IntervalTrigger(period, 'epoch')
    fake = _Fake()
    fake.per_epoch = per_epoch
    fired = []
    for i in range(1, 4 * per_epoch + 1):
        fake.step()
        if trigger(fake):
            fired.append(i)
    assert fired == expected


def test_triggers_on_an_updater_that_has_run_wait_for_the_next_point(tmp_path):
    # a second Trainer on the same updater: its triggers used to compare iteration 13 with 0
    # and fire at once, and LogReport logged a one-iteration "epoch"
    first = _trainer(tmp_path, stop=(12, 'iteration'), n=10, batch_size=2, classifier=True)
    first.run()
    second = Trainer(first.updater, (20, 'iteration'), out=str(tmp_path / 'out2'))
    calls = []
    second.extend(Recorder(calls), trigger=(5, 'iteration'))
    second.extend(Recorder(calls, 'manual'),
                  trigger=triggers.ManualScheduleTrigger([5, 15], 'iteration'))
    second.extend(extensions.LogReport())
    second.run()
    assert calls == [('rec', 15), ('manual', 15), ('rec', 20)]
    assert [(e['epoch'], e['iteration']) for e in second.get_extension('LogReport').log] == [
        (3, 15), (4, 20)]


def test_manual_schedule_trigger():
    trigger = triggers.ManualScheduleTrigger([2, 5], 'iteration')
    fake = _Fake()
    fired = []
    for _ in range(6):
        fake.step()
        fired.append(trigger(fake))
    assert fired == [False, True, False, False, True, False]
    assert trigger.finished
    epoch = triggers.ManualScheduleTrigger(1.5, 'epoch')     # at 6 iterations of 4 per epoch
    fake = _Fake()
    fired = []
    for _ in range(8):
        fake.step()
        fired.append(epoch(fake))
    assert [i + 1 for i, f in enumerate(fired) if f] == [6]


def test_min_and_max_value_triggers():
    values = [3.0, 2.0, 2.5, 1.0]
    fake = _Fake()
    mins = triggers.MinValueTrigger('loss', trigger=(1, 'iteration'))
    maxs = triggers.MaxValueTrigger('loss', trigger=(1, 'iteration'))
    fired_min, fired_max = [], []
    for v in values:
        fake.step(loss=v)
        fired_min.append(mins(fake))
        fired_max.append(maxs(fake))
    assert fired_min == [True, True, False, True]
    assert fired_max == [True, False, False, False]
    # the mean over the interval is compared: (3 + 1) / 2 = 2 after 2.5 is not a new best
    mean_trigger = triggers.MinValueTrigger('loss', trigger=(2, 'iteration'))
    fake = _Fake()
    out = []
    for v in [2.5, 2.5, 3.0, 1.0, 5.0, 5.0]:
        fake.step(loss=v)
        out.append(mean_trigger(fake))
    assert out == [False, True, False, True, False, False]


def test_get_trigger():
    assert triggers.get_trigger(None)(None) is False
    assert isinstance(triggers.get_trigger((2, 'epoch')), triggers.IntervalTrigger)
    with pytest.raises(ValueError, match="unit must be 'iteration' or 'epoch'"):
        triggers.get_trigger((2, 'epochs'))
    with pytest.raises(TypeError, match='a trigger must be'):
        triggers.get_trigger(5)


def test_docstring_examples():
    total = 0
    for module in (trainer_module, triggers, extension_module):
        result = doctest.testmod(module)
        assert result.failed == 0
        total += result.attempted
    assert total >= 10
