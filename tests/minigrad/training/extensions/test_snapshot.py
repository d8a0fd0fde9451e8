"""Snapshots and resume: a resumed run repeats the uninterrupted one exactly.

The run: a tiny LSTM language model on a synthetic corpus, BPTTUpdater, Adam with an
ExponentialShift on alpha, an Evaluator every 10 iterations, LogReport every iteration, 30
iterations, a snapshot every 15. A second trainer, built the same way, loads the snapshot of
iteration 15 and must log exactly the same losses for iterations 16-30 and end with exactly the
same weights, also with dropout (which needs NumPy's random state restored).
"""

import os
import shutil

import numpy
import pytest

import minigrad.optimizers as O
from minigrad import serializers
from minigrad.training import BPTTUpdater, ParallelSequentialIterator, Trainer, load_snapshot
from minigrad.training.extensions import (
    Evaluator,
    ExponentialShift,
    LogReport,
    snapshot,
    snapshot_object,
)
from tests.minigrad.training import lm


def _build(out, dropout, autoload=False, n_retains=-1):
    model = lm.make_model(seed=0, dropout=dropout)
    optimizer = O.Adam(alpha=0.01).setup(model)
    train_iter = ParallelSequentialIterator(lm.corpus(120), 4)
    updater = BPTTUpdater(train_iter, optimizer, bprop_len=5)
    trainer = Trainer(updater, (30, 'iteration'), out=str(out))
    val_iter = ParallelSequentialIterator(lm.corpus(40, seed=2), 4, repeat=False)
    trainer.extend(Evaluator(val_iter, model), trigger=(10, 'iteration'))
    trainer.extend(ExponentialShift('alpha', 0.8), trigger=(4, 'iteration'))
    trainer.extend(LogReport(keys=['main/loss', 'validation/main/loss'],
                             trigger=(1, 'iteration')))
    trainer.extend(snapshot(autoload=autoload, n_retains=n_retains), trigger=(15, 'iteration'))
    return trainer, model


def _losses(trainer, first, last):
    log = trainer.get_extension('LogReport').log
    return {e['iteration']: (e['main/loss'], e.get('validation/main/loss'))
            for e in log if first <= e['iteration'] <= last}


@pytest.fixture(scope='module', params=[0.0, 0.5], ids=['no_dropout', 'dropout'])
def uninterrupted(request, tmp_path_factory):
    out = tmp_path_factory.mktemp('full')
    numpy.random.seed(0)
    trainer, model = _build(out, request.param)
    trainer.run()
    return request.param, out, trainer, model


def test_resumed_run_gives_the_same_losses_and_weights(uninterrupted, tmp_path):
    dropout, out, full, full_model = uninterrupted
    assert sorted(os.listdir(out)) == ['log', 'snapshot_iter_15', 'snapshot_iter_30']

    numpy.random.seed(12345)              # whatever the new process's random state is
    resumed, model = _build(tmp_path, dropout)
    load_snapshot(os.path.join(out, 'snapshot_iter_15'), resumed)
    assert resumed.updater.iteration == 15
    assert model.predictor.rnn.h is not None            # the recurrent state came back too
    resumed.run()

    expected = _losses(full, 16, 30)
    assert len(expected) == 15 and expected[20][1] is not None
    assert _losses(resumed, 16, 30) == expected          # exactly equal floats
    assert _losses(resumed, 1, 15) == _losses(full, 1, 15)    # the log before, from the file
    for (name, p), (_, q) in zip(model.namedparams(), full_model.namedparams()):
        numpy.testing.assert_array_equal(p.array, q.array, err_msg=name)
    numpy.testing.assert_array_equal(model.predictor.rnn.h.array,
                                     full_model.predictor.rnn.h.array)
    opt, full_opt = resumed.updater.get_optimizer('main'), full.updater.get_optimizer('main')
    assert (opt.alpha, opt.t) == (full_opt.alpha, full_opt.t) and opt.alpha < 0.01


def test_dropout_resume_needs_the_random_state(uninterrupted, tmp_path):
    dropout, out, full, _ = uninterrupted
    if not dropout:
        pytest.skip('only dropout draws random numbers')
    resumed, _ = _build(tmp_path, dropout)
    serializers.load_npz(os.path.join(out, 'snapshot_iter_15'), resumed)   # same as above
    numpy.random.seed(1)                  # throw the restored random state away
    resumed.run()
    new, old = _losses(resumed, 16, 30), _losses(full, 16, 30)
    assert new[16][0] != old[16][0]       # so equality above is due to the restored state


def test_autoload_resumes_from_the_newest_snapshot(uninterrupted, tmp_path):
    dropout, out, full, _ = uninterrupted
    shutil.copy(os.path.join(out, 'snapshot_iter_15'), tmp_path)
    resumed, _ = _build(tmp_path, dropout, autoload=True)
    resumed.run()                         # loads snapshot_iter_15 before ExponentialShift starts
    assert _losses(resumed, 16, 30) == _losses(full, 16, 30)
    opt, full_opt = resumed.updater.get_optimizer('main'), full.updater.get_optimizer('main')
    assert opt.alpha == full_opt.alpha


def test_n_retains_keeps_the_newest(tmp_path):
    numpy.random.seed(0)
    trainer, _ = _build(tmp_path, 0.0, n_retains=1)
    trainer.get_extension('snapshot')      # registered under its default name
    trainer.extend(snapshot(filename='s{.updater.iteration}', n_retains=2),
                   trigger=(5, 'iteration'))
    trainer.run()
    files = sorted(f for f in os.listdir(tmp_path) if f != 'log')
    assert files == ['s25', 's30', 'snapshot_iter_30']


def test_snapshot_object_saves_the_model(tmp_path):
    numpy.random.seed(0)
    trainer, model = _build(tmp_path, 0.0)
    trainer.extend(snapshot_object(model, 'model_{.updater.iteration}.npz'),
                   trigger=(10, 'iteration'))
    trainer.run()
    assert {'model_10.npz', 'model_20.npz', 'model_30.npz'} <= set(os.listdir(tmp_path))
    fresh = lm.make_model(seed=5)
    serializers.load_npz(os.path.join(tmp_path, 'model_30.npz'), fresh)
    for (name, p), (_, q) in zip(fresh.namedparams(), model.namedparams()):
        numpy.testing.assert_array_equal(p.array, q.array, err_msg=name)


def test_snapshot_on_error(tmp_path):
    numpy.random.seed(0)
    trainer, _ = _build(tmp_path, 0.0)

    def fail(tr):
        if tr.updater.iteration == 7:
            raise RuntimeError('stop here')

    trainer.extend(fail, name='fail')
    trainer.extend(snapshot(filename='crash_{.updater.iteration}', snapshot_on_error=True),
                   trigger=(100, 'iteration'))
    with pytest.raises(RuntimeError, match='stop here'):
        trainer.run(show_loop_exception_msg=False)
    assert 'crash_7' in os.listdir(tmp_path)


def test_loading_into_a_different_trainer_fails_and_changes_nothing(uninterrupted, tmp_path):
    dropout, out, _, _ = uninterrupted
    trainer, model = _build(tmp_path, dropout)
    trainer.extend(LogReport(), name='extra')
    before = [p.array.copy() for p in model.params()]
    with pytest.raises(serializers.SerializationError, match='extensions/extra'):
        load_snapshot(os.path.join(out, 'snapshot_iter_15'), trainer)
    for p, b in zip(model.params(), before):
        numpy.testing.assert_array_equal(p.array, b)
    assert trainer.updater.iteration == 0 and model.predictor.rnn.h is None
