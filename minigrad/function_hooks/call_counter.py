"""CallCounter: how many times each kind of function ran, forward and backward.

Function hooks layer. The cheapest hook: two ``collections.Counter`` objects keyed by the
function's label. Handy in tests ("this model calls ``linear`` twice per step") and to see how
many graph nodes a model creates.
"""

import collections

from minigrad.function_hooks.function_hook import _TrackingHook


class CallCounter(_TrackingHook):
    """Count the forward and backward calls per function label.

    Args:
        nested (bool): also count the functions applied inside another function's backward
            (see :class:`TimerHook`); not counted by default.

    Attributes:
        forward_calls (collections.Counter): label -> number of forward calls.
        backward_calls (collections.Counter): label -> number of backward calls.

    Example:
        >>> import numpy, minigrad
        >>> import minigrad.functions as F
        >>> from minigrad.function_hooks import CallCounter
        >>> x = minigrad.Variable(numpy.ones(3))
        >>> w = minigrad.Variable(numpy.ones(3))
        >>> with CallCounter() as counter:
        ...     y = F.sum(F.exp(x) * 2.0 - w)
        ...     y.backward()
        >>> sorted(counter.forward_calls.items())
        [('exp', 1), ('mul', 1), ('sub', 1), ('sum', 1)]
        >>> counter.backward_calls == counter.forward_calls
        True
    """

    name = 'CallCounter'

    def __init__(self, nested=False):
        super().__init__(nested)
        self.forward_calls = collections.Counter()
        self.backward_calls = collections.Counter()

    def forward_preprocess(self, function, in_data):
        if not self._push(function, False) or self.nested:
            self.forward_calls[function.label] += 1

    def forward_postprocess(self, function, in_data):
        self._pop(function, False)

    def backward_preprocess(self, function, indexes, grad_outputs):
        if not self._push(function, True) or self.nested:
            self.backward_calls[function.label] += 1

    def backward_postprocess(self, function, indexes, grad_outputs):
        self._pop(function, True)
