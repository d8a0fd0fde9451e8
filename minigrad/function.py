"""Function: the base class of every differentiable operation (Chainer's FunctionNode style).

Core layer. A subclass implements

- ``check_type_forward(inputs)``: plain ``if`` checks on the raw arrays, raising
  :class:`minigrad.InvalidType` (runs before any computation);
- ``forward(inputs)``: a tuple of arrays in, a tuple of arrays out (numpy or cupy, never both);
- ``backward(indexes, grad_outputs)``: gradient Variables in, gradient Variables out, computed
  with minigrad functions so that higher-order gradients work.

``apply(inputs)`` runs them and records the graph: the Function keeps its input nodes and
weak references to its output nodes, and only the arrays that ``retain_inputs`` /
``retain_outputs`` asked for.
"""

import re
import traceback
import weakref

import numpy

from minigrad import backend, configuration
from minigrad.configuration import config
from minigrad.variable import Variable, VariableNode, _new_variable


def _snake_case(name):
    name = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', name)
    return re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name).lower()


_VariableNode_new = VariableNode.__new__
_Variable_new = Variable.__new__


def _dead_reference():
    return None


# the last constant array that got a node, and that node, both weakly held (see _constant_node)
_last_constant = (_dead_reference, _dead_reference)


def _constant_node(x, shape):
    """The node of an array passed directly as an input (``shape`` is ``x.shape``).

    It has no Variable and gets no gradient. The array used last keeps its node, so a constant
    used op after op (a mask, the ``c`` of ``h * c``) has one node, as a Variable would: one
    object less per op, and the graph picture shows one node for it.
    """
    global _last_constant
    array_ref, node_ref = _last_constant
    node = node_ref()
    if node is not None and array_ref() is x and node.shape == shape:
        return node
    node = _VariableNode_new(VariableNode)
    node._variable = _dead_reference
    node.creator = None
    node.generation = 0
    node.data = None
    node.name = None
    node.shape = shape
    node.dtype = x.dtype
    node.requires_grad = False
    try:
        _last_constant = weakref.ref(x), weakref.ref(node)
    except TypeError:       # an array type without weak references: no sharing
        pass
    return node


