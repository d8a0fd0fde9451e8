"""Variable, its graph node, Parameter, and the backward engine.

Core layer. A :class:`Variable` is what users hold: an array plus its gradient. The graph itself is
made of :class:`VariableNode` objects (one per Variable that takes part in a recorded computation)
and Functions (``minigrad.function``)::

    x (Variable) -> x.node -> Mul (Function) -> y.node <- y (Variable)
                              holds inputs      held by weak reference
                              strongly          from its creator

A Function holds its input nodes, not the input Variables, and a node holds an array only when the
Function retained it for backward; so dropping a Variable frees its array unless backward needs it.
Operators (``+``, ``*``, ``[]``, ``reshape``...) are installed onto Variable by
``minigrad.functions`` when the package is imported, so this module never imports that layer.
"""

import copy
import heapq
import weakref

import numpy

from minigrad import backend
from minigrad.configuration import config, using_config


def _is_array(x):
    return type(x) is numpy.ndarray or backend._is_cupy_array(x)


class VariableNode:
    """The graph-side half of a Variable: creator, generation, and data only when retained.

    Users rarely touch nodes; ``Variable.node`` returns one and ``node.get_variable()`` goes back.
    """

    __slots__ = ('_variable', 'creator', 'generation', 'data', 'name', 'shape', 'dtype',
                 'requires_grad', '__weakref__')

    def __init__(self, variable, creator=None, generation=0):
        self._variable = weakref.ref(variable)
        self.creator = creator
        self.generation = generation
        self.data = None            # set only when a Function retains this input for backward
        self.name = variable._name
        data = variable._data
        if data is None:
            self.shape = self.dtype = None
        else:
            self.shape = data.shape
            self.dtype = data.dtype
        self.requires_grad = variable._requires_grad

    def get_variable(self):
        """Return the Variable of this node, re-creating one around the retained data if needed."""
        var = self._variable()
        if var is not None:
            return var
        var = Variable.__new__(Variable)
        var._data = self.data
        var._grad_var = None
        var._requires_grad = self.requires_grad
        var._name = self.name
        var._node = self
        self._variable = weakref.ref(var)
        return var

    def __deepcopy__(self, memo):
        raise TypeError('a VariableNode cannot be copied: it is one point of a recorded graph; '
                        'copy the Variable instead (the copy is a new leaf, without the graph)')

    def __repr__(self):
        return '<VariableNode %s%s %s>' % (
            self.name + ' ' if self.name else '', self.shape, self.dtype)


