"""minigrad: a Chainer-style define-by-run autograd engine on NumPy (and CuPy).

Layers, each importing only the ones above it: ``backend`` -> core (``configuration``,
``type_check``, ``variable``, ``function``, ``gradients``) -> ``functions`` -> ``gradient_check``
-> ``graph`` -> links, optimizers, serializers, training, datasets. ``import minigrad`` needs only
NumPy; CuPy, graphviz and matplotlib are imported where they are used.
"""

from minigrad import (  # noqa: F401 (modules made reachable as minigrad.links etc.)
    backend,
    configuration,
    datasets,
    function_hooks,
    functions,
    gradient_check,
    graph,
    initializers,
    links,
    optimizer_hooks,
    optimizers,
    reporter,
    serializers,
    training,
    type_check,
)
from minigrad.backend import get_array_module
from minigrad.configuration import (
    config,
    force_backprop_mode,
    no_backprop_mode,
    set_debug,
    using_config,
)
from minigrad.function import Function
from minigrad.function_hooks import FunctionHook
from minigrad.gradients import clip_grads
from minigrad.link import Chain, ChainList, Link
from minigrad.type_check import InvalidType
from minigrad.variable import Parameter, Variable, VariableNode, as_array, as_variable, grad

__version__ = '0.1.0'

__all__ = [
    'Variable', 'Parameter', 'VariableNode', 'Function', 'InvalidType', 'config',
    'no_backprop_mode', 'force_backprop_mode', 'using_config', 'set_debug', 'clip_grads',
    'get_array_module', 'as_variable', 'as_array', 'grad', 'Link', 'Chain', 'ChainList',
    'FunctionHook',
]