class Function:
    """Base class of differentiable operations; see the module docstring for the contract.

    Attributes:
        inputs: tuple of the input :class:`VariableNode` objects (None before ``apply``).
        outputs: tuple of weak references to the output nodes.
        generation: the largest generation among the input nodes (outputs get one more);
            the backward engine runs functions from the highest generation down, so each runs
            once, after every function that uses its outputs.
        label: the name used in error messages and graph pictures (``'sigmoid'``); it defaults
            to the class name in snake case.

    Example (a complete Function)::

        class Square(minigrad.Function):
            def check_type_forward(self, inputs):
                type_check.expect_float(self, 'x', inputs[0])
            def forward(self, inputs):
                x, = inputs
                self.retain_inputs((0,))
                return x * x,
            def backward(self, indexes, grad_outputs):
                x, = self.get_retained_inputs()
                gy, = grad_outputs
                return 2 * x * gy,

        y, = Square().apply((x,))
    """

    inputs = None
    outputs = None
    generation = 0
    label = 'function'
    # True on built-in Functions whose first-order backward may compute an input gradient into
    # the array of an engine-owned output gradient (see variable._OwnedGrad) and keeps no
    # reference to its grad_outputs; a user's Function never gets owned gradients
    _overwrites_grads = False
    _input_indexes_to_retain = None
    _output_indexes_to_retain = None
    _retained_output_data = None
    stack = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if 'label' not in cls.__dict__:
            cls.label = _snake_case(cls.__name__)

    # ---- what subclasses implement ------------------------------------------------------
    def check_type_forward(self, inputs):
        """Check the raw input arrays; raise :class:`minigrad.InvalidType` on a mismatch."""

    def forward(self, inputs):
        """Compute the outputs (a tuple of arrays) from the inputs (a tuple of arrays).

        The default dispatches to ``forward_cpu`` or ``forward_gpu`` by the array module.
        """
        if backend.get_array_module(*inputs) is numpy:
            return self.forward_cpu(inputs)
        return self.forward_gpu(inputs)

    def forward_cpu(self, inputs):
        raise NotImplementedError('%s implements neither forward nor forward_cpu'
                                  % type(self).__name__)

    def forward_gpu(self, inputs):
        raise NotImplementedError('%s implements neither forward nor forward_gpu'
                                  % type(self).__name__)

    def backward(self, indexes, grad_outputs):
        """Return gradient Variables for the inputs listed in ``indexes``.

        Args:
            indexes: tuple of the input positions that need a gradient.
            grad_outputs: tuple of gradient Variables, one per output (None for an output that
                received no gradient).

        Returns:
            A tuple with one gradient (Variable or None) per entry of ``indexes``, or one per
            input (the extra entries are ignored).
        """
        raise NotImplementedError('%s is not differentiable (it has no backward)'
                                  % type(self).__name__)

    # ---- retaining arrays for backward --------------------------------------------------
    def retain_inputs(self, indexes):
        """Keep the input arrays at ``indexes`` for backward (call it inside ``forward``)."""
        self._input_indexes_to_retain = indexes

    def retain_outputs(self, indexes):
        """Keep the output arrays at ``indexes`` for backward (call it inside ``forward``)."""
        self._output_indexes_to_retain = indexes

    def get_retained_inputs(self):
        """The retained inputs as Variables connected to the graph (for double backprop)."""
        inputs = self.inputs
        return tuple([inputs[i].get_variable() for i in self._input_indexes_to_retain])

    def get_retained_outputs(self):
        """The retained outputs as Variables connected to the graph (for double backprop)."""
        ret = []
        outputs = list(self.outputs)
        for index, data in zip(self._output_indexes_to_retain, self._retained_output_data):
            node = outputs[index]()
            if node is None:
                # the output was dropped by the user: re-create it, still made by this function
                var = _new_variable(data, True)
                node = var._node = VariableNode(var, self, self.generation + 1)
                outputs[index] = weakref.ref(node)
                self.outputs = tuple(outputs)
            else:
                var = node.get_variable()
                if var._data is None:
                    var._data = data
            ret.append(var)
        return tuple(ret)

    # ---- running ------------------------------------------------------------------------
    def apply(self, inputs):
        """Run forward on ``inputs`` (Variables or arrays) and record the graph.

        While the graph is being recorded, ``self.inputs`` already holds the input nodes when
        ``forward`` runs (it is None otherwise), so ``forward`` can retain only what the
        gradients that will be asked for need: ``Mul`` keeps ``x0`` only if ``x1`` requires a
        gradient, exactly as PyTorch saves tensors.

        Returns:
            A tuple of output Variables.
        """
        in_data = []
        requires_grad = False
        for x in inputs:
            if isinstance(x, Variable):
                if x._data is None:
                    raise TypeError(
                        '%s: input %d is a Variable without data (an uninitialized Parameter '
                        'of a lazy link: run the link once or call initialize(shape) first)'
                        % (self.label, len(in_data)))
                in_data.append(x._data)
                if x._requires_grad:
                    requires_grad = True
            elif type(x) is numpy.ndarray or backend._is_cupy_array(x):
                in_data.append(x)          # a constant: it gets a node only if one is needed
            elif isinstance(x, numpy.ndarray):
                in_data.append(numpy.asarray(x))   # a subclass (numpy.memmap): a plain view
            else:
                raise TypeError('%s: inputs must be Variables or numpy/cupy arrays, got %s'
                                % (self.label, type(x).__name__))
        in_data = tuple(in_data)
        if configuration._threads_off_defaults:
            cfg = config
            if cfg.type_check:
                self.check_type_forward(in_data)
            record = requires_grad and cfg.enable_backprop
            hooks = cfg.function_hooks
            debug = cfg.debug
        else:                       # every thread has the defaults (see configuration)
            self.check_type_forward(in_data)
            record = requires_grad
            hooks = debug = None
        if record:
            if self.outputs is not None:
                raise RuntimeError(
                    '%s was applied twice; a Function object is one node of the graph, so '
                    'create a new one for each call (%s().apply(...))'
                    % (type(self).__name__, type(self).__name__))
            in_nodes = []
            generation = 0
            for x in inputs:
                if isinstance(x, Variable):
                    node = x._node
                    if node is None:
                        node = x._node = VariableNode(x)
                    elif node.generation > generation:
                        generation = node.generation
                else:
                    node = _constant_node(x, x.shape)
                in_nodes.append(node)
            self.inputs = in_nodes = tuple(in_nodes)
            self.generation = generation
        if hooks:
            for hook in tuple(hooks.values()):
                hook.forward_preprocess(self, in_data)
        outputs = self.forward(in_data)
        if hooks:
            for hook in tuple(hooks.values()):
                hook.forward_postprocess(self, in_data)
        if type(outputs) is not tuple:
            raise TypeError('%s.forward must return a tuple of arrays, got %s'
                            % (type(self).__name__, type(outputs).__name__))
        for y in outputs:
            if type(y) is not numpy.ndarray and isinstance(y, numpy.generic):
                # NumPy gives scalars for 0-d results; a Variable always holds an array
                outputs = tuple([numpy.asarray(y) for y in outputs])
                break
        if debug:
            self._check_finite_outputs(outputs)
        if not record:
            self.inputs = None
            if len(outputs) == 1:
                return _new_variable(outputs[0], requires_grad),
            return tuple([_new_variable(y, requires_grad) for y in outputs])
        generation += 1
        if len(outputs) == 1:
            # VariableNode(v, self, generation) spelled out: this is the hottest line of minigrad
            y = outputs[0]
            v = _new_variable(y, True)
            node = v._node = _VariableNode_new(VariableNode)
            node._variable = weakref.ref(v)
            node.creator = self
            node.generation = generation
            node.data = node.name = None
            node.shape = y.shape
            node.dtype = y.dtype
            node.requires_grad = True
            self.outputs = weakref.ref(node),
            ret = v,
        else:
            ret = []
            out_refs = []
            for y in outputs:
                v = _new_variable(y, True)
                node = v._node = VariableNode(v, self, generation)
                out_refs.append(weakref.ref(node))
                ret.append(v)
            self.outputs = tuple(out_refs)
            ret = tuple(ret)
        indexes = self._input_indexes_to_retain
        if indexes:
            for i in indexes:
                in_nodes[i].data = in_data[i]
        indexes = self._output_indexes_to_retain
        if indexes:
            self._retained_output_data = tuple([outputs[i] for i in indexes])
        if debug:
            self.stack = traceback.extract_stack()[:-1]
        return ret

    def __call__(self, *inputs):
        """``f(x, y)``: apply and return the single output, or a tuple of several."""
        ret = self.apply(inputs)
        return ret[0] if len(ret) == 1 else ret

    def unchain(self):
        """Forget the inputs and detach the outputs from this function (frees the graph)."""
        for ref in self.outputs or ():
            node = ref()
            if node is not None and node.creator is self:
                node.creator = None
        self.inputs = None
        self._retained_output_data = None

    # ---- debug --------------------------------------------------------------------------
    def _check_finite_outputs(self, outputs):
        for i, y in enumerate(outputs):
            if y is None or y.dtype.kind != 'f':
                continue
            xp = backend.get_array_module(y)
            if not xp.isfinite(y).all():
                raise FloatingPointError(
                    'debug: %s forward produced NaN/Inf in output %d (shape %s)'
                    % (self.label, i, y.shape))

    def _stack_text(self):
        if not self.stack:
            return ''
        return '\n  the function was created at:\n' + ''.join(
            traceback.format_list(self.stack[-4:]))

    def __repr__(self):
        return '<%s function, generation %d>' % (self.label, self.generation)