class Variable:
    """An array that remembers how it was computed, so that gradients can flow back through it.

    Args:
        data (numpy.ndarray or cupy.ndarray): the value. NumPy scalars become 0-d arrays.
        name (str): shown in reprs, errors and graph pictures.
        requires_grad (bool): False for constants; backward then computes no gradient for it.

    Example:
        >>> import numpy, minigrad
        >>> x = minigrad.Variable(numpy.array([1., 2., 3.], dtype=numpy.float32), name='x')
        >>> import minigrad.functions as F
        >>> y = F.sum(x * x)
        >>> y.backward()
        >>> x.grad
        array([2., 4., 6.], dtype=float32)
    """

    __slots__ = ('_data', '_node', '_grad_var', '_requires_grad', '_name', '__weakref__')

    # make numpy defer to our reflected operators: numpy_array + Variable gives a Variable
    __array_priority__ = 200
    __array_ufunc__ = None

    def __init__(self, data=None, name=None, requires_grad=True):
        if data is not None and not _is_array(data):
            if isinstance(data, (numpy.generic, numpy.ndarray)):
                # a NumPy scalar, or an ndarray subclass (numpy.memmap, numpy.matrix): its
                # plain array (a view, no copy), so that arithmetic keeps NumPy's meaning
                data = numpy.asarray(data)
            else:
                raise TypeError(
                    'Variable: data must be a numpy or cupy array, got %s; wrap it with '
                    'numpy.asarray(data, dtype=numpy.float32)' % type(data).__name__)
        if name is not None and not isinstance(name, str):
            raise TypeError('Variable: name must be a str or None, got %s' % type(name).__name__)
        self._data = data
        self._node = None
        self._grad_var = None
        self._requires_grad = bool(requires_grad)
        self._name = name

    # ---- data and gradient -------------------------------------------------------------
    @property
    def array(self):
        """The underlying numpy or cupy array."""
        return self._data

    @array.setter
    def array(self, d):
        self._data = d
        node = self._node
        if node is not None:
            node.shape = d.shape
            node.dtype = d.dtype

    data = array

    @property
    def grad_var(self):
        """The gradient as a Variable (a graph when ``enable_double_backprop`` was on), or None."""
        return self._grad_var

    @grad_var.setter
    def grad_var(self, g):
        if g is not None:
            if not isinstance(g, Variable):
                raise TypeError('Variable.grad_var must be a Variable or None, got %s'
                                % type(g).__name__)
            self._check_grad(g._data)
        self._grad_var = g

    @property
    def grad(self):
        """The gradient array (same shape and dtype as ``array``), or None before backward."""
        g = self._grad_var
        return None if g is None else g._data

    @grad.setter
    def grad(self, g):
        if g is None:
            self._grad_var = None
            return
        self._check_grad(g)
        self._grad_var = Variable(g, requires_grad=False)

    def _check_grad(self, g):
        if not _is_array(g):
            raise TypeError('%s.grad must be an array or None, got %s'
                            % (self._label(), type(g).__name__))
        if self._data is not None and (g.shape != self._data.shape
                                       or g.dtype != self._data.dtype):
            raise ValueError('%s.grad must match the data: expected %s %s, got %s %s'
                             % (self._label(), self._data.shape, self._data.dtype,
                                g.shape, g.dtype))

    def _label(self):
        return 'variable %s' % self._name if self._name else 'variable'

    def cleargrad(self):
        """Forget the gradient (call before a new backward, or gradients accumulate)."""
        self._grad_var = None

    def zerograd(self):
        """Set the gradient to zeros (prefer :meth:`cleargrad`, which is cheaper)."""
        self.grad = backend.get_array_module(self._data).zeros_like(self._data)

    def addgrad(self, var):
        """Add ``var``'s gradient into this variable's gradient."""
        g = var.grad
        if g is None:
            return
        self.grad = g.copy() if self.grad is None else self.grad + g

    def __deepcopy__(self, memo):
        """``copy.deepcopy(v)``: a new leaf with copies of the data, gradient and attributes.

        The copy does not take over the graph that computed ``v`` (its creator is None), so
        ``copy.deepcopy(model)`` gives parameters that are independent of the model's, also
        in backward. PyTorch refuses to deep-copy a non-leaf tensor; here the copy of one is
        cut loose instead, like ``unchain()``.
        """
        cls = type(self)
        new = cls.__new__(cls)
        memo[id(self)] = new
        for klass in cls.__mro__:
            for name in klass.__dict__.get('__slots__', ()):
                if name not in ('_node', '__weakref__', '__dict__') and hasattr(self, name):
                    setattr(new, name, copy.deepcopy(getattr(self, name), memo))
        new._node = None
        if hasattr(self, '__dict__'):           # a user's subclass without __slots__
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    # ---- graph ----------------------------------------------------------------------------
    @property
    def node(self):
        """This variable's :class:`VariableNode` (created on first use)."""
        node = self._node
        if node is None:
            node = self._node = VariableNode(self)
        return node

    @property
    def creator(self):
        """The Function that produced this variable, or None for a leaf."""
        node = self._node
        return None if node is None else node.creator

    @creator.setter
    def creator(self, func):
        node = self.node
        node.creator = func
        if func is not None:
            node.generation = func.generation + 1

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        node = self._node
        if node is not None and flag != self._requires_grad:
            if flag and node.creator is None:
                # a leaf switched on: graphs recorded so far keep its old node (their Functions
                # kept only what the old flag needed for backward); later ones get a new node,
                # as in PyTorch
                self._node = None
            else:
                # switched off: no gradient reaches it, from old graphs either (PyTorch too)
                node.requires_grad = flag
        self._requires_grad = flag

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, n):
        self._name = n
        if self._node is not None:
            self._node.name = n

    # ---- array-like attributes ------------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def xp(self):
        """``numpy`` or ``cupy``, whichever holds the data."""
        return backend.get_array_module(self._data)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError('len() of a 0-dimensional variable')
        return self._data.shape[0]

    def item(self):
        """The value of a one-element variable as a Python number."""
        return self._data.item()

    def __repr__(self):
        if self._data is None:
            return 'variable%s(None)' % (' ' + self._name if self._name else '')
        prefix = 'variable%s(' % (' ' + self._name if self._name else '')
        body = numpy.array2string(backend.to_cpu(self._data), separator=', ',
                                  prefix=prefix)
        return '%s%s, shape=%s, dtype=%s)' % (prefix, body, self._data.shape, self._data.dtype)

    __str__ = __repr__

    # ---- devices --------------------------------------------------------------------------
    def to_cpu(self):
        """Move the data and gradient to NumPy, in place."""
        self._data = backend.to_cpu(self._data)
        if self._grad_var is not None:
            self._grad_var._data = backend.to_cpu(self._grad_var._data)
        if self._node is not None and self._node.data is not None:
            self._node.data = backend.to_cpu(self._node.data)

    def to_gpu(self, device=None):
        """Move the data and gradient to CuPy on ``device``, in place."""
        self._data = backend.to_gpu(self._data, device)
        if self._grad_var is not None:
            self._grad_var._data = backend.to_gpu(self._grad_var._data, device)
        if self._node is not None and self._node.data is not None:
            self._node.data = backend.to_gpu(self._node.data, device)

    # ---- cutting the graph ----------------------------------------------------------------
    def unchain(self):
        """Cut this variable from its creator: it becomes a leaf, the graph behind stays."""
        if self._node is not None:
            self._node.creator = None

    def unchain_backward(self):
        """Cut every edge behind this variable so the graph behind it can be freed.

        Every variable reachable backwards from this one, itself included, loses its creator,
        and every Function behind it drops its inputs; nothing behind is kept alive by this
        variable any more. This is what truncated backpropagation through time relies on: after
        ``bprop_len`` steps, backward the summed loss and cut the graph, keeping the state::

            loss = 0
            for t, (x, t_next) in enumerate(stream):
                loss += F.softmax_cross_entropy(model(x), t_next)
                if (t + 1) % bprop_len == 0:
                    model.cleargrads(); loss.backward(); loss.unchain_backward(); opt.update()
                    loss = 0

        The recurrent state (``model.h``) keeps its value but no longer remembers its history.
        """
        node = self._node
        if node is None or node.creator is None:
            return
        seen = {node.creator}
        stack = [node.creator]
        while stack:
            func = stack.pop()
            inputs = func.inputs
            if inputs:
                for x in inputs:
                    c = x.creator
                    if c is not None and c not in seen:
                        seen.add(c)
                        stack.append(c)
            func.unchain()

    # ---- backward -------------------------------------------------------------------------
    def backward(self, retain_grad=False, enable_double_backprop=False):
        """Compute gradients of this variable with respect to every variable behind it.

        Leaves (variables without a creator, such as parameters) get ``.grad``; gradients
        accumulate into an existing ``.grad``, so call ``cleargrad()`` between iterations.

        Args:
            retain_grad (bool): keep ``.grad`` on intermediate variables too.
            enable_double_backprop (bool): record the backward computation itself, so that the
                gradients (``x.grad_var``) can be differentiated again.

        A one-element variable starts from gradient 1; any other needs ``.grad`` set first.
        The engine is iterative: graphs of any depth work without touching the recursion limit.
        """
        node = self._node
        if node is None or node.creator is None:
            return
        if self._grad_var is None:
            if self._data.size != 1:
                raise ValueError(
                    'backward: %s has shape %s; backward starts from a one-element variable '
                    '(a loss). Reduce it with F.sum(y), or set y.grad = xp.ones_like(y.array) '
                    'first' % (self._label(), self._data.shape))
            xp = backend.get_array_module(self._data)
            self._grad_var = Variable(xp.ones_like(self._data), requires_grad=False)
        starts = [(node, self._grad_var)]
        cfg = config
        recording = cfg.enable_backprop
        if enable_double_backprop == recording:
            _backward_main(starts, retain_grad)
        else:
            cfg.enable_backprop = enable_double_backprop   # using_config, spelled out (faster)
            try:
                _backward_main(starts, retain_grad)
            finally:
                cfg.enable_backprop = recording


