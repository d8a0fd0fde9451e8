"""Optimizer machinery: Hyperparameter, UpdateRule, Optimizer and GradientMethod.

Optimizers layer (above links; it needs only ``backend`` and ``variable``). The design is
Chainer's: an :class:`Optimizer` is set up on a *target* (a link, or any object whose
``params()`` yields :class:`minigrad.Parameter` objects) and gives every parameter its own
:class:`UpdateRule`. One ``optimizer.update()`` then runs the optimizer's hooks and asks each
parameter to update itself with its rule::

    optimizer (hyperparam: lr=0.01) --setup(model)--> param.update_rule (hyperparam -> parent)
    optimizer.update(): pre hooks -> t += 1 -> rule.update(param) for each param -> post hooks

Hyperparameters live in a :class:`Hyperparameter` object owned by the optimizer; each rule's
hyperparameter object has the optimizer's as its *parent*, so ``optimizer.lr = 0.1`` reaches every
rule at the next update, while ``param.update_rule.hyperparam.lr = 0.5`` overrides one parameter.
Per-parameter state (momentum, Adam's moments) is created lazily, at the first update where the
parameter has both data and a gradient, so parameters that are initialized late (``Linear(None,
10)``) work. The concrete optimizers live in ``minigrad.optimizers``.
"""

import collections
import copy

import numpy

from minigrad import backend
from minigrad.variable import Parameter


class Hyperparameter:
    """A set of hyperparameters, read as attributes, with a fallback to a parent set.

    An attribute not set on this object is looked up on its parent (and so on up the chain);
    setting an attribute sets it here only. Optimizers hold the root of the chain and update rules
    hold children, which is how one assignment on the optimizer reaches every parameter while a
    parameter can still override a value for itself.

    Args:
        parent (Hyperparameter): where missing attributes are looked up, or None.

    Example:
        >>> from minigrad.optimizer import Hyperparameter
        >>> root = Hyperparameter()
        >>> root.lr = 0.1
        >>> child = Hyperparameter(root)
        >>> child.lr
        0.1
        >>> child.lr = 0.5
        >>> child.lr, root.lr
        (0.5, 0.1)
        >>> child.get_dict()
        {'lr': 0.5}
    """

    def __init__(self, parent=None):
        self._parent = parent

    def __getattr__(self, name):
        # only called when normal lookup fails: walk up to the parent
        if '_parent' not in self.__dict__:
            raise AttributeError(name)       # during copy/unpickling, before __init__
        parent = self._parent
        if parent is None:
            raise AttributeError('hyperparameter %r is not defined' % name)
        return getattr(parent, name)

    @property
    def parent(self):
        """The parent hyperparameter object (None for a root)."""
        return self._parent

    def get_dict(self):
        """Return all hyperparameters visible here, the parent's overridden by this object's."""
        d = {} if self._parent is None else self._parent.get_dict()
        for k, v in self.__dict__.items():
            if k != '_parent':
                d[k] = v
        return d

    def __repr__(self):
        return 'Hyperparameter(%s)' % ', '.join(
            '%s=%r' % kv for kv in sorted(self.get_dict().items()))


class HyperparameterProxy:
    """A class attribute that reads and writes ``self.hyperparam.<name>`` (``opt.lr = 0.1``)."""

    def __init__(self, attr_name):
        self._attr_name = attr_name
        self.__doc__ = 'Alias of ``self.hyperparam.%s``.' % attr_name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return getattr(obj.hyperparam, self._attr_name)

    def __set__(self, obj, value):
        setattr(obj.hyperparam, self._attr_name, value)


def _check_timing(timing, owner):
    if timing not in ('pre', 'post', 'auto'):
        raise ValueError("%s.add_hook: timing must be 'pre', 'post' or 'auto', got %r"
                         % (owner, timing))


def _hook_name(hook):
    name = getattr(hook, 'name', None)
    if name is None:
        name = getattr(hook, '__name__', None) or type(hook).__name__
    return name


