"""Reporter: report values from anywhere (a model, an updater) into the current observation.

Sits just above the core (it knows Variables, nothing else), so links can report without
knowing about training. Chainer's API:

- :class:`Reporter` maps *observers* (usually links) to names and holds the current
  *observation*, a dict that :func:`report` writes into. ``with reporter.scope(obs):`` makes
  ``obs`` the observation and the reporter the current one.
- :func:`report` (``minigrad.reporter.report({'loss': loss}, model)``) writes into the current
  reporter's observation; with an observer the key becomes ``'<observer name>/loss'``. With no
  current reporter it does nothing, so a model that reports costs nothing outside training.
- :class:`Summary` and :class:`DictSummary` average reported values over many iterations (what
  ``LogReport`` does between two log lines).

The :class:`~minigrad.training.Trainer` makes one Reporter, names each optimizer's target
(``'main'``) and its links (``'main/predictor'``), and runs every iteration inside
``reporter.scope(trainer.observation)``; ``Classifier`` reports ``'loss'`` and ``'accuracy'``,
which so become ``'main/loss'`` and ``'main/accuracy'``.

Example:
    >>> import numpy, minigrad
    >>> from minigrad import reporter
    >>> model = minigrad.Link()
    >>> rep = reporter.Reporter()
    >>> rep.add_observer('main', model)
    >>> observation = {}
    >>> with rep.scope(observation):
    ...     reporter.report({'loss': 0.5}, model)
    ...     reporter.report({'lr': 0.1})
    >>> observation
    {'main/loss': 0.5, 'lr': 0.1}
"""

import contextlib
import json
import math
import threading

import numpy

from minigrad import backend
from minigrad.variable import Variable


class _Stack(threading.local):
    def __init__(self):
        self.reporters = []


_stack = _Stack()   # per thread, so an evaluation thread never writes into the training one


def _graph_free(value):
    # a reported Variable is kept without its graph, so that the graph can be freed
    if isinstance(value, Variable):
        return Variable(value.array, requires_grad=False)
    return value


class Reporter:
    """Names observers and collects reported values into the current observation.

    Attributes:
        observation (dict): where :meth:`report` writes; replaced inside :meth:`scope`.

    Example:
        >>> import minigrad
        >>> model = minigrad.Chain(l1=minigrad.Link())
        >>> rep = Reporter()
        >>> rep.add_observer('main', model)
        >>> rep.add_observers('main', model.namedlinks(skipself=True))
        >>> obs = {}
        >>> with rep.scope(obs):
        ...     report({'norm': 2.0}, model.l1)
        >>> obs
        {'main/l1/norm': 2.0}
    """

    def __init__(self):
        self._observer_names = {}
        self.observation = {}

    def __enter__(self):
        """Make this reporter the current one (the one :func:`report` writes to)."""
        _stack.reporters.append(self)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        _stack.reporters.pop()

    @contextlib.contextmanager
    def scope(self, observation):
        """Inside this ``with`` block the reporter is current and writes into ``observation``."""
        old = self.observation
        self.observation = observation
        self.__enter__()
        try:
            yield
        finally:
            self.__exit__(None, None, None)
            self.observation = old

    def add_observer(self, name, observer):
        """Name ``observer``: values it reports get the key prefix ``name + '/'``."""
        self._observer_names[id(observer)] = name

    def add_observers(self, prefix, observers):
        """Name each ``(name, observer)`` pair ``prefix + name`` (e.g. from ``namedlinks()``)."""
        for name, observer in observers:
            self._observer_names[id(observer)] = prefix + name

    def report(self, values, observer=None):
        """Write ``values`` (a dict) into the observation.

        Args:
            values (dict): names to values (Variables, arrays, numbers). A Variable is stored
                as a new Variable holding the same array but no graph.
            observer: an object named with :meth:`add_observer`; the keys become
                ``'<its name>/<key>'``. None keeps the keys as they are.

        Raises:
            KeyError: ``observer`` was never named with this reporter.
        """
        if observer is None:
            for key, value in values.items():
                self.observation[key] = _graph_free(value)
            return
        name = self._observer_names.get(id(observer))
        if name is None:
            raise KeyError('Reporter.report: the observer (a %s) is not registered with the '
                           'current reporter; name it with reporter.add_observer(name, '
                           'observer), or report without an observer'
                           % type(observer).__name__)
        for key, value in values.items():
            self.observation['%s/%s' % (name, key)] = _graph_free(value)


def get_current_reporter():
    """The reporter of the innermost active ``with reporter:`` / ``reporter.scope()`` block.

    Raises:
        RuntimeError: no reporter is active.
    """
    if not _stack.reporters:
        raise RuntimeError('no reporter is active: run inside a Trainer, or inside '
                           '"with reporter.scope(observation):" of a minigrad.reporter.Reporter')
    return _stack.reporters[-1]


