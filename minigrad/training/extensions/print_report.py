"""PrintReport: print chosen entries of the log as an aligned table, one line per log entry.

Training layer. Reads the log of a :class:`LogReport` in a Trainer, or prints entries given by
hand (:meth:`PrintReport.print`).
"""

import numbers
import sys

from minigrad.training import extension
from minigrad.training.extensions import log_report as log_report_module


class PrintReport(extension.Extension):
    """Print ``entries`` of each new log entry as one aligned line (a header line first).

    Columns are at least 10 characters wide (wider for longer names); integers print as
    integers and floats with 6 significant digits; a missing value leaves its column blank.
    Plain lines only, nothing is redrawn, so the output reads well in a CI log.

    In a Trainer it prints the entries the LogReport (``log_report``) added since the last
    call. In a hand-written loop, call :meth:`print` with each entry::

        printer = PrintReport(['epoch', 'main/loss', 'validation/main/loss'])
        for epoch in range(1, 4):
            ...
            printer.print({'epoch': epoch, 'main/loss': loss, 'validation/main/loss': val})

    Args:
        entries (list of str): the keys to print, in order.
        log_report (str or LogReport): the LogReport to read: its name in the trainer
            (default ``'LogReport'``) or the object itself (it is then called by this one).
        out: a text stream (default: ``sys.stdout`` at the time of printing).

    Example:
        >>> printer = PrintReport(['epoch', 'main/loss'])
        >>> printer.print({'epoch': 1, 'main/loss': 0.693147})
        epoch       main/loss
        1           0.693147
        >>> printer.print({'epoch': 2})
        2
    """

    def __init__(self, entries, log_report='LogReport', out=None):
        if isinstance(entries, str):
            raise TypeError("PrintReport: entries must be a list of keys, got the str %r; "
                            "write ['%s']" % (entries, entries))
        self._entries = list(entries)
        self._log_report = log_report
        self._out = out
        self._log_len = 0
        self._widths = [max(10, len(e)) for e in self._entries]
        self._header_done = False
        self._resolved = None           # the LogReport found at the first call

    def _stream(self):
        return self._out if self._out is not None else sys.stdout

    def __call__(self, trainer):
        log_report = self._log_report
        if isinstance(log_report, str):
            log_report = trainer.get_extension(log_report)
        elif isinstance(log_report, log_report_module.LogReport):
            log_report(trainer)
        else:
            raise TypeError('PrintReport: log_report must be a LogReport or its name, got %s'
                            % type(log_report).__name__)
        self._resolved = log_report
        self._print_new(log_report.log)

    def _print_new(self, log):
        while self._log_len < len(log):
            self.print(log[self._log_len])
            self._log_len += 1

    def finalize(self):
        """Print the entries logged after the last call (a LogReport registered later)."""
        if self._resolved is not None:
            self._print_new(self._resolved.log)

    def format_header(self):
        """The header line (the entry names, aligned)."""
        return '  '.join(e.ljust(w) for e, w in zip(self._entries, self._widths)).rstrip()

    def format_line(self, entry):
        """One entry as an aligned line (without a newline)."""
        cells = []
        for key, width in zip(self._entries, self._widths):
            value = entry.get(key)
            value = getattr(value, 'array', value)        # a Variable
            if value is None:
                text = ''
            elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
                text = '%d' % value
            elif isinstance(value, str):
                text = value
            else:
                try:
                    text = '%.6g' % float(value)
                except (TypeError, ValueError):
                    text = str(value)
            cells.append(text.ljust(width))
        return '  '.join(cells).rstrip()

    def print(self, entry):
        """Print one entry as a line (and the header before the first one)."""
        out = self._stream()
        if not self._header_done:
            out.write(self.format_header() + '\n')
            self._header_done = True
        out.write(self.format_line(entry) + '\n')
        flush = getattr(out, 'flush', None)
        if flush is not None:
            flush()

    def serialize(self, serializer):
        """Save or load the LogReport given as an object (a name is saved by the trainer)."""
        if isinstance(self._log_report, log_report_module.LogReport):
            self._log_report.serialize(serializer['_log_report'])
