"""Tests of ExponentialShift, LinearShift, observe_value / observe_lr and FailOnNonNumber."""

import doctest

import numpy
import pytest

from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad.training.extensions import (
    ExponentialShift,
    FailOnNonNumber,
    LinearShift,
    LogReport,
    exponential_shift,
    linear_shift,
    observe_lr,
    observe_value,
)
from tests.minigrad.training.extensions.helpers import make_trainer


def test_exponential_shift_in_a_trainer(tmp_path):
    trainer = make_trainer(tmp_path, stop=(6, 'iteration'))      # SGD lr 0.01
    trainer.extend(ExponentialShift('lr', 0.5), trigger=(2, 'iteration'))
    trainer.extend(observe_lr(), trigger=(1, 'iteration'))
    log = LogReport(keys=['lr'], trigger=(1, 'iteration'))
    trainer.extend(log)
    trainer.run()
    # observe_lr (a writer) runs before the shift (a reader) within an iteration
    assert [e['lr'] for e in log.log] == pytest.approx(
        [0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025])
    assert trainer.updater.get_optimizer('main').lr == pytest.approx(0.00125)


def test_exponential_shift_rising_to_a_ceiling_and_serialize():
    class Opt:
        lr = 1.0

    opt = Opt()
    shift = ExponentialShift('lr', 3.0, init=1.0, target=20.0, optimizer=opt)
    shift.initialize(None)
    values = []
    for _ in range(4):
        shift(None)
        values.append(opt.lr)
    assert values == [3.0, 9.0, 20.0, 20.0]
    saver = DictionarySerializer()
    shift.serialize(saver)
    fresh_opt = Opt()
    fresh = ExponentialShift('lr', 3.0, init=1.0, target=20.0, optimizer=fresh_opt)
    NpzDeserializer(saver.target).load(fresh)
    fresh.initialize(None)
    assert fresh_opt.lr == 20.0 and fresh._t == 4
    with pytest.raises(ValueError, match='negative'):
        ExponentialShift('lr', -1)


def test_linear_shift_serialize_round_trip():
    class Opt:
        momentum = 0.0

    opt = Opt()
    shift = LinearShift('momentum', (0.5, 0.9), (2, 6), optimizer=opt)
    shift.initialize(None)
    assert opt.momentum == 0.5
    for _ in range(4):
        shift(None)
    assert opt.momentum == pytest.approx(0.7)
    saver = DictionarySerializer()
    shift.serialize(saver)
    fresh_opt = Opt()
    fresh = LinearShift('momentum', (0.5, 0.9), (2, 6), optimizer=fresh_opt)
    NpzDeserializer(saver.target).load(fresh)
    fresh.initialize(None)
    assert fresh_opt.momentum == pytest.approx(0.7)
    fresh(None)
    assert fresh_opt.momentum == pytest.approx(0.8)
    with pytest.raises(ValueError, match='increasing'):
        LinearShift('lr', (0, 1), (3, 3))


def test_observe_value(tmp_path):
    trainer = make_trainer(tmp_path, stop=(2, 'epoch'))
    trainer.extend(observe_value('twice_epoch', lambda tr: 2 * tr.updater.epoch))
    log = LogReport(keys=['twice_epoch'])
    trainer.extend(log)
    trainer.run()
    assert [e['twice_epoch'] for e in log.log] == [2.0, 4.0]


def test_fail_on_nonnumber(tmp_path):
    trainer = make_trainer(tmp_path, stop=(5, 'iteration'))
    model = trainer.updater.get_optimizer('main').target

    def poison(tr):
        if tr.updater.iteration == 2:
            model.W.array[0, 0] = numpy.nan

    poison.priority = 1000
    trainer.extend(poison, name='poison')
    trainer.extend(FailOnNonNumber())
    with pytest.raises(RuntimeError, match='parameter /W .* at iteration 2'):
        trainer.run(show_loop_exception_msg=False)


def test_docstring_examples():
    for module in (exponential_shift, linear_shift):
        result = doctest.testmod(module)
        assert result.attempted >= 3 and result.failed == 0