def report(values, observer=None):
    """Report ``values`` to the current reporter; do nothing when none is active.

    Args:
        values (dict): names to values (Variables, arrays, numbers).
        observer: the reporting object (a link); its registered name prefixes the keys.

    Example:
        >>> report({'loss': 1.0})          # no active reporter: nothing happens
        >>> rep, obs = Reporter(), {}
        >>> with rep.scope(obs):
        ...     report({'loss': 1.0})
        >>> obs
        {'loss': 1.0}
    """
    reporters = _stack.reporters
    if reporters:
        reporters[-1].report(values, observer)


@contextlib.contextmanager
def report_scope(observation):
    """Inside this ``with`` block the current reporter writes into ``observation`` instead.

    Raises:
        RuntimeError: no reporter is active.

    Example:
        >>> rep = Reporter()
        >>> outer, inner = {}, {}
        >>> with rep.scope(outer):
        ...     with report_scope(inner):
        ...         report({'x': 1})
        ...     report({'y': 2})
        >>> outer, inner
        ({'y': 2}, {'x': 1})
    """
    current = get_current_reporter()
    old = current.observation
    current.observation = observation
    try:
        yield
    finally:
        current.observation = old


def _scalar(value):
    """A reported value as a float (CPU) or a 0-d array left on the GPU (no synchronisation)."""
    if isinstance(value, Variable):
        value = value.array
    if backend._is_cupy_array(value):
        return value.astype(numpy.float64)
    return float(value)


class Summary:
    """Running mean and standard deviation of scalar values.

    Values on the CPU are summed as Python floats (float64); CuPy values are summed on the GPU
    and read back only by :meth:`compute_mean`, so adding never waits for the GPU.

    Example:
        >>> s = Summary()
        >>> s.add(1.0)
        >>> s.add(3.0)
        >>> s.compute_mean(), s.make_statistics()
        (2.0, (2.0, 1.0))
    """

    def __init__(self):
        self._x = 0.0
        self._x2 = 0.0
        self._n = 0

    def add(self, value, weight=1):
        """Add ``value`` (a number, a 0-d array or Variable) counted ``weight`` times."""
        value = _scalar(value)
        self._x += weight * value
        self._x2 += weight * value * value
        self._n += weight

    def compute_mean(self):
        """The weighted mean of the values added, as a float.

        Raises:
            ValueError: nothing was added.
        """
        if not self._n:
            raise ValueError('Summary.compute_mean: no value was added')
        return float(self._x) / self._n

    def make_statistics(self):
        """``(mean, std)`` of the values added, as floats."""
        mean = self.compute_mean()
        var = float(self._x2) / self._n - mean * mean
        return mean, math.sqrt(max(var, 0.0))

    def state(self):
        """``[sum, sum of squares, count]`` as plain numbers (used to save the summary)."""
        return [float(self._x), float(self._x2), self._n]

    def set_state(self, state):
        """Restore what :meth:`state` returned."""
        self._x, self._x2, self._n = float(state[0]), float(state[1]), state[2]

    def serialize(self, serializer):
        """Save or load the sums and the count (Chainer's serializer protocol)."""
        self._x = serializer('_x', float(self._x))
        self._x2 = serializer('_x2', float(self._x2))
        self._n = serializer('_n', self._n)


class DictSummary:
    """A :class:`Summary` per key of the dicts added: averages observations over iterations.

    Only scalar values (numbers, 0-d arrays and Variables) are summarised; others are skipped.
    A ``(value, weight)`` tuple adds ``value`` with that weight.

    Example:
        >>> import numpy
        >>> s = DictSummary()
        >>> s.add({'loss': 1.0, 'image': numpy.zeros((2, 2))})
        >>> s.add({'loss': numpy.float32(2.0), 'acc': (0.5, 2)})
        >>> s.compute_mean()
        {'loss': 1.5, 'acc': 0.5}
    """

    def __init__(self):
        self._summaries = {}

    def add(self, d):
        """Add each scalar value of the dict ``d`` to the summary of its key."""
        summaries = self._summaries
        for key, value in d.items():
            weight = 1
            if isinstance(value, tuple):
                value, weight = value
            if isinstance(value, Variable):
                value = value.array
            if isinstance(value, (int, float, numpy.number, numpy.bool_)) \
                    or getattr(value, 'ndim', -1) == 0:
                summary = summaries.get(key)
                if summary is None:
                    summary = summaries[key] = Summary()
                summary.add(value, weight)

    def compute_mean(self):
        """A dict of the mean of each key, as floats."""
        return {key: s.compute_mean() for key, s in self._summaries.items()}

    def make_statistics(self):
        """A dict with ``key`` -> mean and ``key + '.std'`` -> standard deviation."""
        stats = {}
        for key, s in self._summaries.items():
            mean, std = s.make_statistics()
            stats[key] = mean
            stats[key + '.std'] = std
        return stats

    def serialize(self, serializer):
        """Save or load every summary, as one JSON text (exact for floats, any set of keys)."""
        text = json.dumps({key: s.state() for key, s in self._summaries.items()})
        text = serializer('_summaries', text)
        if getattr(serializer, 'is_deserializer', False):
            summaries = {}
            for key, state in json.loads(text).items():
                summaries[key] = Summary()
                summaries[key].set_state(state)
            self._summaries = summaries
