"""The function library, imported as ``import minigrad.functions as F``.

Functions layer: one Function subclass per operation plus a lowercase wrapper, grouped by
family in the modules below. Importing this package also installs Variable's operators.
"""

from minigrad.functions import basic_math as _basic_math
from minigrad.functions.activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from minigrad.functions.array import (
    broadcast_to,
    concat,
    expand_dims,
    flatten,
    get_item,
    pad_sequence,
    reshape,
    separate,
    split_axis,
    squeeze,
    stack,
    sum_to,
    transpose,
    transpose_sequence,
    where,
)
from minigrad.functions.basic_math import absolute, add, div, mul, neg, pow, sub
from minigrad.functions.connection import embed_id
from minigrad.functions.elementwise import clip, cos, exp, log, maximum, minimum, sin, sqrt, square
from minigrad.functions.evaluation import accuracy
from minigrad.functions.linalg import linear, matmul
from minigrad.functions.loss import (
    mean_squared_error,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
)
from minigrad.functions.noise import dropout
from minigrad.functions.normalization import (
    batch_normalization,
    fixed_batch_normalization,
    layer_normalization,
)
from minigrad.functions.reduction import logsumexp, max, mean, min, sum

_basic_math.install_variable_operators()

__all__ = [
    'absolute', 'accuracy', 'add', 'broadcast_to', 'clip', 'concat', 'cos', 'div', 'dropout',
    'embed_id', 'exp', 'expand_dims', 'flatten', 'get_item', 'leaky_relu', 'linear', 'log',
    'log_softmax', 'logsumexp', 'matmul', 'max', 'maximum', 'mean', 'mean_squared_error',
    'min', 'minimum', 'mul', 'neg', 'pad_sequence', 'pow', 'relu', 'reshape', 'separate',
    'sigmoid', 'sigmoid_cross_entropy', 'sin', 'softmax', 'softmax_cross_entropy', 'split_axis',
    'sqrt', 'square', 'squeeze', 'stack', 'sub', 'sum', 'sum_to', 'tanh', 'transpose',
    'transpose_sequence', 'where',
    'batch_normalization', 'fixed_batch_normalization', 'layer_normalization',
]
