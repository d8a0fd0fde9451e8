"""PlotReport: plot observed values against the epoch (or iteration) into an image file.

Training layer. matplotlib is imported only when a plot is drawn, and only its Agg canvas is
used (``matplotlib.figure.Figure`` + ``FigureCanvasAgg``): no window ever opens, pyplot's global
state and the user's chosen backend are left alone. Without matplotlib the extension warns once
and does nothing. Works in a Trainer and in a hand-written loop (:meth:`PlotReport.plot`).
"""

import json
import math
import os
import warnings

from minigrad import reporter
from minigrad.training import extension, triggers
from minigrad.training.extensions import _files

_warned = []


def _import_matplotlib():
    """``(Figure, FigureCanvasAgg)``, or None (with one warning per process) without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        if not _warned:
            _warned.append(True)
            warnings.warn('PlotReport: matplotlib is not installed, so no plot is drawn; '
                          'install it with pip install "minigrad[plot]"', stacklevel=3)
        return None
    return Figure, FigureCanvasAgg


def _number(value):
    if value is None:
        return math.nan      # NaN written as null in a JSON log
    return float(getattr(value, 'array', value))


class PlotReport(extension.Extension):
    """Plot ``y_keys`` against ``x_key`` into ``<out>/<filename>`` (PNG by default).

    In a Trainer it averages the observed ``y_keys`` over each ``trigger`` interval (like
    :class:`LogReport`), adds a point per key, and redraws the file (written atomically). The
    points are saved in snapshots.

    Without a Trainer, plot the entries of a log (e.g. ``LogReport.log``, or dicts of your own)::

        plot = PlotReport(['main/loss', 'validation/main/loss'], x_key='epoch')
        plot.plot(log.log, out='result')                # writes result/plot.png

    Args:
        y_keys (str or list of str): the keys to plot, one line each.
        x_key (str): ``'epoch'`` or ``'iteration'`` (or, in :meth:`plot`, any key of the
            entries).
        trigger: when to add a point and redraw (default: every epoch).
        postprocess: ``postprocess(figure, axes, summary)`` may edit the figure before saving.
        filename (str): the image file name (its suffix picks the format); ``file_name`` is
            accepted too, the older Chainer spelling. Default ``'plot.png'``.
        marker (str): matplotlib marker of the points (None for lines only).
        grid (bool): draw a grid.

    Example:
        >>> import shutil, tempfile
        >>> out = tempfile.mkdtemp()
        >>> log = [{'epoch': 1, 'main/loss': 0.9}, {'epoch': 2, 'main/loss': 0.5}]
        >>> written = PlotReport('main/loss').plot(log, out)     # out/plot.png
        >>> PlotReport.available() == (written is not None)
        True
        >>> shutil.rmtree(out)
    """

    trigger = 1, 'iteration'

    def __init__(self, y_keys, x_key='epoch', trigger=(1, 'epoch'), postprocess=None,
                 filename=None, marker='x', grid=True, file_name=None):
        if filename is not None and file_name is not None:
            raise ValueError('PlotReport: give filename or file_name, not both')
        if isinstance(y_keys, str):
            y_keys = [y_keys]
        self._y_keys = list(y_keys)
        self._x_key = x_key
        self._trigger = triggers.get_trigger(trigger)
        self._postprocess = postprocess
        self._filename = filename or file_name or 'plot.png'
        self._marker = marker
        self._grid = grid
        self._summary = reporter.DictSummary()
        self._data = {k: [] for k in self._y_keys}

    @staticmethod
    def available():
        """True when matplotlib can be imported (warns once when it cannot)."""
        return _import_matplotlib() is not None

    def __call__(self, trainer):
        observation = trainer.observation
        self._summary.add({k: observation[k] for k in self._y_keys if k in observation})
        if not self._trigger(trainer):
            return
        stats = self._summary.compute_mean()
        updater = trainer.updater
        stats['epoch'] = updater.epoch
        stats['iteration'] = updater.iteration
        if self._x_key not in stats:
            raise KeyError("PlotReport: x_key must be 'epoch' or 'iteration' in a Trainer, got "
                           '%r' % self._x_key)
        x = stats[self._x_key]
        for key in self._y_keys:
            if key in stats:
                self._data[key].append((x, stats[key]))
        summary, self._summary = self._summary, reporter.DictSummary()
        self._draw(os.path.join(trainer.out, self._filename), summary)

    def plot(self, entries, out='.'):
        """Draw the entries of a log into ``<out>/<filename>``: for hand-written loops.

        Args:
            entries (list of dict): each with ``x_key`` and some of ``y_keys`` (others are
                skipped; None is drawn as a gap).
            out (str): the output folder (created if needed).

        Returns:
            the path written, or None when matplotlib is missing or nothing could be plotted.
        """
        data = {k: [] for k in self._y_keys}
        for entry in entries:
            if self._x_key not in entry:
                continue
            x = _number(entry[self._x_key])
            for key in self._y_keys:
                if key in entry:
                    data[key].append((x, _number(entry[key])))
        return self._draw(os.path.join(out, self._filename), None, data)

    def _draw(self, path, summary, data=None):
        modules = _import_matplotlib()
        if modules is None:
            return None
        Figure, FigureCanvasAgg = modules
        data = self._data if data is None else data
        figure = Figure()
        FigureCanvasAgg(figure)
        axes = figure.add_subplot(1, 1, 1)
        for key in self._y_keys:
            points = data[key]
            if points:
                xs, ys = zip(*points)
                axes.plot(xs, ys, marker=self._marker, label=key)
        if not axes.has_data():
            return None
        axes.set_xlabel(self._x_key)
        if self._grid:
            axes.grid()
        if self._postprocess is not None:
            self._postprocess(figure, axes, summary)
        legend = axes.legend(bbox_to_anchor=(1.05, 1), loc='upper left', borderaxespad=0.0)
        fmt = os.path.splitext(path)[1].lstrip('.').lower() or 'png'
        _files.atomic_write(path, lambda f: figure.savefig(
            f, format=fmt, bbox_extra_artists=(legend,), bbox_inches='tight'), binary=True)
        return path

    def serialize(self, serializer):
        """Save or load the trigger, the running summary and the points drawn so far."""
        if hasattr(self._trigger, 'serialize'):
            self._trigger.serialize(serializer['_trigger'])
        self._summary.serialize(serializer['_summary'])
        text = serializer('_plot_data', json.dumps(self._data))
        if getattr(serializer, 'is_deserializer', False):
            loaded = json.loads(text)
            self._data = {k: [tuple(p) for p in loaded.get(k, [])] for k in self._y_keys}
