"""Computational graph pictures: walk a recorded graph and write it as DOT text.

Graph layer (above ``gradient_check``, below links). :func:`build_computational_graph` walks
backwards from the outputs through ``Variable.node`` -> ``VariableNode.creator`` ->
``Function.inputs`` (and the still-alive ``Function.outputs``) and returns a
:class:`ComputationalGraph`. Its :meth:`~ComputationalGraph.dump` is pure Python and needs nothing
else; :meth:`~ComputationalGraph.render` draws a picture with the ``graphviz`` Python package
(``pip install "minigrad[viz]"``) and Graphviz's ``dot`` program (``apt-get install graphviz``).

Variables are ovals labelled with their name, shape and dtype (and, with ``show_grad=True``, the
L2 norm of their gradient, to spot vanishing or exploding gradients); functions are boxes
labelled with :attr:`Function.label`; edges run input -> function -> output.

Example:
    >>> import numpy, minigrad, minigrad.functions as F
    >>> from minigrad.graph import build_computational_graph
    >>> x = minigrad.Variable(numpy.array([1., 2.], dtype=numpy.float32), name='x')
    >>> y = F.sum(x * x)
    >>> y.name = 'y'
    >>> print(build_computational_graph(y).dump())
    digraph minigrad {
      rankdir=TB;
      v0 [label="x\\n(2,) float32", shape="ellipse", style="filled", fillcolor="#E0E0E0"];
      f0 [label="mul", shape="box", style="filled", fillcolor="#6495ED"];
      v1 [label="(2,) float32", shape="ellipse", style="filled", fillcolor="#E0E0E0"];
      f1 [label="sum", shape="box", style="filled", fillcolor="#6495ED"];
      v2 [label="y\\n() float32", shape="ellipse", style="filled", fillcolor="#E0E0E0"];
      v0 -> f0;
      v0 -> f0;
      f0 -> v1;
      v1 -> f1;
      f1 -> v2;
    }
    <BLANKLINE>

    ``graph.render('graph.svg')`` then writes the picture.
"""

import collections
import math
import os

import numpy

from minigrad import backend
from minigrad.function import Function
from minigrad.variable import Variable, VariableNode

_DEFAULT_VARIABLE_STYLE = {'shape': 'ellipse', 'style': 'filled', 'fillcolor': '#E0E0E0'}
_DEFAULT_FUNCTION_STYLE = {'shape': 'box', 'style': 'filled', 'fillcolor': '#6495ED'}
_RANKDIRS = ('TB', 'BT', 'LR', 'RL')
_RENDER_FORMATS = ('svg', 'png', 'pdf')
_DOT_HINT = ('install Graphviz, which provides it: `apt-get install graphviz` (Debian/Ubuntu), '
             '`brew install graphviz` or `conda install graphviz`; dump() writes DOT text '
             'without it')


def _quote(text):
    """A DOT double-quoted string; newlines become DOT's centred line break ``\\n``."""
    text = str(text).replace('\\', '\\\\').replace('"', '\\"')
    return '"%s"' % text.replace('\r\n', '\n').replace('\n', '\\n')


def _check_style(style, default, what):
    if style is None or style == 'default':
        return dict(default)
    if not isinstance(style, dict):
        raise TypeError('build_computational_graph: %s must be a dict of DOT attributes '
                        '(e.g. {"shape": "box"}) or None, got %s' % (what, type(style).__name__))
    return dict(style)


def _grad_norm(node):
    var = node._variable()          # a dead Variable has no gradient to show
    if var is None or var.grad is None:
        return None
    g = backend.to_cpu(var.grad).astype(numpy.float64, copy=False)
    return math.sqrt(float(numpy.vdot(g, g)))


