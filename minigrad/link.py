"""Link, Chain and ChainList: the building blocks of models (Chainer's API).

Links layer, above the functions. A :class:`Link` owns parameters (:class:`minigrad.Parameter`,
updated by optimizers) and *persistent values* (arrays and numbers that are saved with the model
but not trained, such as batch normalization's running averages). A :class:`Chain` also owns
child links by name, a :class:`ChainList` by position, so that a model is a tree::

    model = Classifier(MLP())           namedparams(): '/predictor/l1/W', '/predictor/l1/b', ...

Parameters and children are registered by plain attribute assignment inside
``with self.init_scope():``; outside it an assignment is an ordinary attribute. ``del`` removes a
registration. ``link(x)`` calls ``link.forward(x)``.

Example:
    >>> import numpy, minigrad, minigrad.links as L, minigrad.functions as F
    >>> class MLP(minigrad.Chain):
    ...     def __init__(self):
    ...         super().__init__()
    ...         with self.init_scope():
    ...             self.l1 = L.Linear(2, 3)
    ...             self.l2 = L.Linear(None, 1)      # in_size found at the first call
    ...     def forward(self, x):
    ...         return self.l2(F.relu(self.l1(x)))
    >>> model = MLP()
    >>> [name for name, _ in model.namedparams()]
    ['/l1/W', '/l1/b', '/l2/W', '/l2/b']
    >>> model(numpy.ones((4, 2), dtype=numpy.float32)).shape
    (4, 1)
    >>> model.count_params()
    13
"""

import contextlib
import copy as copy_module
import numbers
import warnings

import numpy

from minigrad import backend
from minigrad.variable import Parameter, Variable


def _is_array(x):
    return type(x) is numpy.ndarray or backend._is_cupy_array(x)


def _check_persistent_value(link, name, value):
    if value is None or _is_array(value):
        return
    if isinstance(value, (numbers.Number, numpy.generic)):
        return
    hint = ''
    if isinstance(value, Variable):
        hint = '; a trained value is a Parameter, assigned inside "with link.init_scope():"'
    raise TypeError('%s: persistent value %r must be an array, a number or None, got %s%s'
                    % (type(link).__name__, name, type(value).__name__, hint))


def _describe_param(p):
    data = p._data
    if data is None:
        return 'uninitialized'
    return '%s %s' % (data.shape, data.dtype)


def _copy_param(p, mode):
    new = copy_module.copy(p)          # every slot, including any added by subclasses
    new._node = None
    new._grad_var = None
    new.update_rule = None
    data = p._data
    if data is None or mode == 'share':
        return new
    if mode == 'copy':
        new._data = data.copy()
        if p._grad_var is not None:
            new.grad = p.grad.copy()
        return new
    # mode == 'init'
    if p.initializer is None:
        new._data = data.copy()        # made from an array: there is nothing to re-draw from
    else:
        new._data = None
        new._dtype = data.dtype
        new.initialize(data.shape, xp=backend.get_array_module(data))
    return new


def _indent(text):
    return text.replace('\n', '\n  ')



def _is_method_or_property(attr):
    # what a registered child or parameter must not shadow (a plain class-level default such
    # as ``decoder = None`` may be)
    return attr is not None and (callable(attr) or hasattr(type(attr), '__get__'))

