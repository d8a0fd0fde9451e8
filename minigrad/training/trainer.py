"""Trainer: the training loop (update, then the extensions whose trigger fires), and snapshots.

Training layer. Each iteration of :meth:`Trainer.run` happens inside
``reporter.scope(trainer.observation)``: the updater's models report into a fresh observation
(``'main/loss'``...), then the extensions run in descending priority and read it (LogReport),
add to it (Evaluator) or save the trainer (snapshot).

A trainer snapshot (``save_npz(path, trainer)``, or the ``extensions.snapshot`` extension)
holds everything a resumed run needs to continue exactly as the uninterrupted one would:
``updater/`` (models, optimizers with their state, iterator positions, the iteration counter,
the recurrent states of links with ``serialize_state`` under ``updater/state/``),
``extensions/<name>/`` and ``extension_triggers/<name>/`` (e.g. LogReport's log so far),
``stop_trigger/``, the elapsed time, and ``random/``: NumPy's global random state (what
shuffling and dropout draw from on the CPU). Resume with :func:`load_snapshot` (or
``minigrad.serializers.load_npz(path, trainer)``, the same thing) into a trainer built the same
way, before calling :meth:`Trainer.run`.
"""

import collections
import os
import sys
import time

import numpy

from minigrad import reporter as reporter_module
from minigrad import serializers
from minigrad.training import extension as extension_module
from minigrad.training import triggers


class _ExtensionEntry:
    def __init__(self, extension, priority, trigger, call_before_training):
        self.extension = extension
        self.priority = priority
        self.trigger = trigger
        self.call_before_training = call_before_training


def _is_loading(serializer):
    return bool(getattr(serializer, 'is_deserializer', False))


def serialize_numpy_random(serializer):
    """Save or load NumPy's global random state (``numpy.random.get_state()``) as arrays.

    Entries: ``algorithm`` (a str), ``keys`` (624 uint32), ``pos``, ``has_gauss``,
    ``cached_gaussian``. Loading calls ``numpy.random.set_state``; no pickle is involved.
    """
    algorithm, keys, pos, has_gauss, cached = numpy.random.get_state()
    algorithm = serializer('algorithm', str(algorithm))
    keys = serializer('keys', keys)
    pos = serializer('pos', int(pos))
    has_gauss = serializer('has_gauss', int(has_gauss))
    cached = serializer('cached_gaussian', float(cached))
    if _is_loading(serializer):
        numpy.random.set_state((algorithm, keys, pos, has_gauss, cached))