class ComputationalGraph:
    """A walked computational graph: variable nodes, functions and the edges between them.

    Built by :func:`build_computational_graph`; users rarely construct it directly.

    Attributes:
        nodes: list of :class:`minigrad.VariableNode` and :class:`minigrad.Function` objects in
            drawing order (roughly inputs first; stable for a given graph).
        edges: list of ``(source, destination)`` pairs of those objects; a variable that is
            used twice by one function (``x * x``) gives two edges.
    """

    def __init__(self, nodes, edges, show_grad=False, rankdir='TB', variable_style=None,
                 function_style=None):
        self.nodes = nodes
        self.edges = edges
        self.show_grad = show_grad
        self.rankdir = rankdir
        self.variable_style = variable_style
        self.function_style = function_style

    def _variable_label(self, node):
        lines = []
        if node.name:
            lines.append(node.name)
        if node.shape is None:
            lines.append('(no data)')
        else:
            lines.append('%s %s' % (node.shape, node.dtype))
        if self.show_grad:
            norm = _grad_norm(node)
            if norm is not None:
                lines.append('grad norm %.3g' % norm)
        return '\n'.join(lines)

    def dump(self, format='dot'):
        """Return the graph as DOT text (needs no extra package).

        Args:
            format (str): only ``'dot'``; use :meth:`render` for pictures.
        """
        if format != 'dot':
            raise ValueError("ComputationalGraph.dump: format must be 'dot', got %r; use "
                             "render(path, format='svg') for pictures" % (format,))
        ids = {}
        n_vars = n_funcs = 0
        lines = ['digraph minigrad {', '  rankdir=%s;' % self.rankdir]
        for obj in self.nodes:
            if isinstance(obj, Function):
                ids[obj] = name = 'f%d' % n_funcs
                n_funcs += 1
                label = obj.label
                style = self.function_style
            else:
                ids[obj] = name = 'v%d' % n_vars
                n_vars += 1
                label = self._variable_label(obj)
                style = self.variable_style
            attrs = ['label=%s' % _quote(label)]
            attrs += ['%s=%s' % (key, _quote(value)) for key, value in style.items()]
            lines.append('  %s [%s];' % (name, ', '.join(attrs)))
        for src, dst in self.edges:
            lines.append('  %s -> %s;' % (ids[src], ids[dst]))
        lines.append('}')
        return '\n'.join(lines) + '\n'

    def render(self, path, format=None):
        """Draw the graph into the file ``path`` with Graphviz's ``dot`` program.

        Needs the ``graphviz`` Python package (``pip install "minigrad[viz]"``) and the ``dot``
        executable on PATH (``apt-get install graphviz``).

        Args:
            path (str or os.PathLike): the file to write (written as given, no suffix added).
            format (str): ``'svg'``, ``'png'`` or ``'pdf'``; None takes it from the suffix of
                ``path`` (``.png`` gives PNG), or SVG for any other suffix. A format that
                contradicts the suffix (``render('g.png', 'svg')``) is an error.

        Returns:
            The path written.
        """
        suffix = os.path.splitext(os.fspath(path))[1].lower().lstrip('.')
        if suffix not in _RENDER_FORMATS:
            suffix = None
        if format is None:
            format = suffix or 'svg'
        if format not in _RENDER_FORMATS:
            raise ValueError('ComputationalGraph.render: format must be one of %s, got %r'
                             % (', '.join(_RENDER_FORMATS), format))
        if suffix is not None and format != suffix:
            raise ValueError('ComputationalGraph.render: format %r does not match the file '
                             'name %r; leave format out to take it from the suffix'
                             % (format, os.fspath(path)))
        try:
            import graphviz
        except ImportError as e:
            raise ImportError('ComputationalGraph.render needs the graphviz Python package: '
                              '`pip install "minigrad[viz]"`, and the `dot` program: '
                              + _DOT_HINT) from e
        source = graphviz.Source(self.dump())
        try:
            data = source.pipe(format=format)
        except graphviz.ExecutableNotFound as e:
            raise RuntimeError('ComputationalGraph.render: the Graphviz `dot` program was not '
                               'found on PATH; ' + _DOT_HINT) from e
        with open(path, 'wb') as f:
            f.write(data)
        return path