class Link:
    """A building block of models: parameters, persistent values and a ``forward``.

    Subclasses call ``super().__init__()`` first, then register parameters inside
    ``with self.init_scope():``, and define ``forward``::

        class Scale(minigrad.Link):
            def __init__(self, n):
                super().__init__()
                with self.init_scope():
                    self.s = minigrad.Parameter(1.0, (n,))   # initializer, shape
                self.add_persistent('calls', 0)              # saved with the model, not trained
            def forward(self, x):
                self.calls += 1
                return x * self.s

    Attributes:
        name (str): the name under which the parent registered this link (None at the root).
    """

    def __init__(self):
        d = self.__dict__
        d['_params'] = {}               # names, in registration order (a dict as ordered set)
        d['_persistent'] = {}
        d['_within_init_scope'] = False
        d['_on_gpu'] = False
        d['_device_id'] = None
        d['name'] = None

    # ---- registration -----------------------------------------------------------------
    def __setattr__(self, name, value):
        if self.__dict__.get('_within_init_scope'):
            if (isinstance(value, (Parameter, Link)) and name not in self.__dict__
                    and _is_method_or_property(getattr(type(self), name, None))):
                # a method or property of the class (children, xp, params...): registering
                # would shadow it, or fail half-way and leave the name registered
                raise AttributeError('%s: cannot register %r: the class has an attribute of '
                                     'that name' % (type(self).__name__, name))
            self._register(name, value)
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # only reached when normal lookup fails
        if name in ('_params', '_persistent', '_children'):
            raise AttributeError('%s is not set up as a link: call super().__init__() at the '
                                 'start of its __init__' % type(self).__name__)
        raise AttributeError('%r object has no attribute %r' % (type(self).__name__, name))

    def _register(self, name, value):
        if isinstance(value, Parameter):
            value.name = name
            self._params[name] = None
            self._persistent.pop(name, None)

    def __delattr__(self, name):
        self._params.pop(name, None)
        self._persistent.pop(name, None)
        object.__delattr__(self, name)

    @contextlib.contextmanager
    def init_scope(self):
        """Inside this ``with`` block, assigning a Parameter (or, in a Chain, a Link) registers it.

        Example:
            >>> import minigrad
            >>> link = minigrad.Link()
            >>> with link.init_scope():
            ...     link.W = minigrad.Parameter(0.0, (2, 3))
            >>> [name for name, _ in link.namedparams()]
            ['/W']
        """
        d = self.__dict__
        old = d.get('_within_init_scope', False)
        d['_within_init_scope'] = True
        try:
            yield
        finally:
            d['_within_init_scope'] = old

    @property
    def within_init_scope(self):
        """True inside ``with self.init_scope():``."""
        return self.__dict__.get('_within_init_scope', False)

    def add_param(self, name, shape=None, dtype=numpy.float32, initializer=None):
        """Register a new Parameter ``name`` (Chainer's older style; prefer ``init_scope``).

        Args:
            name (str): the attribute name.
            shape: the shape, or None to create the data later with ``param.initialize(shape)``.
                An array here is taken as the parameter's value (``add_param('W', array)``).
            dtype: the dtype when the initializer does not fix one.
            initializer: None (NaN-filled), a number, an array, or an initializer object.
        """
        if _is_array(shape) and initializer is None:
            shape, initializer = None, shape
        if name in self.__dict__:
            raise AttributeError('%s: cannot register a new parameter %r: the attribute exists'
                                 % (type(self).__name__, name))
        if not (initializer is None or _is_array(initializer) or callable(initializer)
                or isinstance(initializer, (numbers.Number, numpy.generic))):
            raise TypeError('%s.add_param: the initializer must be None, a number, an array or '
                            'an initializer, got %s'
                            % (type(self).__name__, type(initializer).__name__))
        param = Parameter(initializer, shape, dtype=dtype)
        with self.init_scope():
            setattr(self, name, param)

    def add_persistent(self, name, value):
        """Register a persistent value: saved and loaded with the model, not trained.

        Args:
            name (str): the attribute name (it must not exist yet).
            value: an array or a number (None for a value a lazy link sets later).

        Example:
            >>> import numpy, minigrad
            >>> link = minigrad.Link()
            >>> link.add_persistent('count', 0)
            >>> link.count
            0
        """
        if name in self.__dict__:
            raise AttributeError('%s: cannot register a new persistent value %r: the attribute '
                                 'exists' % (type(self).__name__, name))
        _check_persistent_value(self, name, value)
        self._persistent[name] = None
        self._params.pop(name, None)
        self.__dict__[name] = value

    def register_persistent(self, name):
        """Register the existing attribute ``name`` as a persistent value."""
        if not hasattr(self, name):
            raise AttributeError('%s: cannot register %r as persistent: there is no such '
                                 'attribute' % (type(self).__name__, name))
        _check_persistent_value(self, name, getattr(self, name))
        self._persistent[name] = None

    # ---- traversal --------------------------------------------------------------------
    # A link may sit in a model twice (tied weights: ``self.enc = self.dec = shared``). The
    # traversals below then give each parameter and each link once, under its first path, as
    # PyTorch's parameters() and modules() do, so that an optimizer updates a shared parameter
    # once per step. (Chainer gives it once per path and so updates it twice.) The _walk
    # methods are the plain recursion, repeats included.
    def params(self, include_uninit=True):
        """Iterate over the parameters of this link and of all links below it (each once)."""
        for _, p in self.namedparams(include_uninit):
            yield p

    def namedparams(self, include_uninit=True):
        """Iterate over ``(path, parameter)`` pairs, paths like ``'/encoder/lstm/W'``.

        A parameter reachable by two paths (a link used twice) comes once, with its first path.
        """
        seen = set()
        for path, p in self._walk_params(include_uninit):
            if id(p) not in seen:
                seen.add(id(p))
                yield path, p

    def links(self, skipself=False):
        """Iterate over this link (unless ``skipself``) and every link below it (each once)."""
        for _, link in self.namedlinks(skipself):
            yield link

    def namedlinks(self, skipself=False):
        """Iterate over ``(path, link)`` pairs: ``('/', self)``, ``('/encoder', ...)``, ...

        A link used twice comes once, with its first path.
        """
        seen = set()
        for path, link in self._walk_links(skipself):
            if id(link) not in seen:
                seen.add(id(link))
                yield path, link

    def _walk_params(self, include_uninit):
        d = self.__dict__
        for name in self._params:
            p = d[name]
            if include_uninit or p._data is not None:
                yield '/' + name, p

    def _walk_links(self, skipself):
        if not skipself:
            yield '/', self

    def children(self):
        """Iterate over the direct child links (none for a plain Link)."""
        return iter(())

    def cleargrads(self):
        """Set every parameter's gradient to None (call before each backward)."""
        for p in self.params():
            p.cleargrad()

    def zerograds(self):
        """Fill every initialised parameter's gradient with zeros (prefer :meth:`cleargrads`)."""
        for p in self.params():
            if p._data is not None:
                p.zerograd()

    def count_params(self):
        """The number of scalars in the initialised parameters.

        Uninitialised (lazy) parameters are not counted, with a warning naming them.
        """
        total = 0
        for path, p in self.namedparams():
            if p._data is None:
                warnings.warn('%s.count_params: parameter %s is not initialized yet and is not '
                              'counted; run a forward pass first' % (type(self).__name__, path),
                              stacklevel=2)
            else:
                total += p._data.size
        return total

    # ---- copies -----------------------------------------------------------------------
    def copy(self, mode='share'):
        """Return a copy of this link tree.

        Args:
            mode: ``'share'``: new Parameter objects that share the arrays with this link (and
                persistent values shared as they are); ``'copy'``: parameters (with gradients)
                and persistent values deep-copied; ``'init'``: parameters re-drawn from their
                initializers (ones made from an array are copied), persistent values
                deep-copied. Gradients start as None except in ``'copy'`` mode, and the copy has
                no optimizer state (``update_rule`` is None). A link or parameter registered
                twice (tied weights) is copied once, so the copy is tied the same way.

        Example:
            >>> import numpy, minigrad.links as L
            >>> l = L.Linear(3, 2)
            >>> l.copy().W.array is l.W.array, l.copy('copy').W.array is l.W.array
            (True, False)
        """
        if mode not in ('share', 'copy', 'init'):
            raise ValueError("%s.copy: mode must be 'share', 'copy' or 'init', got %r"
                             % (type(self).__name__, mode))
        return self._copy_tree(mode, {})

    def _copy_tree(self, mode, memo):
        # memo maps id(original) -> copy for links and parameters, so that one registered
        # twice (tied weights) is copied once and stays tied in the copy
        ret = memo.get(id(self))
        if ret is not None:
            return ret
        ret = copy_module.copy(self)
        memo[id(self)] = ret
        d = ret.__dict__
        d['_params'] = dict(self._params)
        d['_persistent'] = dict(self._persistent)
        d['_within_init_scope'] = False
        d['name'] = None
        for name in self._params:
            p = d[name]
            new = memo.get(id(p))
            if new is None:
                new = memo[id(p)] = _copy_param(p, mode)
            d[name] = new
        if mode != 'share':
            for name in self._persistent:
                d[name] = copy_module.deepcopy(d[name])
        self._copy_children(ret, mode, memo)
        return ret

    def _copy_children(self, ret, mode, memo):
        pass                    # a plain Link has none

    def addgrads(self, link):
        """Add the gradients of ``link``, a link of the same structure, into this one's (to
        sum gradients computed on copies of a model, as data-parallel training does)."""
        src = dict(link._walk_params(True))       # every path, also a tied one's second
        pairs = []
        for path, p in self.namedparams():
            q = src.get(path)
            if q is None:
                raise ValueError('addgrads: %s has no parameter %s' % (type(link).__name__, path))
            pairs.append((p, q))
        for p, q in pairs:
            p.addgrad(q)

    def repeat(self, n_repeat, mode='init'):
        """A :class:`~minigrad.links.Sequential` of ``n_repeat`` copies of this link, made with
        :meth:`copy` ``mode`` (``'init'``: independent, freshly initialised parameters)."""
        from minigrad.links.sequential import Sequential  # (the links package imports this)
        name = self.name
        try:
            return Sequential(self).repeat(n_repeat, mode)
        finally:
            self.name = name                    # Sequential numbered it; it keeps its own

    def copyparams(self, link, copy_persistent=True):
        """Copy the parameter arrays (and persistent values) of ``link``, a link of the same
        structure, into this one in place (across devices if needed).

        Everything is checked before anything is copied: a missing link, parameter or
        persistent value, or a parameter of another shape, raises ValueError and leaves this
        link as it was.
        """
        src_links = dict(link._walk_links(False))   # every path, also a tied one's second
        params, persistents = [], []
        for path, dst in self.namedlinks():
            src = src_links.get(path)
            if src is None:
                raise ValueError('copyparams: %s has no link %s' % (type(link).__name__, path))
            where = path.rstrip('/')
            sd = src.__dict__
            dd = dst.__dict__
            for name in dst._params:
                if name not in src._params:
                    raise ValueError('copyparams: %s has no parameter %s/%s'
                                     % (type(link).__name__, where, name))
                s = sd[name]._data
                p = dd[name]
                if s is None:
                    continue
                if p._data is not None and p._data.shape != s.shape:
                    raise ValueError('copyparams: parameter %s/%s has shape %s here and %s in %s'
                                     % (where, name, p._data.shape, s.shape,
                                        type(link).__name__))
                params.append((dst, p, s))
            if copy_persistent:
                for name in dst._persistent:
                    if name not in src._persistent:
                        raise ValueError('copyparams: %s has no persistent value %s/%s'
                                         % (type(link).__name__, where, name))
                    persistents.append((dd, name, sd[name]))
        for dst, p, s in params:
            if p._data is None:
                p.initialize(s.shape, xp=dst.xp)
            backend.copyto(p._data, s)
        for dd, name, v in persistents:
            if _is_array(dd[name]) and _is_array(v):
                backend.copyto(dd[name], v)
            else:
                dd[name] = copy_module.deepcopy(v)

    # ---- devices ----------------------------------------------------------------------
    @property
    def xp(self):
        """``numpy``, or ``cupy`` after :meth:`to_gpu`: the module for this link's arrays."""
        if self.__dict__.get('_on_gpu'):
            return backend._import_cupy()
        return numpy

    def _move_own(self, to_gpu, device):
        d = self.__dict__
        for name in self._params:
            p = d[name]
            if p._data is not None:
                if to_gpu:
                    p.to_gpu(device)
                else:
                    p.to_cpu()
        for name in self._persistent:
            v = d[name]
            if _is_array(v):
                d[name] = backend.to_gpu(v, device) if to_gpu else backend.to_cpu(v)
        d['_on_gpu'] = to_gpu
        d['_device_id'] = device

    def to_cpu(self):
        """Move every parameter and array persistent value below this link to NumPy.

        Returns:
            this link.
        """
        for link in self.links():
            link._move_own(False, None)
        return self

    def to_gpu(self, device=None):
        """Move every parameter and array persistent value below this link to CuPy.

        Args:
            device: the GPU id (None: the current device). Lazy parameters created later
                follow their input's device.

        Returns:
            this link.
        """
        backend._import_cupy()
        for link in self.links():
            link._move_own(True, device)
        return self

    # ---- serialization ----------------------------------------------------------------
    def serialize(self, serializer):
        """Save or load this link's parameters and persistent values (Chainer's protocol).

        ``serializer(key, value)`` returns the value (a loader returns what it read, filling an
        array in place when given one); ``serializer[name]`` is the serializer of a child.
        An uninitialised parameter is passed as None; a loader's array then initialises it.
        """
        d = self.__dict__
        for name in self._params:
            param = d[name]
            data = serializer(name, param._data)
            if param._data is None and data is not None:
                param.initialize(data.shape, xp=self.xp)
                backend.copyto(param._data, data)
        for name in self._persistent:
            d[name] = serializer(name, d[name])

    # ---- calling ----------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError('%s defines no forward(); a link is called as '
                                  'link(x) -> link.forward(x)' % type(self).__name__)

    # ---- printing ---------------------------------------------------------------------
    @property
    def printable_specs(self):
        """``(name, value)`` pairs shown in the repr (``in_size=3, out_size=4``)."""
        return iter(())

    def _own_params_text(self):
        d = self.__dict__
        return ', '.join('%s: %s' % (name, _describe_param(d[name])) for name in self._params)

    def __repr__(self):
        specs = ', '.join('%s=%r' % kv for kv in self.printable_specs)
        text = '%s(%s)' % (type(self).__name__, specs)
        params = self._own_params_text()
        if params:
            text += ' {%s}' % params
        return text

    def _tree_repr(self, named_children):
        lines = []
        specs = ', '.join('%s=%r' % kv for kv in self.printable_specs)
        if specs:
            lines.append(specs)
        d = self.__dict__
        lines += ['%s: %s' % (name, _describe_param(d[name])) for name in self._params]
        lines += ['(%s): %s' % (name, _indent(repr(child))) for name, child in named_children]
        if not lines:
            return '%s()' % type(self).__name__
        return '%s(\n  %s\n)' % (type(self).__name__, '\n  '.join(lines))