# the value an update rule gives for a state entry that a load must find (see UpdateRule.serialize)
_REQUIRED = numpy.zeros(0, dtype=numpy.float32)


def _is_deserializer(serializer):
    """True when ``serializer`` loads (a Chainer-style ``Deserializer``) rather than saves."""
    flag = getattr(serializer, 'is_deserializer', None)
    if flag is not None:
        return bool(flag)
    return any(c.__name__.endswith('Deserializer') for c in type(serializer).__mro__)


def _compute_dtype(dtype):
    """The dtype to do arithmetic in: float16 parameters are updated through float32."""
    return numpy.float32 if dtype == numpy.float16 else dtype


def _state_zeros(param):
    """A zero state array for ``param`` in its compute dtype: float32 for float16 parameters,
    whose squared gradients (Adam's v, RMSprop's ms, AdaGrad's h) underflow in float16."""
    p = param.array
    return backend.get_array_module(p).zeros(p.shape, dtype=_compute_dtype(p.dtype))


def _check_hyperparam(owner, name, value, low=0.0, high=None):
    """Raise ValueError unless ``low <= value`` (and ``value < high`` when given)."""
    if not (value >= low and (high is None or value < high)):
        expected = '>= %g' % low if high is None else 'in [%g, %g)' % (low, high)
        raise ValueError('%s: %s must be %s, got %r' % (owner, name, expected, value))


