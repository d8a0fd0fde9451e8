"""Updaters: one training step each (StandardUpdater) or one truncated-BPTT step (BPTTUpdater).

Training layer. An updater owns named iterators and optimizers (``'main'`` when a single one
is given), does one parameter update per :meth:`~StandardUpdater.update`, and counts
``iteration``; ``epoch``, ``epoch_detail`` and ``is_new_epoch`` come from the main iterator.
``serialize`` saves, under its serializer, the iterators (``iterator:main/``), the optimizers
with their state (``optimizer:main/``), the models (``model:main/``), the counter
(``iteration``) and the recurrent state of every link that has ``serialize_state``
(``state/main/<link path>/``), so that a snapshot resumes in the middle of a sequence.
"""

import numbers

from minigrad import reporter
from minigrad.training import iterators


def _as_dict(value, what, check):
    if isinstance(value, dict):
        items = dict(value)
    else:
        items = {'main': value}
    for name, item in items.items():
        check(name, item)
    if 'main' not in items:
        raise ValueError("updater: the %s dict must have an entry named 'main', got %s"
                         % (what, sorted(items)))
    return items


def _check_iterator(name, it):
    if not callable(getattr(it, '__next__', None)):
        raise TypeError('updater: iterator %r must be an iterator (e.g. SerialIterator), got %s'
                        % (name, type(it).__name__))


def _check_optimizer(name, opt):
    if not callable(getattr(opt, 'update', None)) or not hasattr(opt, 'target'):
        raise TypeError('updater: optimizer %r must be an Optimizer, got %s'
                        % (name, type(opt).__name__))
    if opt.target is None:
        raise ValueError('updater: optimizer %r has no target; call optimizer.setup(model) '
                         'before making the updater' % name)


def _call(func, in_arrays):
    if isinstance(in_arrays, tuple):
        return func(*in_arrays)
    if isinstance(in_arrays, dict):
        return func(**in_arrays)
    return func(in_arrays)


def serialize_states(link, serializer):
    """Save or load the recurrent state of every link under ``link`` that has ``serialize_state``.

    Each such link writes under its path: ``serializer['predictor/lstm']`` for the link at
    ``'/predictor/lstm'`` (the root link writes under ``serializer`` itself).
    """
    namedlinks = getattr(link, 'namedlinks', None)
    if namedlinks is None:
        return
    for path, sub in namedlinks():
        serialize_state = getattr(sub, 'serialize_state', None)
        if callable(serialize_state):
            key = path.strip('/')
            serialize_state(serializer[key] if key else serializer)


class Updater:
    """Interface of updaters (see :class:`StandardUpdater`)."""

    def connect_trainer(self, trainer):
        """Called by the Trainer that will drive this updater (nothing to do by default)."""

    def finalize(self):
        """Called at the end of training."""

    def get_optimizer(self, name):
        raise NotImplementedError

    def get_all_optimizers(self):
        raise NotImplementedError

    def update(self):
        raise NotImplementedError

    def serialize(self, serializer):
        raise NotImplementedError