class Chain(Link):
    """A link made of named child links (and possibly parameters of its own).

    Children are registered by assignment inside ``with self.init_scope():`` (or with
    ``Chain(l1=link1, l2=link2)`` / :meth:`add_link`); ``chain['l1']`` is ``chain.l1``.
    """

    def __init__(self, **links):
        super().__init__()
        self.__dict__['_children'] = {}
        for name, link in links.items():
            self.add_link(name, link)

    def _register(self, name, value):
        if isinstance(value, Link):
            if name in self.__dict__:
                raise AttributeError('%s: cannot register a new link %r: the attribute exists'
                                     % (type(self).__name__, name))
            value.name = name
            self._children[name] = None
        else:
            super()._register(name, value)

    def __delattr__(self, name):
        self._children.pop(name, None)
        super().__delattr__(name)

    def __getitem__(self, name):
        return getattr(self, name)

    def add_link(self, name, link):
        """Register ``link`` as the child ``name`` (same as assigning it inside init_scope)."""
        if not isinstance(link, Link):
            raise TypeError('%s.add_link: %r must be a Link, got %s'
                            % (type(self).__name__, name, type(link).__name__))
        if name in self.__dict__:
            raise AttributeError('%s: cannot register a new link %r: the attribute exists'
                                 % (type(self).__name__, name))
        with self.init_scope():
            setattr(self, name, link)

    def _walk_params(self, include_uninit):
        yield from super()._walk_params(include_uninit)
        d = self.__dict__
        for name in self._children:
            prefix = '/' + name
            for path, p in d[name]._walk_params(include_uninit):
                yield prefix + path, p

    def _walk_links(self, skipself):
        if not skipself:
            yield '/', self
        d = self.__dict__
        for name in self._children:
            child = d[name]
            prefix = '/' + name
            yield prefix, child
            for path, link in child._walk_links(skipself=True):
                yield prefix + path, link

    def children(self):
        d = self.__dict__
        for name in self._children:
            yield d[name]

    def _copy_children(self, ret, mode, memo):
        d = ret.__dict__
        d['_children'] = dict(self._children)
        for name in self._children:
            child = d[name]._copy_tree(mode, memo)
            child.name = name
            d[name] = child

    def serialize(self, serializer):
        super().serialize(serializer)
        d = self.__dict__
        for name in self._children:
            d[name].serialize(serializer[name])

    def __repr__(self):
        d = self.__dict__
        return self._tree_repr([(name, d[name]) for name in self._children])