class UpdateRule:
    """How one parameter is updated, with its own hyperparameters, state and update count.

    Subclasses implement :meth:`init_state` (create the state arrays) and :meth:`update_core`
    (one in-place step on ``param.array`` from ``param.grad``). Optimizers make one rule per
    parameter (``param.update_rule``); a rule may also be used on its own.

    Attributes:
        hyperparam (Hyperparameter): this rule's hyperparameters; its parent is the optimizer's.
        state (dict or None): the state arrays (None until the first update).
        t (int): how many times this rule has updated its parameter (Adam's bias correction).
        enabled (bool): False freezes the parameter (``update`` does nothing).

    Args:
        parent_hyperparam (Hyperparameter): the parent of :attr:`hyperparam`.

    Unlike Chainer, which fills a missing gradient with zeros, a parameter whose ``grad`` is
    None is skipped entirely (as in PyTorch): its data, state and ``t`` stay as they are, so a
    parameter that took no part in the loss is not moved by momentum or weight decay.
    """

    def __init__(self, parent_hyperparam=None):
        self.hyperparam = Hyperparameter(parent_hyperparam)
        self.t = 0
        self.enabled = True
        self._state = None
        self._state_loaded = False     # arrays came from a snapshot: move them to the param's xp
        self._pre_update_hooks = collections.OrderedDict()
        self._post_update_hooks = collections.OrderedDict()

    @property
    def state(self):
        """The state dict (``{'v': array}`` for momentum...), or None before the first update."""
        return self._state

    def add_hook(self, hook, name=None, timing='auto'):
        """Add ``hook(rule, param)``, called before (``'pre'``) or after each update of the param.

        ``timing='auto'`` uses ``hook.timing`` when the hook has one, else ``'pre'``.
        """
        if not callable(hook):
            raise TypeError('UpdateRule.add_hook: hook must be callable, got %s'
                            % type(hook).__name__)
        _check_timing(timing, 'UpdateRule')
        if timing == 'auto':
            timing = getattr(hook, 'timing', 'pre')
        name = name or _hook_name(hook)
        if name in self._pre_update_hooks or name in self._post_update_hooks:
            raise KeyError('UpdateRule.add_hook: a hook named %r already exists' % name)
        hooks = self._pre_update_hooks if timing == 'pre' else self._post_update_hooks
        hooks[name] = hook

    def remove_hook(self, name):
        """Remove the hook registered under ``name`` (KeyError if there is none)."""
        if name in self._pre_update_hooks:
            del self._pre_update_hooks[name]
        elif name in self._post_update_hooks:
            del self._post_update_hooks[name]
        else:
            raise KeyError('UpdateRule.remove_hook: no hook named %r' % name)

    def update(self, param):
        """Update ``param`` in place from its gradient (nothing happens when the grad is None).

        Creates the state at the first real update, increments :attr:`t`, runs the pre hooks,
        :meth:`update_core`, then the post hooks.
        """
        if not self.enabled or param.grad is None or param.array is None:
            return
        if self._state is None or self._state_loaded:
            self._prepare(param)
        self.t += 1
        for hook in self._pre_update_hooks.values():
            hook(self, param)
        self.update_core(param)
        for hook in self._post_update_hooks.values():
            hook(self, param)

    def update_core(self, param):
        """One in-place step on ``param.array`` using ``param.grad`` and :attr:`state`.

        Subclasses override this with one code path on ``xp = get_array_module(param.array)``.
        Chainer-style rules may instead define ``update_core_cpu`` and ``update_core_gpu``.
        """
        if backend.get_array_module(param.array) is numpy:
            self.update_core_cpu(param)
        else:
            self.update_core_gpu(param)

    def update_core_cpu(self, param):
        raise NotImplementedError('%s implements neither update_core nor update_core_cpu'
                                  % type(self).__name__)

    def update_core_gpu(self, param):
        raise NotImplementedError('%s implements neither update_core nor update_core_gpu'
                                  % type(self).__name__)

    def init_state(self, param):
        """Fill :attr:`state` with arrays like ``param.array`` (same xp, shape and dtype).

        Called once, at the first update where the parameter has data and a gradient.
        The default has no state (plain SGD).
        """

    def _prepare(self, param):
        if param.array.dtype.kind != 'f':
            raise TypeError(
                '%s: parameter %s holds %s; an optimizer updates float arrays only: make it '
                'from data.astype(numpy.float32)'
                % (type(self).__name__, param.name or '(unnamed)', param.array.dtype))
        if self._state is None:
            self._state = {}
            self.init_state(param)
            return
        # state loaded from a snapshot before the parameter existed: move it next to the param
        to_device = backend.to_cpu if backend.get_array_module(param.array) is numpy else (
            backend.to_gpu)
        state = self._state
        for key, value in state.items():
            if hasattr(value, 'shape') and hasattr(value, 'dtype'):
                state[key] = to_device(value)
        self._state_loaded = False

    def serialize(self, serializer):
        """Save or load :attr:`t` and the state arrays with a Chainer-style serializer.

        ``serializer(key, value)`` saves ``value`` (a saver) or returns the loaded value (a
        deserializer, which copies into ``value`` when it is an array). When loading into a rule
        that has no state yet (the parameter was never updated, or not even initialized), the
        keys are learned by running :meth:`init_state` on a stand-in parameter and the loaded
        arrays become the state; they are moved to the parameter's device at its next update.
        A snapshot taken before the first update holds no state, and the state then stays None.
        """
        self.t = serializer('t', self.t)
        if self._state is not None:
            for key in self._state:
                self._state[key] = serializer(key, self._state[key])
            return
        if not _is_deserializer(serializer):
            return
        # learn the state's keys from a stand-in parameter (the keys may depend on the
        # hyperparameters, e.g. Adam's amsgrad adds 'vhat')
        dummy = Parameter(numpy.zeros(1, dtype=numpy.float32))
        dummy.grad = numpy.zeros(1, dtype=numpy.float32)
        probe = copy.copy(self)
        probe._state = {}
        probe.init_state(dummy)
        keys = list(probe._state)
        if hasattr(serializer, '__contains__'):
            present = [key for key in keys if key in serializer]
            if present and len(present) < len(keys):
                # part of a state (saved by another optimizer: Adam's m and v for AMSGrad,
                # which also needs vhat): ask for the rest as required, so that a strict load
                # fails and names them; a non-strict one keeps no state
                for key in keys:
                    serializer(key, None if key in present else _REQUIRED)
                return
        loaded = {}
        for key in keys:
            try:
                value = serializer(key, None)
            except KeyError:
                value = None
            loaded[key] = value
        # ask for every key before deciding, so that load_npz's checking pass sees them all
        if any(value is None for value in loaded.values()):
            return                   # saved before the first update: no state to load
        self._state = loaded
        self._state_loaded = True