class Trainer:
    """The training loop: updates, extensions on triggers, observation through the reporter.

    Args:
        updater: the updater (a :class:`~minigrad.training.StandardUpdater`...).
        stop_trigger: when to stop: ``(n, 'epoch')``, ``(n, 'iteration')`` or a trigger object
            (checked before each update); None never stops.
        out (str): the folder for logs, plots and snapshots (created by :meth:`run`).
        extensions: extensions to :meth:`extend` with at once.

    Attributes:
        updater, stop_trigger, out: as given.
        observation (dict): the current iteration's reported values.
        reporter (~minigrad.reporter.Reporter): with each optimizer's target named after the
            optimizer (``'main'``) and its links after their paths (``'main/predictor'``).

    Example:
        >>> import numpy, shutil, tempfile, minigrad.links as L, minigrad.optimizers as O
        >>> from minigrad import training
        >>> from minigrad.training import extensions
        >>> x = numpy.random.RandomState(0).rand(8, 3).astype(numpy.float32)
        >>> t = (x.sum(axis=1) > 1.5).astype(numpy.int32)
        >>> model = L.Classifier(L.Linear(3, 2))
        >>> it = training.SerialIterator(list(zip(x, t)), 4)
        >>> updater = training.StandardUpdater(it, O.SGD(lr=0.1).setup(model))
        >>> out = tempfile.mkdtemp()
        >>> trainer = training.Trainer(updater, (3, 'epoch'), out=out)
        >>> trainer.extend(extensions.LogReport())
        >>> trainer.run()
        >>> log = trainer.get_extension('LogReport').log
        >>> [(entry['epoch'], entry['iteration']) for entry in log]
        [(1, 2), (2, 4), (3, 6)]
        >>> shutil.rmtree(out)
    """

    def __init__(self, updater, stop_trigger=(1, 'epoch'), out='result', extensions=None):
        self.updater = updater
        self.stop_trigger = triggers.get_trigger(stop_trigger)
        self.observation = {}
        self.out = out
        reporter = reporter_module.Reporter()
        for name, optimizer in updater.get_all_optimizers().items():
            target = optimizer.target
            reporter.add_observer(name, target)
            if hasattr(target, 'namedlinks'):
                reporter.add_observers(name, target.namedlinks(skipself=True))
        self.reporter = reporter
        self._done = False
        self._extensions = collections.OrderedDict()
        self._start_at = None
        self._snapshot_elapsed_time = 0.0
        self._final_elapsed_time = None
        updater.connect_trainer(self)
        for ext in extensions or ():
            self.extend(ext)

    @property
    def elapsed_time(self):
        """Seconds of training so far, including the time before a resumed snapshot."""
        if self._done:
            return self._final_elapsed_time
        if self._start_at is None:
            return self._snapshot_elapsed_time
        return time.perf_counter() - self._start_at + self._snapshot_elapsed_time

    def extend(self, extension, name=None, trigger=None, priority=None, *,
               call_before_training=False):
        """Register an extension (Chainer's signature: ``name`` comes before ``trigger``).

        Args:
            extension: a callable ``extension(trainer)``, usually an
                :class:`~minigrad.training.Extension`.
            name (str): its name (default: ``extension.name``, ``default_name`` or
                ``__name__``); ``'_1'``, ``'_2'``... is appended to repeated names. It keys the
                extension's state in snapshots and :meth:`get_extension`.
            trigger: when to call it (default: ``extension.trigger``, else every iteration).
            priority (int): order within an iteration, highest first (default:
                ``extension.priority``, else ``PRIORITY_READER``).
            call_before_training (bool): also call it once before the first update.
        """
        if not callable(extension):
            raise TypeError('Trainer.extend: an extension must be callable (trainer) -> None, '
                            'got %s' % type(extension).__name__)
        if name is None:
            name = (getattr(extension, 'name', None)
                    or getattr(extension, 'default_name', None)
                    or getattr(extension, '__name__', None))
            if name is None:
                raise TypeError('Trainer.extend: the extension %r has no name; pass name='
                                % (extension,))
        if name == 'training':
            raise ValueError('Trainer.extend: the name "training" is reserved')
        if trigger is None:
            trigger = getattr(extension, 'trigger', (1, 'iteration'))
        trigger = triggers.get_trigger(trigger)
        if priority is None:
            priority = getattr(extension, 'priority', extension_module.PRIORITY_READER)
        modified = name
        ordinal = 0
        while modified in self._extensions:
            ordinal += 1
            modified = '%s_%d' % (name, ordinal)
        try:
            extension.name = modified
        except AttributeError:    # a bound method or a builtin cannot take attributes
            pass
        self._extensions[modified] = _ExtensionEntry(extension, priority, trigger,
                                                     call_before_training)

    def get_extension(self, name):
        """The extension registered as ``name`` (e.g. ``'LogReport'``)."""
        entry = self._extensions.get(name)
        if entry is None:
            raise ValueError('Trainer.get_extension: no extension named %r; registered: %s'
                             % (name, list(self._extensions)))
        return entry.extension

    def run(self, show_loop_exception_msg=True):
        """Run the loop until the stop trigger fires.

        Before the loop each extension's ``initialize(trainer)`` runs (snapshots with
        ``autoload`` first, so that the others see the loaded state). An exception in the loop
        is not swallowed: a one-line note goes to stderr (unless ``show_loop_exception_msg``
        is False), the extensions' ``on_error`` and ``finalize`` run, and it propagates.

        Raises:
            RuntimeError: the trainer has already run.
        """
        if self._done:
            raise RuntimeError('Trainer.run: this trainer has already run; make a new one (and '
                               'load a snapshot into it to continue)')
        os.makedirs(self.out, exist_ok=True)
        names = sorted(self._extensions, key=lambda n: self._extensions[n].priority,
                       reverse=True)
        extensions = [(name, self._extensions[name]) for name in names]

        self._start_at = time.perf_counter()
        # snapshots with autoload go first: the others then initialize from the loaded state
        loaders = [e for _, e in extensions if getattr(e.extension, 'autoload', False) is True]
        others = [e for _, e in extensions if e not in loaders]
        for entry in loaders + others:
            initialize = getattr(entry.extension, 'initialize', None)
            if initialize and not getattr(entry.trigger, 'finished', False):
                initialize(self)

        reporter = self.reporter
        update = self.updater.update
        stop_trigger = self.stop_trigger
        try:
            self.observation = {}
            with reporter.scope(self.observation):
                for _, entry in extensions:
                    if entry.call_before_training:
                        entry.extension(self)
            while not stop_trigger(self):
                self.observation = {}
                with reporter.scope(self.observation):
                    update()
                    for _, entry in extensions:
                        if entry.trigger(self):
                            entry.extension(self)
        except Exception as e:
            if show_loop_exception_msg:
                sys.stderr.write('Exception in the training loop at iteration %d: %s: %s\n'
                                 'Finalizing the extensions and the updater, then re-raising.\n'
                                 % (self.updater.iteration, type(e).__name__, e))
            tb = sys.exc_info()[2]
            for _, entry in extensions:
                on_error = getattr(entry.extension, 'on_error', None)
                if on_error:
                    try:
                        on_error(self, e, tb)
                    except Exception as e2:
                        sys.stderr.write('%s.on_error failed too: %s: %s\n'
                                         % (type(entry.extension).__name__,
                                            type(e2).__name__, e2))
            raise
        finally:
            for _, entry in extensions:
                finalize = getattr(entry.extension, 'finalize', None)
                if finalize:
                    finalize()
            self.updater.finalize()
        self._final_elapsed_time = self.elapsed_time
        self._done = True

    def serialize(self, serializer):
        """Save or load the whole training state (see the module docstring for the layout)."""
        self.updater.serialize(serializer['updater'])
        if hasattr(self.stop_trigger, 'serialize'):
            self.stop_trigger.serialize(serializer['stop_trigger'])
        s = serializer['extensions']
        t = serializer['extension_triggers']
        for name, entry in self._extensions.items():
            if hasattr(entry.extension, 'serialize'):
                entry.extension.serialize(s[name])
            if hasattr(entry.trigger, 'serialize'):
                entry.trigger.serialize(t[name])
        elapsed = serializer('_snapshot_elapsed_time', float(self.elapsed_time))
        if _is_loading(serializer):
            self._snapshot_elapsed_time = elapsed
        serialize_numpy_random(serializer['random'])


def load_snapshot(path, trainer):
    """Resume ``trainer`` from a snapshot written by the ``snapshot`` extension.

    The same as ``minigrad.serializers.load_npz(path, trainer)``: all or nothing, never
    pickle. Build the trainer as the snapshotted one was (same model, optimizer, iterators and
    extensions with the same names), call this, then ``trainer.run()``. Recurrent states are
    restored too; build the model fresh (state None) or the load refuses a state the file
    does not have.

    Example::

        trainer = make_trainer()                       # the same code as the first run
        training.load_snapshot('result/snapshot_iter_1500', trainer)
        trainer.run()                                  # goes on from iteration 1501
    """
    serializers.load_npz(path, trainer)
