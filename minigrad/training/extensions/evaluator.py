"""Evaluator: the mean of the values a model reports over a validation set, without training it.

Training layer. Runs the model on every batch of a validation iterator with graph building off
(``no_backprop_mode``) and ``config.train`` False (dropout off), averages what it reports
(``'main/loss'``, ``'main/accuracy'``...), and reports the means with the prefix
``'validation/'``. A model with recurrent state is evaluated on a copy, so the training state
is left untouched.
"""

import copy

from minigrad import configuration, reporter
from minigrad.training import extension, iterators


def _has_state(link):
    links = getattr(link, 'links', None)
    if links is None:
        return False
    return any(callable(getattr(sub, 'reset_state', None)) for sub in links())


def evaluation_copy(target):
    """``target`` itself, or a copy with fresh recurrent state if any of its links has one.

    The copy (``target.copy(mode='share')``) shares the parameter arrays, so it evaluates the
    current weights; ``reset_state()`` is called on each of its links that has the method, so
    the evaluation starts from zero state and never touches the state of ``target``.
    """
    if not _has_state(target):
        return target
    dup = target.copy(mode='share')
    for link in dup.links():
        reset_state = getattr(link, 'reset_state', None)
        if callable(reset_state):
            reset_state()
    return dup


class Evaluator(extension.Extension):
    """Evaluate a model on a validation iterator and report the means of what it reports.

    For each batch: ``in_arrays = converter(batch, device)``, then ``eval_func(*in_arrays)``
    (default: the target, e.g. a ``Classifier``, which reports ``loss`` and ``accuracy``).
    Everything runs under ``no_backprop_mode()`` and ``using_config('train', False)``. The
    iterator is ``reset()`` before each evaluation (copied when it has no ``reset``), so give
    it ``repeat=False``. The result, ``{'main/loss': ..., ...}`` with the extension's name as a
    prefix in a Trainer (``'validation/main/loss'``), is reported and returned.

    If the target has links with recurrent state (a ``reset_state`` method), the evaluation
    runs on ``target.copy(mode='share')`` whose states are reset first: the training run keeps
    its state, and every evaluation starts from zero state. A custom ``eval_func`` is called
    as given (it must do this itself if it holds a stateful model).

    Without a Trainer::

        evaluator = Evaluator(val_iter, model)
        result = evaluator()             # or evaluator.evaluate(): {'main/loss': ...}

    Args:
        iterator: the validation iterator, or a dict of them with ``'main'``.
        target: the link to evaluate, or a dict of links with ``'main'``.
        converter: ``converter(batch, device)``; :func:`concat_examples` by default.
        device: where the batches go (see :func:`concat_examples`).
        eval_hook: ``eval_hook(evaluator)`` called before each evaluation.
        eval_func: the callable run on each batch (default: the main target, or its copy).

    Example:
        >>> import numpy, minigrad.links as L
        >>> from minigrad.training import SerialIterator
        >>> x = numpy.ones((4, 3), dtype=numpy.float32)
        >>> t = numpy.zeros(4, dtype=numpy.int32)
        >>> model = L.Classifier(L.Linear(3, 2, initialW=0))
        >>> it = SerialIterator(list(zip(x, t)), 2, repeat=False, shuffle=False)
        >>> result = Evaluator(it, model)()
        >>> sorted(result), round(result['main/loss'], 4)
        (['main/accuracy', 'main/loss'], 0.6931)
    """

    trigger = 1, 'epoch'
    priority = extension.PRIORITY_WRITER
    default_name = 'validation'

    def __init__(self, iterator, target, converter=iterators.concat_examples, device=None,
                 eval_hook=None, eval_func=None):
        if not isinstance(iterator, dict):
            iterator = {'main': iterator}
        if not isinstance(target, dict):
            target = {'main': target}
        if 'main' not in iterator or 'main' not in target:
            raise ValueError("Evaluator: the iterator and target dicts need a 'main' entry")
        self._iterators = iterator
        self._targets = target
        self.converter = converter
        self.device = device
        self.eval_hook = eval_hook
        self.eval_func = eval_func

    def get_iterator(self, name):
        """The iterator registered as ``name``."""
        return self._iterators[name]

    def get_all_iterators(self):
        return dict(self._iterators)

    def get_target(self, name):
        """The target registered as ``name`` (the original, not an evaluation copy)."""
        return self._targets[name]

    def get_all_targets(self):
        return dict(self._targets)

    def __call__(self, trainer=None):
        """Evaluate, report the result (prefixed with this extension's name) and return it."""
        result = self.evaluate()
        reporter.report(result)
        return result

    def evaluate(self):
        """Run the evaluation and return the means, keys prefixed with ``name + '/'`` if named.

        Override it for a custom evaluation; report values inside
        ``reporter.report_scope(observation)`` as this one does.
        """
        targets = {name: evaluation_copy(t) for name, t in self._targets.items()}
        rep = reporter.Reporter()
        prefix = self.name + '/' if self.name else ''
        for name, target in targets.items():
            rep.add_observer(prefix + name, target)
            if hasattr(target, 'namedlinks'):
                rep.add_observers(prefix + name, target.namedlinks(skipself=True))

        if self.eval_hook is not None:
            self.eval_hook(self)
        iterator = self._iterators['main']
        if getattr(iterator, 'repeat', False):
            raise ValueError('Evaluator: the validation iterator repeats forever, so the '
                             'evaluation would never end; make it with repeat=False')
        if callable(getattr(iterator, 'reset', None)):
            iterator.reset()
            it = iterator
        else:
            it = copy.copy(iterator)
        eval_func = self.eval_func or targets['main']

        summary = reporter.DictSummary()
        with rep, configuration.using_config('train', False), \
                configuration.no_backprop_mode():
            for batch in it:
                observation = {}
                with reporter.report_scope(observation):
                    in_arrays = self.converter(batch, self.device)
                    if isinstance(in_arrays, tuple):
                        eval_func(*in_arrays)
                    elif isinstance(in_arrays, dict):
                        eval_func(**in_arrays)
                    else:
                        eval_func(in_arrays)
                summary.add(observation)
        return summary.compute_mean()