class Optimizer:
    """Base class of optimizers: holds the target, the update count, the epoch and the hooks.

    Attributes:
        target: the link (or any object with ``params()``) being optimized.
        t (int): the number of updates done so far.
        epoch (int): the current epoch (incremented by :meth:`new_epoch`).
        use_auto_new_epoch (bool): True when an updater calls ``new_epoch(auto=True)``.

    A hook is a callable ``hook(optimizer)`` run before (``timing='pre'``, the default) or after
    (``'post'``) each update; one with ``call_for_each_param = True`` is instead called as
    ``hook(param.update_rule, param)`` for every parameter (as ``WeightDecay`` is).
    """

    target = None
    t = 0
    epoch = 0
    use_auto_new_epoch = False

    def __init__(self):
        self._pre_update_hooks = collections.OrderedDict()
        self._post_update_hooks = collections.OrderedDict()

    def setup(self, link):
        """Start optimizing ``link`` (its ``params()``); resets :attr:`t` and :attr:`epoch`.

        Returns:
            this optimizer, so that ``opt = Adam().setup(model)`` works.
        """
        if not callable(getattr(link, 'params', None)):
            raise TypeError('%s.setup: the target must be a Link (an object with a params() '
                            'method), got %s' % (type(self).__name__, type(link).__name__))
        self.target = link
        self.t = 0
        self.epoch = 0
        return self

    def _check_setup(self, what):
        if self.target is None:
            raise RuntimeError('%s.%s: call setup(model) first'
                               % (type(self).__name__, what))

    def update(self, lossfun=None, *args, **kwds):
        """Update the parameters of the target (see :meth:`GradientMethod.update`)."""
        raise NotImplementedError

    def new_epoch(self, auto=False):
        """Tell the optimizer that a new epoch starts (increments :attr:`epoch`).

        Args:
            auto (bool): True when called by an updater; it must match
                :attr:`use_auto_new_epoch`, so that epochs are not counted twice.
        """
        if auto and not self.use_auto_new_epoch:
            raise RuntimeError('new_epoch(auto=True) was called but use_auto_new_epoch is '
                               'False; set optimizer.use_auto_new_epoch = True first')
        if not auto and self.use_auto_new_epoch:
            raise RuntimeError('new_epoch() was called by hand but use_auto_new_epoch is True '
                               '(an updater counts the epochs); do not call it yourself')
        for hook in self._pre_update_hooks.values():
            if hasattr(hook, 'new_epoch'):
                hook.new_epoch(self)
        self.epoch += 1

    def add_hook(self, hook, name=None, timing='auto'):
        """Register ``hook``, called at every update.

        Args:
            hook: a callable ``hook(optimizer)``; or, with ``hook.call_for_each_param`` true,
                ``hook(update_rule, param)`` for each parameter.
            name (str): a unique name (default: ``hook.name``, else the function's name).
            timing (str): ``'pre'`` (before the parameters are updated), ``'post'`` (after), or
                ``'auto'``: ``hook.timing`` if the hook has it, else ``'pre'``.
        """
        if not callable(hook):
            raise TypeError('%s.add_hook: hook must be callable, got %s'
                            % (type(self).__name__, type(hook).__name__))
        _check_timing(timing, type(self).__name__)
        if timing == 'auto':
            timing = getattr(hook, 'timing', 'pre')
            if timing not in ('pre', 'post'):
                raise ValueError("%s.add_hook: hook.timing must be 'pre' or 'post', got %r"
                                 % (type(self).__name__, timing))
        name = name or _hook_name(hook)
        if name in self._pre_update_hooks or name in self._post_update_hooks:
            raise KeyError('%s.add_hook: a hook named %r already exists; pass another name='
                           % (type(self).__name__, name))
        hooks = self._pre_update_hooks if timing == 'pre' else self._post_update_hooks
        hooks[name] = hook

    def remove_hook(self, name):
        """Remove the hook registered under ``name`` (KeyError if there is none)."""
        if name in self._pre_update_hooks:
            del self._pre_update_hooks[name]
        elif name in self._post_update_hooks:
            del self._post_update_hooks[name]
        else:
            raise KeyError('%s.remove_hook: no hook named %r' % (type(self).__name__, name))

    def call_hooks(self, timing='pre'):
        """Run the hooks registered for ``timing`` (``'pre'`` or ``'post'``), in order."""
        hooks = self._pre_update_hooks if timing == 'pre' else self._post_update_hooks
        for hook in hooks.values():
            if getattr(hook, 'call_for_each_param', False):
                for param in self.target.params():
                    hook(param.update_rule, param)
            else:
                hook(self)

    def _namedparams(self):
        target = self.target
        if callable(getattr(target, 'namedparams', None)):
            return target.namedparams()
        return (('/%d' % i, p) for i, p in enumerate(target.params()))

    def serialize(self, serializer):
        """Save or load the optimizer with a Chainer-style serializer.

        Stores :attr:`t`, :attr:`epoch`, and under ``serializer[name]`` for each parameter
        (``name`` from ``target.namedparams()``) its rule's ``t`` and state arrays.
        Hyperparameters are not stored: they come from the code that builds the optimizer.
        """
        self._check_setup('serialize')
        self.t = serializer('t', self.t)
        self.epoch = serializer('epoch', self.epoch)
        for name, param in self._namedparams():
            rule = getattr(param, 'update_rule', None)
            if rule is not None:
                rule.serialize(serializer[name])


