"""LogReport: average the observations over an interval and keep them as a log (JSON lines).

Training layer. Works inside a Trainer (as Chainer's ``extensions.LogReport``) and in a
hand-written loop (:meth:`LogReport.append`).
"""

import json
import math
import numbers
import os

from minigrad import reporter
from minigrad.training import extension, triggers
from minigrad.training.extensions import _files


def _to_python(value):
    """A logged value as a plain Python number (ints stay ints) or the value itself."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    array = getattr(value, 'array', value)        # a Variable
    if getattr(array, 'ndim', None) == 0 or isinstance(array, numbers.Real):
        return float(array)
    return value


def _json_safe(value):
    # NaN and infinities are not JSON: they are written as null
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class LogReport(extension.Extension):
    """Keep a log of averaged observations, written as JSON lines to ``<out>/<filename>``.

    In a Trainer it is called every iteration: it adds the observation (only ``keys`` if
    given) to a running :class:`~minigrad.reporter.DictSummary`, and when its own ``trigger``
    fires it appends the means, with ``epoch``, ``iteration`` and ``elapsed_time``, to
    :attr:`log` and rewrites the file. The file has one JSON object per line (NaN and
    infinities become ``null``); it is written atomically (a temporary file moved over the
    old one), so a reader never sees half a line. :attr:`log` is saved in snapshots.

    Without a Trainer, call :meth:`append` with each entry::

        log = LogReport(out='result')                  # writes result/log
        for epoch in range(1, 4):
            ...                                        # your own training loop
            log.append({'epoch': epoch, 'iteration': it, 'main/loss': float(loss.array)})
        log.log[-1]['main/loss']

    Args:
        keys (list of str): the observation keys to log (None: all scalar ones).
        trigger: when to write an entry (default: every epoch).
        postprocess: ``postprocess(entry)`` may edit each entry before it is stored.
        filename (str): the file name in the output folder (None: keep the log in memory).
        out (str): the output folder; None uses the trainer's ``out`` (in a Trainer) or
            writes no file (hand-written loops).

    Attributes:
        log (list of dict): the entries so far.
    """

    def __init__(self, keys=None, trigger=(1, 'epoch'), postprocess=None, filename='log',
                 out=None):
        if isinstance(keys, str):
            raise TypeError("LogReport: keys must be a list of keys, got the str %r; write "
                            "['%s']" % (keys, keys))
        self._keys = keys
        self._trigger = triggers.get_trigger(trigger)
        self._postprocess = postprocess
        self._filename = filename
        self.out = out
        self._log = []
        self._summary = reporter.DictSummary()

    @property
    def log(self):
        """The list of entries (dicts) logged so far."""
        return self._log

    def __call__(self, trainer):
        observation = trainer.observation
        if self._keys is None:
            self._summary.add(observation)
        else:
            self._summary.add({k: observation[k] for k in self._keys if k in observation})
        if not self._trigger(trainer):
            return
        entry = self._summary.compute_mean()
        updater = trainer.updater
        entry['epoch'] = updater.epoch
        entry['iteration'] = updater.iteration
        entry['elapsed_time'] = trainer.elapsed_time
        self._summary = reporter.DictSummary()
        self._add(entry, self.out if self.out is not None else trainer.out)

    def append(self, entry, out=None):
        """Add one entry (a dict) to the log and rewrite the file: for hand-written loops.

        Variables, 0-d arrays and NumPy numbers are turned into Python numbers.

        Args:
            entry (dict): e.g. ``{'epoch': 1, 'iteration': 100, 'main/loss': 4.2}``.
            out (str): the output folder for this call (default: the ``out`` given at
                construction; with neither, no file is written).

        Returns:
            the entry as stored.

        Example:
            >>> import numpy
            >>> log = LogReport()                      # no out: kept in memory only
            >>> log.append({'epoch': 1, 'main/loss': numpy.float32(0.5)})
            {'epoch': 1, 'main/loss': 0.5}
            >>> log.log
            [{'epoch': 1, 'main/loss': 0.5}]
        """
        return self._add(dict(entry), out if out is not None else self.out)

    def _add(self, entry, out):
        entry = {key: _to_python(value) for key, value in entry.items()}
        if self._postprocess is not None:
            self._postprocess(entry)
        self._log.append(entry)
        if out is not None and self._filename is not None:
            self.write(os.path.join(out, self._filename))
        return entry

    def write(self, path):
        """Write the whole log to ``path`` as JSON lines, atomically."""
        lines = [json.dumps({k: _json_safe(v) for k, v in entry.items()}) for entry in self._log]
        text = ''.join(line + '\n' for line in lines)
        _files.atomic_write(path, lambda f: f.write(text))

    def serialize(self, serializer):
        """Save or load the trigger, the running summary and the log (as JSON text)."""
        if hasattr(self._trigger, 'serialize'):
            self._trigger.serialize(serializer['_trigger'])
        self._summary.serialize(serializer['_summary'])
        text = serializer('_log', json.dumps(self._log))
        if getattr(serializer, 'is_deserializer', False):
            self._log = json.loads(text)