class ChainList(Link):
    """A link made of child links kept in a list: ``chainlist[0]``, ``len``, iteration.

    Children are added with :meth:`append` (or ``ChainList(link1, link2)``) and named by
    position in paths: ``'/0/W'``.

    Example:
        >>> import minigrad, minigrad.links as L
        >>> layers = minigrad.ChainList(L.Linear(2, 3), L.Linear(3, 1))
        >>> len(layers), [name for name, _ in layers.namedparams()]
        (2, ['/0/W', '/0/b', '/1/W', '/1/b'])
    """

    def __init__(self, *links):
        super().__init__()
        self.__dict__['_children'] = []
        for link in links:
            self.add_link(link)

    def _register(self, name, value):
        if isinstance(value, Link):
            raise TypeError('%s: a ChainList registers links with append(link), not by '
                            'assignment inside init_scope' % type(self).__name__)
        super()._register(name, value)

    def add_link(self, link):
        """Append ``link`` as the next child."""
        if not isinstance(link, Link):
            raise TypeError('%s.add_link: expected a Link, got %s'
                            % (type(self).__name__, type(link).__name__))
        link.name = str(len(self._children))
        self._children.append(link)

    append = add_link

    def __getitem__(self, index):
        return self._children[index]

    def __iter__(self):
        return iter(self._children)

    def __len__(self):
        return len(self._children)

    def _walk_params(self, include_uninit):
        yield from super()._walk_params(include_uninit)
        for idx, child in enumerate(self._children):
            prefix = '/%d' % idx
            for path, p in child._walk_params(include_uninit):
                yield prefix + path, p

    def _walk_links(self, skipself):
        if not skipself:
            yield '/', self
        for idx, child in enumerate(self._children):
            prefix = '/%d' % idx
            yield prefix, child
            for path, link in child._walk_links(skipself=True):
                yield prefix + path, link

    def children(self):
        return iter(self._children)

    def _copy_children(self, ret, mode, memo):
        children = []
        for idx, child in enumerate(self._children):
            child = child._copy_tree(mode, memo)
            child.name = str(idx)
            children.append(child)
        ret.__dict__['_children'] = children

    def serialize(self, serializer):
        super().serialize(serializer)
        for idx, child in enumerate(self._children):
            child.serialize(serializer[str(idx)])

    def __repr__(self):
        return self._tree_repr([(str(i), c) for i, c in enumerate(self._children)])