class StandardUpdater(Updater):
    """One mini-batch, one parameter update: ``optimizer.update(loss_func, *in_arrays)``.

    Each :meth:`update` takes the next batch of the main iterator, converts it with
    ``converter(batch, device)`` and calls ``optimizer.update(loss_func, *in_arrays)`` (a dict
    is passed as keyword arguments, anything else as one argument). ``loss_func`` defaults to
    the optimizer's target, e.g. a ``Classifier``. When the iterator starts a new epoch,
    ``optimizer.new_epoch(auto=True)`` is called.

    Args:
        iterator: the training iterator, or a dict of them with a ``'main'`` entry.
        optimizer: the optimizer (already set up), or a dict of them with a ``'main'`` entry.
        converter: ``converter(batch, device)`` -> arrays; :func:`concat_examples` by default.
        device: where the batches go (None: unchanged, -1: NumPy, ``n``: GPU ``n``); with a
            GPU id the optimizers' targets are moved there too, as in Chainer v7.
        loss_func: the callable that returns the loss (default: the main optimizer's target).
        auto_new_epoch (bool): call ``optimizer.new_epoch(auto=True)`` at each new epoch.

    Attributes:
        iteration (int): the number of updates done.
        converter, device, loss_func: as given.

    Example:
        >>> import numpy, minigrad.links as L, minigrad.optimizers as O
        >>> from minigrad.training import SerialIterator
        >>> x = numpy.ones((4, 3), dtype=numpy.float32)
        >>> t = numpy.zeros(4, dtype=numpy.int32)
        >>> model = L.Classifier(L.Linear(3, 2))
        >>> updater = StandardUpdater(SerialIterator(list(zip(x, t)), 2), O.SGD().setup(model))
        >>> updater.update()
        >>> updater.iteration, updater.epoch_detail
        (1, 0.5)
    """

    def __init__(self, iterator, optimizer, converter=iterators.concat_examples, device=None,
                 loss_func=None, auto_new_epoch=True):
        self._iterators = _as_dict(iterator, 'iterator', _check_iterator)
        self._optimizers = _as_dict(optimizer, 'optimizer', _check_optimizer)
        if not callable(converter):
            raise TypeError('%s: converter must be callable, got %s'
                            % (type(self).__name__, type(converter).__name__))
        self.converter = converter
        self.device = device
        self.loss_func = loss_func
        self.auto_new_epoch = auto_new_epoch
        self.iteration = 0
        if isinstance(device, int) and not isinstance(device, bool) and device >= 0:
            for opt in self._optimizers.values():
                opt.target.to_gpu(device)
        if auto_new_epoch:
            for opt in self._optimizers.values():
                opt.use_auto_new_epoch = True

    # ---- counters from the main iterator ----------------------------------------------------
    @property
    def epoch(self):
        """Completed epochs of the main iterator."""
        return self._iterators['main'].epoch

    @property
    def epoch_detail(self):
        """Epochs done by the main iterator, as a float."""
        return self._iterators['main'].epoch_detail

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last batch (None before the first)."""
        return self._iterators['main'].previous_epoch_detail

    @property
    def is_new_epoch(self):
        """True when the last update finished an epoch."""
        return self._iterators['main'].is_new_epoch

    # ---- access -----------------------------------------------------------------------------
    def get_iterator(self, name):
        """The iterator registered as ``name`` (``'main'`` for a single one)."""
        try:
            return self._iterators[name]
        except KeyError:
            raise KeyError('%s has no iterator %r; it has %s'
                           % (type(self).__name__, name, sorted(self._iterators))) from None

    def get_all_iterators(self):
        """A dict of the iterators by name."""
        return dict(self._iterators)

    def get_optimizer(self, name):
        """The optimizer registered as ``name`` (``'main'`` for a single one)."""
        try:
            return self._optimizers[name]
        except KeyError:
            raise KeyError('%s has no optimizer %r; it has %s'
                           % (type(self).__name__, name, sorted(self._optimizers))) from None

    def get_all_optimizers(self):
        """A dict of the optimizers by name."""
        return dict(self._optimizers)

    # ---- updating ---------------------------------------------------------------------------
    def update(self):
        """Do one update (:meth:`update_core`) and count it."""
        self.update_core()
        self.iteration += 1

    def update_core(self):
        """One batch and one ``optimizer.update``; override to change the step."""
        iterator = self._iterators['main']
        batch = next(iterator)
        in_arrays = self.converter(batch, self.device)
        optimizer = self._optimizers['main']
        loss_func = self.loss_func or optimizer.target
        if isinstance(in_arrays, tuple):
            optimizer.update(loss_func, *in_arrays)
        elif isinstance(in_arrays, dict):
            optimizer.update(loss_func, **in_arrays)
        else:
            optimizer.update(loss_func, in_arrays)
        if self.auto_new_epoch and iterator.is_new_epoch:
            optimizer.new_epoch(auto=True)

    def finalize(self):
        """Finalize the iterators."""
        for it in self._iterators.values():
            finalize = getattr(it, 'finalize', None)
            if finalize is not None:
                finalize()

    def serialize(self, serializer):
        """Save or load iterators, optimizers, models, recurrent states and ``iteration``."""
        for name, it in self._iterators.items():
            it.serialize(serializer['iterator:' + name])
        for name, opt in self._optimizers.items():
            opt.serialize(serializer['optimizer:' + name])
            opt.target.serialize(serializer['model:' + name])
        states = serializer['state']
        for name, opt in self._optimizers.items():
            serialize_states(opt.target, states[name])
        self.iteration = serializer('iteration', self.iteration)


class BPTTUpdater(StandardUpdater):
    """Truncated backpropagation through time: ``bprop_len`` steps forward, one update.

    Each :meth:`update` takes ``bprop_len`` batches in turn (e.g. from a
    :class:`~minigrad.training.ParallelSequentialIterator`), sums the losses
    ``loss_func(*in_arrays)`` of the steps, then ``target.cleargrads()``, ``loss.backward()``,
    ``loss.unchain_backward()`` (so the graph never grows past ``bprop_len`` steps) and
    ``optimizer.update()``. The model's recurrent state is never reset here: it carries on
    from one update to the next, as the streams of text do. It reports ``'main/loss'``: the
    summed loss divided by ``bprop_len``, on the scale of one step's loss, so that
    ``exp('main/loss')`` is the perplexity for a language model.

    Args:
        iterator: the sequential iterator (or a dict with ``'main'``).
        optimizer: the optimizer (or a dict with ``'main'``).
        bprop_len (int): steps per update (the truncation length).
        converter, device, loss_func: as for :class:`StandardUpdater`.

    Example:
        >>> import numpy, minigrad, minigrad.links as L, minigrad.optimizers as O
        >>> from minigrad.training import ParallelSequentialIterator
        >>> from minigrad_rnn import LSTM
        >>> class RNNLM(minigrad.Chain):
        ...     def __init__(self, n_vocab, n_units):
        ...         super().__init__()
        ...         with self.init_scope():
        ...             self.embed = L.EmbedID(n_vocab, n_units)
        ...             self.rnn = LSTM(n_units, n_units)
        ...             self.out = L.Linear(n_units, n_vocab)
        ...     def forward(self, x):
        ...         return self.out(self.rnn(self.embed(x)))
        >>> model = L.Classifier(RNNLM(10, 4))
        >>> corpus = numpy.arange(40, dtype=numpy.int32) % 10
        >>> updater = BPTTUpdater(ParallelSequentialIterator(corpus, 4),
        ...                       O.Adam().setup(model), bprop_len=5)
        >>> updater.update()
        >>> updater.iteration, updater.epoch_detail, model.predictor.rnn.h.creator is None
        (1, 0.5, True)
    """

    def __init__(self, iterator, optimizer, bprop_len, converter=iterators.concat_examples,
                 device=None, loss_func=None, auto_new_epoch=True):
        if isinstance(bprop_len, bool) or not isinstance(bprop_len, numbers.Integral):
            raise TypeError('BPTTUpdater: bprop_len must be a positive int, got %r'
                            % (bprop_len,))
        if bprop_len <= 0:
            raise ValueError('BPTTUpdater: bprop_len must be a positive int, got %r'
                             % (bprop_len,))
        bprop_len = int(bprop_len)
        super().__init__(iterator, optimizer, converter, device, loss_func, auto_new_epoch)
        self.bprop_len = bprop_len

    def update_core(self):
        """``bprop_len`` forward steps, one backward, cut the graph, one update."""
        iterator = self._iterators['main']
        optimizer = self._optimizers['main']
        target = optimizer.target
        loss_func = self.loss_func or target
        loss = None
        new_epoch = False
        for _ in range(self.bprop_len):
            batch = next(iterator)
            new_epoch = new_epoch or iterator.is_new_epoch
            step_loss = _call(loss_func, self.converter(batch, self.device))
            loss = step_loss if loss is None else loss + step_loss
        target.cleargrads()
        loss.backward()
        loss.unchain_backward()      # keeps the state's values, frees the graph behind them
        optimizer.update()
        reporter.report({'main/loss': loss.array / self.bprop_len})
        if self.auto_new_epoch and new_epoch:
            optimizer.new_epoch(auto=True)