def _debug_backward(func, indexes, gys):
    # a backward made of Functions meets NaN/Inf inside one of them (a div, a log), whose own
    # check would name only it: say whose backward it was, and where that function was made
    try:
        return func.backward(indexes, gys)
    except FloatingPointError as e:
        raise FloatingPointError('debug: %s backward produced NaN/Inf (%s)%s'
                                 % (func.label, e, func._stack_text())) from e


def _debug_check_grad(func, i, x, gx):
    xp = backend.get_array_module(gx)
    if gx.shape != x.shape:
        raise ValueError('%s.backward returned a gradient of shape %s for input %d, whose shape '
                         'is %s' % (type(func).__name__, gx.shape, i, x.shape))
    if x.dtype is not None and gx.dtype != x.dtype:
        raise ValueError('%s.backward returned a gradient of dtype %s for input %d, whose dtype '
                         'is %s' % (type(func).__name__, gx.dtype, i, x.dtype))
    if not xp.isfinite(gx).all():
        raise FloatingPointError(
            'debug: %s backward produced NaN/Inf in the gradient of input %d (%s)%s'
            % (func.label, i, x.name or 'unnamed', func._stack_text()))


_ONLY_FIRST = (0,)
_ONLY_SECOND = (1,)
_BOTH = (0, 1)


