"""A small trainer whose observation holds the iteration number: for the extension tests."""

import numpy

import minigrad.functions as F
import minigrad.links as L
import minigrad.optimizers as O
from minigrad.training import PRIORITY_WRITER, SerialIterator, StandardUpdater, Trainer


def observe_iteration(trainer):
    """Writes ``x = iteration`` and ``y = 2 * iteration`` into the observation."""
    it = trainer.updater.iteration
    trainer.observation['x'] = float(it)
    trainer.observation['y'] = 2.0 * it


observe_iteration.priority = PRIORITY_WRITER


def make_trainer(out, stop=(6, 'iteration'), n=8, batch_size=4):
    """A trainer on a linear model (8 examples, batches of 4: 2 iterations per epoch)."""
    x = numpy.random.RandomState(0).rand(n, 2).astype(numpy.float32)
    model = L.Linear(2, 1)
    it = SerialIterator(list(x), batch_size, shuffle=False)
    updater = StandardUpdater(it, O.SGD(lr=0.01).setup(model),
                              loss_func=lambda x: F.sum(model(x)))
    trainer = Trainer(updater, stop, out=str(out))
    trainer.extend(observe_iteration, name='observe_iteration')
    return trainer