def _binary_operator(function_class, array_op, retained, general):
    """Return ``op(lhs, rhs)``, the arithmetic operator for ``function_class`` (``x + y``...).

    ``x + y``, ``x * c``... almost always meet a Variable on the left and, on the right, a
    Variable or a NumPy array of the same shape and float dtype, with no hooks and no debug
    mode. For that case ``op`` records exactly the graph that
    ``function_class().apply((lhs, rhs))`` records (same nodes, generation and retained
    arrays) in one Python frame; see benchmarks/overhead.py. Every other case goes to
    ``general(lhs, rhs)``, which uses :meth:`Function.apply`, the reference;
    tests/minigrad/test_apply_binary.py compares the two.

    Args:
        function_class: ``Add``, ``Sub``, ``Mul`` or ``Div``: its check_type_forward must
            accept any two float arrays of one shape and dtype (so it can be skipped here),
            and its one output must have that shape and dtype.
        array_op: its forward on the two arrays, such as ``operator.add``.
        retained: which inputs its forward retains, by which inputs need a gradient:
            ``retained[2 * lhs_needs + rhs_needs]`` (entry 0 is never used); None if it
            retains none.
        general: the operation for every case, called when this one does not apply.

    ``lhs`` must be a Variable (it is ``self`` of the operator).
    """
    ndarray = numpy.ndarray
    Variable_ = Variable
    new_node = _VariableNode_new
    ref = weakref.ref
    conf = configuration

    def op(lhs, rhs):
        if type(rhs) is ndarray:
            b = rhs
            rhs_requires_grad = False
        elif isinstance(rhs, Variable_):
            b = rhs._data
            rhs_requires_grad = rhs._requires_grad
        else:
            return general(lhs, rhs)
        a = lhs._data
        try:
            dtype = a.dtype
            shape = a.shape     # one tuple for both new nodes: one object less
            if b.dtype is not dtype or dtype.kind != 'f' or b.shape != shape:
                return general(lhs, rhs)
        except AttributeError:  # a Variable without data: apply says so
            return general(lhs, rhs)
        if conf._threads_off_defaults:
            cfg = config
            if cfg.function_hooks or cfg.debug:
                return general(lhs, rhs)
            record = cfg.enable_backprop
        else:                   # every thread has the defaults (see configuration)
            record = True
        lhs_requires_grad = lhs._requires_grad
        y = array_op(a, b)
        if type(y) is not ndarray and isinstance(y, numpy.generic):
            y = numpy.asarray(y)     # NumPy gives scalars for 0-d results
        if not ((lhs_requires_grad or rhs_requires_grad) and record):
            return _new_variable(y, lhs_requires_grad or rhs_requires_grad)
        f = function_class()
        node0 = lhs._node
        if node0 is None:
            node0 = lhs._node = VariableNode(lhs)
        generation = node0.generation
        if b is rhs:
            array_ref, node_ref = _last_constant      # _constant_node's cache, read here
            node1 = node_ref()
            if node1 is None or array_ref() is not b or node1.shape != shape:
                node1 = _constant_node(b, shape)
        else:
            node1 = rhs._node
            if node1 is None:
                node1 = rhs._node = VariableNode(rhs)
            elif node1.generation > generation:
                generation = node1.generation
        f.inputs = (node0, node1)
        f.generation = generation
        v = _Variable_new(Variable_)                          # _new_variable(y, True)
        v._data = y
        v._grad_var = v._name = None
        v._requires_grad = True
        node = v._node = new_node(VariableNode)                # as in Function.apply
        node._variable = ref(v)
        node.creator = f
        node.generation = generation + 1
        node.data = node.name = None
        node.shape = shape
        node.dtype = dtype
        node.requires_grad = True
        f.outputs = ref(node),
        if retained is not None:
            indexes = f._input_indexes_to_retain = retained[
                2 * lhs_requires_grad + rhs_requires_grad]
            if 0 in indexes:
                node0.data = a
            if 1 in indexes:
                node1.data = b
        return v

    return op