def _as_start_nodes(outputs):
    if isinstance(outputs, (Variable, VariableNode)):
        outputs = [outputs]
    elif not isinstance(outputs, (list, tuple)):
        raise TypeError('build_computational_graph: outputs must be a Variable or a list/tuple '
                        'of Variables, got %s' % type(outputs).__name__)
    nodes = []
    for i, y in enumerate(outputs):
        if isinstance(y, Variable):
            nodes.append(y.node)
        elif isinstance(y, VariableNode):
            nodes.append(y)
        else:
            raise TypeError('build_computational_graph: outputs[%d] must be a Variable, got %s'
                            % (i, type(y).__name__))
    return nodes


def build_computational_graph(outputs, show_grad=False, rankdir='TB', variable_style=None,
                              function_style=None):
    """Walk the graph behind ``outputs`` and return it as a :class:`ComputationalGraph`.

    The walk is iterative (any depth works) and goes backwards from the outputs through each
    variable's creator to that function's inputs; a function's other outputs are shown while
    they are alive. Call it after the forward pass and before anything cuts the graph
    (``unchain_backward``) or drops the outputs.

    Args:
        outputs: a Variable (e.g. the loss) or a list/tuple of Variables.
        show_grad (bool): add the L2 norm of each variable's gradient to its label, where the
            Variable is alive and has ``.grad`` (leaves after ``backward()``; intermediate ones
            only with ``backward(retain_grad=True)``).
        rankdir (str): DOT layout direction, ``'TB'`` (top to bottom), ``'BT'``, ``'LR'`` or
            ``'RL'``.
        variable_style (dict): DOT attributes of variable nodes, replacing the default
            ``{'shape': 'ellipse', 'style': 'filled', 'fillcolor': '#E0E0E0'}``.
        function_style (dict): DOT attributes of function nodes, replacing the default
            ``{'shape': 'box', 'style': 'filled', 'fillcolor': '#6495ED'}``.

    Returns:
        A :class:`ComputationalGraph`; ``.dump()`` gives DOT text, ``.render(path)`` a picture.

    Example:
        >>> import numpy, minigrad
        >>> from minigrad.graph import build_computational_graph
        >>> x = minigrad.Variable(numpy.ones(3), name='x')
        >>> g = build_computational_graph(x * 2.0 + 1.0)
        >>> [getattr(n, 'label', None) for n in g.nodes]
        [None, 'mul', None, 'add', None]
    """
    if rankdir not in _RANKDIRS:
        raise ValueError('build_computational_graph: rankdir must be one of %s, got %r'
                         % (', '.join(_RANKDIRS), rankdir))
    variable_style = _check_style(variable_style, _DEFAULT_VARIABLE_STYLE, 'variable_style')
    function_style = _check_style(function_style, _DEFAULT_FUNCTION_STYLE, 'function_style')
    starts = _as_start_nodes(outputs)

    order = {}                      # node or function -> discovery index (deterministic)
    func_edges = {}                 # function -> its edges, inputs in argument order first
    queue = collections.deque()

    def visit(obj):
        if obj not in order:
            order[obj] = len(order)
            queue.append(obj)

    for node in starts:
        visit(node)
    while queue:
        obj = queue.popleft()
        if isinstance(obj, VariableNode):
            if obj.creator is not None:
                visit(obj.creator)
            continue
        func = obj
        inputs = func.inputs or ()          # an unchained function has no inputs any more
        for x in reversed(inputs):          # reversed: the drawing order (see rank) is then
            visit(x)                        # the argument order
        edges = [(x, func) for x in inputs]
        for ref in func.outputs or ():
            out = ref()
            if out is not None and out.creator is func:
                visit(out)
                edges.append((func, out))
        func_edges[func] = edges

    def rank(obj):
        # inputs before functions before outputs; ties broken by discovery order
        if isinstance(obj, Function):
            return (2 * obj.generation + 1, -order[obj])
        return (2 * obj.generation, -order[obj])

    nodes = sorted(order, key=rank)
    edges = [e for obj in nodes if isinstance(obj, Function) for e in func_edges[obj]]
    return ComputationalGraph(nodes, edges, show_grad=show_grad, rankdir=rankdir,
                              variable_style=variable_style, function_style=function_style)