class GradientMethod(Optimizer):
    """Base class of first-order optimizers: one :class:`UpdateRule` per parameter.

    Subclasses set their hyperparameters on :attr:`hyperparam` in ``__init__``, expose them with
    :class:`HyperparameterProxy` class attributes, and implement :meth:`create_update_rule`.

    Attributes:
        hyperparam (Hyperparameter): the root of every rule's hyperparameter chain.
    """

    def __init__(self):
        super().__init__()
        self.hyperparam = Hyperparameter()

    def setup(self, link):
        """Start optimizing ``link``; every parameter gets a fresh update rule.

        Returns:
            this optimizer.
        """
        super().setup(link)
        for param in link.params():
            param.update_rule = self.create_update_rule()
        return self

    def create_update_rule(self):
        """Return a new update rule whose hyperparameters have :attr:`hyperparam` as parent."""
        raise NotImplementedError

    def update(self, lossfun=None, *args, **kwds):
        """Update every parameter of the target once.

        With ``lossfun``: ``loss = lossfun(*args, **kwds)``, then the gradients are cleared
        (``target.cleargrads()``) and ``loss.backward()`` computes fresh ones. Without it the
        gradients already in ``param.grad`` are used (call ``model.cleargrads()`` before
        ``loss.backward()`` yourself, or they accumulate). Then: pre hooks, ``t += 1``, each
        parameter's update rule (parameters whose grad is None are skipped), post hooks.
        A parameter added to the target after :meth:`setup` gets an update rule here.
        """
        self._check_setup('update')
        target = self.target
        if lossfun is not None:
            loss = lossfun(*args, **kwds)
            cleargrads = getattr(target, 'cleargrads', None)
            if cleargrads is not None:
                cleargrads()
            else:
                for param in target.params():
                    param.cleargrad()
            loss.backward()
            del loss
        if self._pre_update_hooks:
            self.call_hooks('pre')
        self.t += 1
        for param in target.params():
            rule = param.update_rule
            if rule is None:
                rule = param.update_rule = self.create_update_rule()
            rule.update(param)
        if self._post_update_hooks:
            self.call_hooks('post')
