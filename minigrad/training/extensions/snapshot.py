"""snapshot and snapshot_object: save the trainer (to resume) or one object, as NPZ files.

Training layer. Files are written with :func:`minigrad.serializers.save_npz`: atomically (a
temporary file moved into place) and without pickle. A trainer snapshot holds everything needed
to resume exactly (see :mod:`minigrad.training.trainer`); resume with
:func:`minigrad.training.load_snapshot` or ``autoload=True``.
"""

import os
import re
import string

from minigrad import serializers
from minigrad.training import extension

_NUMBER = r'[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?'


def _pattern(filename):
    """A regex matching the names ``filename.format(trainer)`` gives, numbers in the fields.

    Only numbers are accepted in place of the fields (iteration, epoch...), so that
    ``'s{.updater.iteration}'`` does not also match ``'snapshot_iter_15'``.
    """
    parts = []
    for literal, field, _, _ in string.Formatter().parse(filename):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(_NUMBER)
    return re.compile(''.join(parts) + r'\Z')


def _natural(text):
    # 'snapshot_iter_5' before 'snapshot_iter_10' when two files share a modification time
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', text)]


class _Snapshot(extension.Extension):
    """Save a target (the trainer by default) to ``<out>/<filename>`` when triggered."""

    trigger = 1, 'epoch'
    priority = -100          # after every other extension, so the snapshot sees their state

    def __init__(self, target=None, filename='snapshot_iter_{.updater.iteration}', savefun=None,
                 condition=None, n_retains=-1, autoload=False, snapshot_on_error=False,
                 default_name='snapshot'):
        if not isinstance(filename, str):
            raise TypeError('snapshot: filename must be a str, got %s' % type(filename).__name__)
        self._target = target
        self.filename = filename
        self._savefun = savefun or serializers.save_npz
        self.condition = condition
        self.n_retains = n_retains
        self.autoload = autoload
        self._snapshot_on_error = snapshot_on_error
        self._default_name = default_name

    @property
    def default_name(self):
        return self._default_name

    def _target_of(self, trainer):
        return trainer if self._target is None else self._target

    def __call__(self, trainer):
        if self.condition is None or self.condition():
            self.save(trainer)

    def save(self, trainer):
        """Write the snapshot now; returns its path."""
        path = os.path.join(trainer.out, self.filename.format(trainer))
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self._savefun(path, self._target_of(trainer))
        if self.n_retains > 0:
            for old in self.find_snapshots(trainer.out)[:-self.n_retains]:
                os.remove(old)
        return path

    def find_snapshots(self, out):
        """The existing files of this snapshot in ``out``, oldest first."""
        folder = os.path.join(out, os.path.dirname(self.filename))
        if not os.path.isdir(folder):
            return []
        pattern = _pattern(os.path.basename(self.filename))
        paths = [os.path.join(folder, name) for name in os.listdir(folder)
                 if pattern.match(name) and not name.startswith('.')]
        return sorted(paths, key=lambda p: (os.stat(p).st_mtime_ns, _natural(p)))

    def initialize(self, trainer):
        """With ``autoload``, load the newest snapshot in the output folder, if there is one."""
        if not self.autoload:
            return
        found = self.find_snapshots(trainer.out)
        if found:
            serializers.load_npz(found[-1], self._target_of(trainer))

    def on_error(self, trainer, exc, tb):
        if self._snapshot_on_error:
            self.save(trainer)


def snapshot(savefun=None, filename='snapshot_iter_{.updater.iteration}', *, target=None,
             condition=None, n_retains=-1, autoload=False, snapshot_on_error=False):
    """An extension that saves the trainer, to resume training later (Chainer's ``snapshot``).

    Default trigger: every epoch; priority -100, so it runs after every other extension of the
    iteration. Resume by building the trainer the same way and calling
    ``minigrad.training.load_snapshot(path, trainer)`` before ``trainer.run()``, or pass
    ``autoload=True`` to load the newest snapshot in ``trainer.out`` when the run starts.

    Args:
        savefun: ``savefun(path, target)`` (default :func:`minigrad.serializers.save_npz`).
        filename (str): a name in ``trainer.out``, formatted with the trainer:
            ``'snapshot_iter_{.updater.iteration}'`` gives ``snapshot_iter_1500``.
        target: what to save (default: the trainer).
        condition: a callable; the snapshot is taken only when it returns True.
        n_retains (int): keep only the newest ``n_retains`` files (-1: keep all).
        autoload (bool): load the newest snapshot at the start of ``trainer.run()``.
            ``n_retains`` and ``autoload`` find the files by ``filename`` with a number in
            place of each ``{...}`` field, the newest by modification time.
        snapshot_on_error (bool): also save when the training loop raises.

    Example::

        trainer.extend(extensions.snapshot(), trigger=(1000, 'iteration'))
    """
    return _Snapshot(target, filename, savefun, condition, n_retains, autoload,
                     snapshot_on_error, 'snapshot')


def snapshot_object(target, filename, savefun=None, *, condition=None, n_retains=-1,
                    autoload=False, snapshot_on_error=False):
    """An extension that saves ``target`` (e.g. the model) to ``trainer.out/filename``.

    ``filename`` is formatted with the trainer (``'model_epoch_{.updater.epoch}.npz'``); other
    arguments as for :func:`snapshot`. Load the file with
    ``minigrad.serializers.load_npz(path, model)``.

    Example::

        trainer.extend(extensions.snapshot_object(model, 'best.npz'),
                       trigger=training.triggers.MinValueTrigger('validation/main/loss'))
    """
    return _Snapshot(target, filename, savefun, condition, n_retains, autoload,
                     snapshot_on_error, 'snapshot_object')
