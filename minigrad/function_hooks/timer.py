"""TimerHook: the time spent in each kind of function, forward and backward.

Function hooks layer. Times are read with ``time.perf_counter`` around each ``forward`` and
``backward``; on a GPU the current CuPy stream is synchronised before each reading, so the times
include the kernels (at the cost of the overlap the GPU would otherwise get).
"""

import sys
import time

import numpy

from minigrad import backend
from minigrad.function_hooks.function_hook import _TrackingHook

_UNITS = {'s': 1.0, 'sec': 1.0, 'ms': 1e-3, 'us': 1e-6, 'ns': 1e-9}


def _synchronize(arrays):
    """Wait for the GPU when ``arrays`` (arrays or gradient Variables) live there."""
    for a in arrays:
        if a is None:
            continue
        if type(a) is numpy.ndarray:
            return
        a = getattr(a, 'array', a)          # gradient Variables in backward
        if backend._is_cupy_array(a):
            backend._import_cupy().cuda.get_current_stream().synchronize()
        return


def _format_time(seconds, unit):
    if unit != 'auto':
        return '%.2f%s' % (seconds / _UNITS[unit], 's' if unit == 'sec' else unit)
    for name in ('s', 'ms', 'us'):
        if seconds >= _UNITS[name]:
            return '%.3g%s' % (seconds / _UNITS[name], name)
    return '%.3gns' % (seconds / _UNITS['ns'])


class TimerHook(_TrackingHook):
    """Measure the time of every forward and backward call, per function label.

    Args:
        nested (bool): also count the functions applied *inside* another function's backward
            (``Mul.backward`` computes ``gy * x`` with minigrad's ``mul``), as Chainer does.
            By default they are not counted on their own: their time is part of the backward
            that ran them. :meth:`total_time` never counts a nested call twice either way.

    The backward engine adds up the gradients of a variable used several times with minigrad's
    ``add``: that work shows as forward calls of ``add`` (it is time spent in backward, but not
    inside any one function's backward).

    A hook object is meant for one thread at a time; entering it again adds to its numbers.

    Example:
        >>> import numpy, minigrad
        >>> import minigrad.functions as F
        >>> from minigrad.function_hooks import TimerHook
        >>> x = minigrad.Variable(numpy.ones((10, 10)))
        >>> w = minigrad.Variable(numpy.ones((10, 10)))
        >>> with TimerHook() as timer:
        ...     y = F.sum(F.tanh(x) * w)
        ...     y.backward()
        >>> {label: (s['forward_calls'], s['backward_calls'])
        ...  for label, s in sorted(timer.summary().items())}
        {'mul': (1, 1), 'sum': (1, 1), 'tanh': (1, 1)}
        >>> timer.total_time() > 0
        True

        ``timer.print_report()`` then prints a table such as::

            function  fwd calls  fwd time  fwd/call  bwd calls  bwd time  bwd/call     total      %
            mul               1    5.11us    5.11us          1    14.2us    14.2us    19.3us   41.6
            ...
    """

    name = 'TimerHook'

    def __init__(self, nested=False):
        super().__init__(nested)
        self._records = {}      # label -> [forward calls, seconds, backward calls, seconds]
        self._total = 0.0

    def forward_preprocess(self, function, in_data):
        _synchronize(in_data)
        self._push(function, False, time.perf_counter())

    def forward_postprocess(self, function, in_data):
        _synchronize(in_data)
        self._stop(function, False, time.perf_counter())

    def backward_preprocess(self, function, indexes, grad_outputs):
        _synchronize(grad_outputs)
        self._push(function, True, time.perf_counter())

    def backward_postprocess(self, function, indexes, grad_outputs):
        _synchronize(grad_outputs)
        self._stop(function, True, time.perf_counter())

    def _stop(self, function, is_backward, stop):
        popped = self._pop(function, is_backward)
        if popped is None:
            return
        start, nested = popped
        elapsed = stop - start
        if nested:
            if not self.nested:
                return
        else:
            self._total += elapsed
        record = self._records.get(function.label)
        if record is None:
            record = self._records[function.label] = [0, 0.0, 0, 0.0]
        k = 2 if is_backward else 0
        record[k] += 1
        record[k + 1] += elapsed

    def total_time(self):
        """The seconds spent in all the calls seen, each counted once (nested ones inside)."""
        return self._total

    def summary(self):
        """Return ``{label: numbers}`` for every function seen, the most expensive first.

        The numbers of each label are a dict with ``forward_calls``, ``forward_time``,
        ``backward_calls``, ``backward_time`` (seconds), and Chainer's ``occurrence`` (forward
        plus backward calls) and ``elapsed_time`` (forward plus backward seconds).
        """
        rows = sorted(self._records.items(), key=lambda kv: -(kv[1][1] + kv[1][3]))
        return {label: {'forward_calls': fc, 'forward_time': ft, 'backward_calls': bc,
                        'backward_time': bt, 'occurrence': fc + bc, 'elapsed_time': ft + bt}
                for label, (fc, ft, bc, bt) in rows}

    def print_report(self, unit='auto', file=None):
        """Print a table of the calls and times per function, sorted by total time.

        Args:
            unit (str): ``'auto'`` (each time in a unit that suits it), or ``'s'``, ``'ms'``,
                ``'us'`` or ``'ns'`` for all of them.
            file: where to write (default: ``sys.stdout``).
        """
        if unit not in _UNITS and unit != 'auto':
            raise ValueError("TimerHook.print_report: unit must be 'auto', 's', 'ms', 'us' or "
                             "'ns', got %r" % (unit,))
        file = sys.stdout if file is None else file
        summary = self.summary()

        def times(calls, seconds):
            if not calls:
                return ['-', '-']
            return [_format_time(seconds, unit), _format_time(seconds / calls, unit)]

        head = ['function', 'fwd calls', 'fwd time', 'fwd/call', 'bwd calls', 'bwd time',
                'bwd/call', 'total', '%']
        total = sum(s['elapsed_time'] for s in summary.values())
        rows = []
        for label, s in summary.items():
            share = 100 * s['elapsed_time'] / total if total else 0.0
            rows.append([label, str(s['forward_calls'])]
                        + times(s['forward_calls'], s['forward_time'])
                        + [str(s['backward_calls'])]
                        + times(s['backward_calls'], s['backward_time'])
                        + [_format_time(s['elapsed_time'], unit), '%.1f' % share])
        fc = sum(s['forward_calls'] for s in summary.values())
        bc = sum(s['backward_calls'] for s in summary.values())
        rows.append(['total', str(fc), _format_time(sum(s['forward_time'] for s in
                                                        summary.values()), unit), '',
                     str(bc), _format_time(sum(s['backward_time'] for s in summary.values()),
                                           unit), '', _format_time(total, unit),
                     '100.0' if total else '0.0'])
        widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
        for r in [head] + rows:
            cells = [r[0].ljust(widths[0])]
            cells += [cell.rjust(max(w, 8)) for cell, w in zip(r[1:], widths[1:])]
            print('  '.join(cells).rstrip(), file=file)
