"""ProgressBar: iterations done, speed and estimated time left, every ``update_interval`` steps.

Training layer. No dependency (no tqdm). On a terminal one line is redrawn in place (``\\r``);
when the output is not a terminal (a file, a pipe, a CI log) each report is a plain line of its
own, so the log holds no carriage returns or escape codes. Works in a Trainer and in a
hand-written loop (:meth:`ProgressBar.update`).
"""

import collections
import datetime
import sys
import time

from minigrad.training import extension

_UNITS = ('iteration', 'epoch')


def _isatty(out):
    isatty = getattr(out, 'isatty', None)
    try:
        return bool(isatty and isatty())
    except ValueError:      # a closed file
        return False


def _format_seconds(seconds):
    return str(datetime.timedelta(seconds=int(round(seconds))))


class ProgressBar(extension.Extension):
    """Report progress, speed (iterations per second) and the estimated time left.

    A report is made at every iteration that is a multiple of ``update_interval`` and at the
    last one; the speed is measured over the last few reports. A plain-text report reads::

        iter 200/1000 (20.0%)  epoch 1.60  153 it/s  ETA 0:00:05  loss 0.1234

    In a Trainer the training length comes from the stop trigger (``(5, 'epoch')``...). In a
    hand-written loop give ``total`` (iterations) or ``training_length`` and call
    :meth:`update` at every iteration::

        bar = ProgressBar(total=n_iterations, update_interval=100)
        for iteration in range(1, n_iterations + 1):
            ...
            bar.update(iteration, epoch_detail, {'loss': float(loss.array)})
        bar.close()

    Args:
        training_length: ``(length, unit)``, unit ``'iteration'`` or ``'epoch'``; None takes it
            from the trainer's stop trigger (or shows no total).
        update_interval (int): iterations between reports.
        bar_length (int): width of the bar drawn on a terminal.
        out: a text stream (default: ``sys.stdout`` at the time of writing).
        total (int): shorthand for ``training_length=(total, 'iteration')``.

    Example:
        >>> import io
        >>> out = io.StringIO()                     # not a terminal: plain lines
        >>> bar = ProgressBar(total=4, update_interval=2, out=out)
        >>> for i in range(1, 5):
        ...     bar.update(i, i / 2, {'loss': 1.0 / i})
        >>> print(out.getvalue().count('\\n'), out.getvalue().splitlines()[-1].split('  ')[0])
        2 iter 4/4 (100.0%)
    """

    trigger = 1, 'iteration'

    def __init__(self, training_length=None, update_interval=100, bar_length=50, out=None, *,
                 total=None):
        if total is not None:
            if training_length is not None:
                raise ValueError('ProgressBar: give training_length or total, not both')
            training_length = (total, 'iteration')
        if training_length is not None:
            if not (isinstance(training_length, (tuple, list)) and len(training_length) == 2
                    and training_length[1] in _UNITS):
                raise ValueError("ProgressBar: training_length must be (length, 'iteration') or "
                                 "(length, 'epoch'), got %r" % (training_length,))
            training_length = tuple(training_length)
        if not (isinstance(update_interval, int) and update_interval > 0):
            raise ValueError('ProgressBar: update_interval must be a positive int, got %r'
                             % (update_interval,))
        self._length = training_length
        self._interval = update_interval
        self._bar_length = bar_length
        self._out = out
        self._points = collections.deque(maxlen=10)   # (iteration, epoch_detail, time)
        self._last_reported = None
        self._line_open = False                       # a terminal line waits for its newline

    def _stream(self):
        return self._out if self._out is not None else sys.stdout

    # ---- Trainer protocol -------------------------------------------------------------------
    def initialize(self, trainer):
        if self._length is None:
            get_length = getattr(trainer.stop_trigger, 'get_training_length', None)
            if get_length is not None:
                self._length = get_length()
        updater = trainer.updater
        self._points.clear()
        self._points.append((updater.iteration, updater.epoch_detail, time.perf_counter()))

    def __call__(self, trainer):
        updater = trainer.updater
        self.update(updater.iteration, updater.epoch_detail)

    def finalize(self):
        self.close()

    # ---- the public, trainer-free interface -----------------------------------------------
    def update(self, iteration, epoch_detail=None, values=None):
        """Note that ``iteration`` is done; report if it is a multiple of the interval or the end.

        Args:
            iteration (int): iterations done so far.
            epoch_detail (float): epochs done so far (optional).
            values (dict): numbers to show after the timing, e.g. ``{'loss': 0.12}``.
        """
        now = time.perf_counter()
        if not self._points:
            # the first call: the speed is measured from here
            self._points.append((iteration, epoch_detail, now))
        finished = self._finished(iteration, epoch_detail)
        if iteration == self._last_reported:
            return
        if iteration % self._interval and not finished:
            return
        self._last_reported = iteration
        speed, eta = self._estimate(iteration, epoch_detail, now)
        self._points.append((iteration, epoch_detail, now))
        line = self.format(iteration, epoch_detail, values, speed, eta)
        out = self._stream()
        if _isatty(out):
            out.write('\r%s %s\033[K' % (self._bar(iteration, epoch_detail), line))
            self._line_open = True
            if finished:
                out.write('\n')
                self._line_open = False
        else:
            out.write(line + '\n')
        flush = getattr(out, 'flush', None)
        if flush is not None:
            flush()

    def close(self):
        """End the terminal line (when one was left open); nothing to do otherwise."""
        if self._line_open:
            self._stream().write('\n')
            self._line_open = False

    def _fraction(self, iteration, epoch_detail):
        if self._length is None:
            return None
        length, unit = self._length
        done = iteration if unit == 'iteration' else epoch_detail
        if done is None or not length:
            return None
        return min(done / length, 1.0)

    def _finished(self, iteration, epoch_detail):
        fraction = self._fraction(iteration, epoch_detail)
        return fraction is not None and fraction >= 1.0

    def _estimate(self, iteration, epoch_detail, now):
        """(iterations per second, seconds left or None) over the recent reports."""
        it0, ep0, t0 = self._points[0]
        dt = now - t0
        if dt <= 0 or iteration <= it0:
            return None, None
        speed = (iteration - it0) / dt
        if self._length is None:
            return speed, None
        length, unit = self._length
        if unit == 'iteration':
            return speed, max(length - iteration, 0) / speed
        if epoch_detail is None or ep0 is None or epoch_detail <= ep0:
            return speed, None
        return speed, max(length - epoch_detail, 0) / ((epoch_detail - ep0) / dt)

    def format(self, iteration, epoch_detail=None, values=None, speed=None, eta=None):
        """The text of one report (without the bar and without a newline)."""
        parts = []
        fraction = self._fraction(iteration, epoch_detail)
        unit = self._length[1] if self._length else 'iteration'
        if unit == 'iteration' and self._length:
            parts.append('iter %d/%d (%.1f%%)' % (iteration, self._length[0], 100 * fraction))
            if epoch_detail is not None:
                parts.append('epoch %.2f' % epoch_detail)
        elif unit == 'epoch' and fraction is not None:
            parts.append('epoch %.2f/%g (%.1f%%)' % (epoch_detail, self._length[0],
                                                     100 * fraction))
            parts.append('iter %d' % iteration)
        else:
            parts.append('iter %d' % iteration)
            if epoch_detail is not None:
                parts.append('epoch %.2f' % epoch_detail)
        parts.append('%.3g it/s' % speed if speed is not None else '--- it/s')
        if eta is not None:
            parts.append('ETA %s' % _format_seconds(eta))
        for key, value in (values or {}).items():
            value = getattr(value, 'array', value)
            try:
                parts.append('%s %.4g' % (key, float(value)))
            except (TypeError, ValueError):
                parts.append('%s %s' % (key, value))
        return '  '.join(parts)

    def _bar(self, iteration, epoch_detail):
        fraction = self._fraction(iteration, epoch_detail)
        if fraction is None:
            return ''
        filled = int(self._bar_length * fraction)
        return '[%s%s]' % ('#' * filled, '.' * (self._bar_length - filled))