class _OwnedGrad(Variable):
    """A gradient whose array nothing but the running backward pass refers to.

    First-order array backward paths (the arithmetic in ``functions/basic_math.py``, exp,
    sigmoid, tanh and the relu-like scaling) give their freshly computed gradients this class,
    and the engine gives it to the sums it forms. While a
    gradient has it, the engine may add into its array, and a Function whose class sets
    ``_overwrites_grads`` may compute its own input gradient into it (``g *= x`` instead of a
    new array; in a long chain the same buffer then travels down the whole backward pass).
    Whatever lets a gradient escape turns it back into a plain :class:`Variable` first: being
    stored as ``.grad``, returned by :func:`grad`, shown to a function hook, handed to a
    Function without ``_overwrites_grads``, or returned for two inputs at once.

    So an engine-owned gradient exists only in first-order backward, while
    ``config.enable_backprop`` is False: a Function that is handed one knows that without
    reading the configuration (``Mul.backward`` relies on this).
    """

    __slots__ = ()


def _new_variable(data, requires_grad, cls=Variable):
    # Variable.__init__ without its checks: forward outputs and gradients are arrays by
    # construction
    v = cls.__new__(cls)
    v._data = data
    v._node = None
    v._grad_var = None
    v._requires_grad = requires_grad
    v._name = None
    return v


def _owned_grad(data):
    return _new_variable(data, False, _OwnedGrad)


