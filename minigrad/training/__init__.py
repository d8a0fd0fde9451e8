"""Training tools in Chainer's shape: iterators, updaters, the Trainer, triggers, extensions.

Training layer, above links, optimizers and serializers (nothing below imports it). A Chainer
training script ports by changing imports::

    from minigrad import training
    from minigrad.training import extensions
    from minigrad.training import SerialIterator        # chainer.iterators.SerialIterator

    train_iter = SerialIterator(train, batch_size=100)
    updater = training.StandardUpdater(train_iter, optimizer)     # or BPTTUpdater for RNNs
    trainer = training.Trainer(updater, (20, 'epoch'), out='result')
    trainer.extend(extensions.Evaluator(test_iter, model))
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.PrintReport(['epoch', 'main/loss', 'validation/main/loss']))
    trainer.extend(extensions.ProgressBar())
    trainer.extend(extensions.snapshot(), trigger=(5, 'epoch'))
    trainer.run()

Resume from a snapshot with :func:`load_snapshot` (same as
``minigrad.serializers.load_npz(path, trainer)``). LogReport, PrintReport, ProgressBar and
PlotReport also serve hand-written loops (see their docstrings); values are reported through
:mod:`minigrad.reporter`.
"""

from minigrad.training import extensions, iterators, triggers, updaters  # noqa: F401
from minigrad.training.extension import (
    PRIORITY_EDITOR,
    PRIORITY_READER,
    PRIORITY_WRITER,
    Extension,
    make_extension,
)
from minigrad.training.iterators import (
    Iterator,
    ParallelSequentialIterator,
    SerialIterator,
    concat_examples,
)
from minigrad.training.trainer import Trainer, load_snapshot
from minigrad.training.triggers import get_trigger
from minigrad.training.updaters import BPTTUpdater, StandardUpdater, Updater

__all__ = ['Trainer', 'load_snapshot', 'Extension', 'make_extension', 'PRIORITY_WRITER',
           'PRIORITY_EDITOR', 'PRIORITY_READER', 'StandardUpdater', 'BPTTUpdater', 'Updater',
           'SerialIterator', 'ParallelSequentialIterator', 'Iterator', 'concat_examples',
           'get_trigger', 'extensions', 'iterators', 'triggers', 'updaters']