def _backward_main(starts, retain_grad, targets=None, stop_at_targets=False):
    """Run the backward engine from ``starts``, a list of (node, gradient Variable) pairs.

    With ``targets`` None, leaves (and with ``retain_grad`` every visited variable) get ``.grad``;
    otherwise nothing is stored and a dict {target node: gradient Variable} is returned.
    """
    grads = {}                      # node -> gradient Variable
    handed_out = set()              # ids of arrays already owned by some variable's .grad
    heap = []
    seen = set()
    counter = 0
    for node, g in starts:
        grads[node] = g if node not in grads else grads[node] + g
        handed_out.add(id(g._data))
        c = node.creator
        if c is not None and c not in seen:
            seen.add(c)
            heap.append((-c.generation, counter, c))
            counter += 1
    heapq.heapify(heap)
    start_nodes = {node for node, _ in starts}
    found = {} if targets is not None else None
    # a function of lower generation than every target cannot lead to one: don't walk there
    # (this keeps grad() local when its inputs sit on top of a long history)
    min_generation = min(t.generation for t in targets) if targets else -1
    leaves = []
    debug = config.debug
    recording = config.enable_backprop
    # hooks are read once: a hook switched on inside a backward pass sees the next one
    hooks = config.function_hooks
    watch_outputs = targets is not None or retain_grad
    # the next function to run when it is the only one waiting (a chain): it skips the heap
    nxt = None
    while True:
        if nxt is not None:
            func = nxt
            nxt = None
        elif heap:
            func = heapq.heappop(heap)[2]
        else:
            break
        outputs = func.outputs
        if len(outputs) == 1:               # the common case, without the loops
            y = outputs[0]()
            gy = grads.pop(y, None)         # (None when the output node is gone)
            if gy is None:
                continue
            if type(gy) is _OwnedGrad and (hooks or not func._overwrites_grads
                                           or targets is not None and y in targets):
                gy.__class__ = Variable     # it is about to be seen outside the engine
                # (with retain_grad, _store_grad below does the same)
            gys = gy,
            if watch_outputs:
                out_nodes = y,
        else:
            out_nodes = [ref() for ref in outputs]
            gys = tuple([None if y is None else grads.pop(y, None) for y in out_nodes])
            if gys.count(None) == len(gys):
                continue
            if hooks or not func._overwrites_grads or targets is not None:
                for gy in gys:
                    if type(gy) is _OwnedGrad:
                        gy.__class__ = Variable
        if watch_outputs:
            if targets is not None:
                for y, gy in zip(out_nodes, gys):
                    if gy is not None and y in targets:
                        found[y] = gy
            else:
                for y, gy in zip(out_nodes, gys):
                    if gy is not None and y not in start_nodes:
                        _store_grad(y, gy, handed_out)
        inputs = func.inputs
        if inputs is None:                 # cut by unchain_backward meanwhile
            continue
        n_in = len(inputs)
        if n_in == 1:
            if not inputs[0].requires_grad:
                continue
            indexes = _ONLY_FIRST
        elif n_in == 2:
            if inputs[0].requires_grad:
                indexes = _BOTH if inputs[1].requires_grad else _ONLY_FIRST
            elif inputs[1].requires_grad:
                indexes = _ONLY_SECOND
            else:
                continue
        else:
            indexes = tuple([i for i, x in enumerate(inputs) if x.requires_grad])
            if not indexes:
                continue
        if hooks:
            for hook in tuple(hooks.values()):
                hook.backward_preprocess(func, indexes, gys)
            gxs = _debug_backward(func, indexes, gys) if debug else func.backward(indexes, gys)
            for hook in tuple(hooks.values()):
                hook.backward_postprocess(func, indexes, gys)
        elif debug:
            gxs = _debug_backward(func, indexes, gys)
        else:
            gxs = func.backward(indexes, gys)
        if type(gxs) is not tuple:
            gxs = tuple(gxs) if isinstance(gxs, list) else (gxs,)
        n_gx = len(gxs)
        if n_gx != len(indexes):
            if n_gx != n_in:
                raise ValueError(
                    '%s.backward returned %d gradients; expected %d (one per index in %s) '
                    'or %d (one per input)' % (type(func).__name__, n_gx, len(indexes),
                                              indexes, n_in))
            gxs = [gxs[i] for i in indexes]
            n_gx = len(gxs)
        if n_gx > 1:
            for gx in gxs:
                if type(gx) is _OwnedGrad and gxs.count(gx) > 1:
                    gx.__class__ = Variable     # one array for two inputs: no longer ours alone
        for i, gx in zip(indexes, gxs):
            if gx is None:
                continue
            if not isinstance(gx, Variable):
                gx = Variable(gx, requires_grad=False)
            x = inputs[i]
            if debug:
                _debug_check_grad(func, i, x, gx._data)
            prev = grads.get(x)
            if prev is None:
                grads[x] = gx
                c = x.creator
                if c is None:
                    leaves.append(x)
                elif c not in seen and (targets is None or (
                        c.generation >= min_generation
                        and not (stop_at_targets and x in targets))):
                    seen.add(c)
                    if nxt is None and not heap:
                        nxt = c
                    else:
                        if nxt is not None:
                            heapq.heappush(heap, (-nxt.generation, counter, nxt))
                            counter += 1
                            nxt = None
                        heapq.heappush(heap, (-c.generation, counter, c))
                        counter += 1
            elif recording or hooks:
                # a reused variable sums the gradients of its uses (hooks see the add)
                grads[x] = prev + gx
            elif type(prev) is _OwnedGrad:
                prev._data += gx._data      # our own array: add in place, no new one
            elif type(gx) is _OwnedGrad:
                gx._data += prev._data
                grads[x] = gx
            else:
                total = prev._data + gx._data
                if type(total) is not numpy.ndarray and isinstance(total, numpy.generic):
                    # NumPy gives a scalar for two 0-d arrays; an owned gradient must be an
                    # array, or the next in-place step (g *= w) multiplies a copy
                    total = numpy.asarray(total)
                grads[x] = _owned_grad(total)
    if targets is not None:
        for t in targets:           # leaves, starts, and targets whose creator was not walked
            if t not in found and t in grads:
                found[t] = grads[t]
        for g in found.values():
            if type(g) is _OwnedGrad:
                g.__class__ = Variable
        return found
    for x in leaves:
        _store_grad(x, grads[x], handed_out)


def _store_grad(node, g, handed_out):
    if type(g) is _OwnedGrad:
        g.__class__ = Variable
    var = node._variable()
    if var is None:
        return
    old = var._grad_var
    if old is not None:
        var._grad_var = old + g
        return
    data = g._data
    # one array must never be the .grad of two variables (in-place clipping would hit twice)
    if id(data) in handed_out or data.base is not None:
        g = Variable(data.copy(), requires_grad=False) if not g._requires_grad else g * 1
        data = g._data
    handed_out.add(id(data))
    var._grad_var = g


class Parameter(Variable):
    """A Variable that links register and optimizers update.

    Args:
        initializer: an array (used as the data), a scalar (fills the data), a callable
            ``init(array)`` that fills an array in place (``minigrad.initializers``; its ``dtype``
            attribute, if set, fixes the dtype), or None (the data is filled with NaN so that
            forgetting to initialise shows up at once).
        shape: the shape; None delays creation until :meth:`initialize` is called (lazy
            initialisation, as ``Linear(None, 10)`` does at its first call).
        name (str): the parameter's name (links set it to the attribute name).
        dtype: the dtype when the initializer does not fix one (float32 by default).
    """

    __slots__ = ('initializer', 'update_rule', '_dtype', '_zero_grad_at_init')

    def __init__(self, initializer=None, shape=None, name=None, dtype=numpy.float32):
        self.update_rule = None
        self._dtype = numpy.dtype(dtype)
        self._zero_grad_at_init = False
        if _is_array(initializer) and shape is None:
            super().__init__(initializer, name=name)
            self.initializer = None
            return
        self.initializer = initializer
        super().__init__(None, name=name)
        if shape is not None:
            self.initialize(shape)

    @property
    def is_initialized(self):
        return self._data is not None

    def initialize(self, shape, xp=numpy):
        """Create the data with ``shape`` using the initializer (on ``xp``: numpy or cupy).

        A number or an array initializer fills the data (an array broadcast to ``shape``, as
        Chainer's ``Constant`` does) in the parameter's dtype; only an initializer object's
        ``dtype`` can set another one.
        """
        init = self.initializer
        dtype = (getattr(init, 'dtype', None) if callable(init) else None) or self._dtype
        data = xp.empty(shape, dtype=dtype)
        if init is None:
            data.fill(numpy.nan)
        elif callable(init):
            init(data)
        else:
            data[...] = init
        self.array = data
        if self._zero_grad_at_init:             # zerograd() was called before the data existed
            self._zero_grad_at_init = False
            self.zerograd()

    def zerograd(self):
        """Set the gradient to zeros; before the data exists, once :meth:`initialize` runs."""
        if self._data is None:
            self._zero_grad_at_init = True
            self._grad_var = None
            return
        super().zerograd()

    def cleargrad(self):
        self._zero_grad_at_init = False
        super().cleargrad()

    def update(self):
        """Apply this parameter's update rule (set by an optimizer), if any."""
        if self.update_rule is not None:
            self.update_rule.update(self)

    def __repr__(self):
        if self._data is None:
            return 'parameter %s(uninitialized)' % (self._name or '')
        return 'parameter' + super().__repr__()[len('variable'):]

    __str__ = __repr__


def grad(outputs, inputs, grad_outputs=None, enable_double_backprop=False,
         stop_at_inputs=False):
    """Return the gradients of ``outputs`` with respect to ``inputs``; no ``.grad`` is touched.

    Args:
        outputs: a Variable or a list of Variables.
        inputs: a Variable or a list of Variables (leaves or intermediate ones).
        grad_outputs: gradients to start from, one per output (None: ones, which needs
            one-element outputs).
        enable_double_backprop (bool): record the computation, so the result can be
            differentiated again (Newton's method, gradient penalties).
        stop_at_inputs (bool): treat the inputs as independent: gradients do not flow past an
            input into the graph that produced it (partial instead of total derivatives when
            one input depends on another). A Function whose ``backward`` differentiates a
            composition of its retained inputs needs this (see ``minigrad_rnn``'s LSTM).

    Returns:
        A list with one gradient Variable per input (None where an input does not affect the
        outputs).

    Example (the second derivative of x ** 3 at 2 is 12):
        >>> import numpy, minigrad
        >>> x = minigrad.Variable(numpy.array(2.0))
        >>> gx, = minigrad.grad([x ** 3], [x], enable_double_backprop=True)
        >>> ggx, = minigrad.grad([gx], [x])
        >>> float(gx.array), float(ggx.array)
        (12.0, 12.0)
    """
    single = isinstance(outputs, Variable)
    outputs = [outputs] if single else list(outputs)
    inputs = [inputs] if isinstance(inputs, Variable) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Variable) or _is_array(grad_outputs):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError('grad: got %d outputs but %d grad_outputs'
                         % (len(outputs), len(grad_outputs)))
    starts = []
    for i, (y, gy) in enumerate(zip(outputs, grad_outputs)):
        if gy is None:
            if y.size != 1:
                raise ValueError('grad: output of shape %s needs a grad_output (only '
                                 'one-element outputs start from 1)' % (y.shape,))
            gy = backend.get_array_module(y.array).ones_like(y.array)
        g = gy._data if isinstance(gy, Variable) else gy
        if isinstance(g, (numpy.generic, numpy.ndarray)) and type(g) is not numpy.ndarray:
            g = gy = numpy.asarray(g)       # a NumPy scalar or an ndarray subclass
        if not _is_array(g) or g.shape != y.shape or g.dtype != y.dtype:
            raise ValueError('grad: grad_outputs[%d] must be an array (or Variable) of the '
                             "output's shape and dtype, %s %s; got %s" % (
                                 i, y.shape, y.dtype, '%s %s' % (g.shape, g.dtype)
                                 if _is_array(g) else type(g).__name__))
        if not isinstance(gy, Variable):
            gy = Variable(gy, requires_grad=False)
        starts.append((y.node, gy))
    targets = {x.node for x in inputs}
    with using_config('enable_backprop', enable_double_backprop):
        found = _backward_main(starts, False, targets, stop_at_inputs)
    return [found.get(x.node) for x in inputs]


def as_variable(x):
    """Return ``x`` if it is a Variable, else wrap the array in a constant Variable."""
    if isinstance(x, Variable):
        return x
    return Variable(x, requires_grad=False)


def as_array(x):
    """Return the array of a Variable, or ``x`` itself if it is already an array."""
    return x._data if isinstance(x, Variable) else x
