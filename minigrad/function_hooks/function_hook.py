"""FunctionHook: the base class of function hooks, callbacks around every Function call.

Function hooks layer (imports only the core). While a hook is active, ``Function.apply`` calls
its ``forward_preprocess`` / ``forward_postprocess`` around each ``forward``, and the backward
engine calls ``backward_preprocess`` / ``backward_postprocess`` around each ``backward``. The
active hooks live in ``minigrad.config.function_hooks``, a ``{name: hook}`` dict that is None
when no hook is active (so the engine pays a single ``if`` per call). ``config`` is per thread:
a hook sees only the functions of the thread that entered it.
"""

from minigrad.configuration import config


class FunctionHook:
    """Base class of function hooks; use one as a context manager around the code to watch.

    Subclasses override any of the four callbacks below (they do nothing here). A hook is
    active inside its ``with`` block, in the thread that entered it; several hooks with
    different names can be active at once, and each is removed on leaving its block, also
    when an exception leaves it.

    Attributes:
        name (str): the key of the hook in ``minigrad.config.function_hooks``; two active hooks
            cannot share a name (set another one: ``timer2.name = 'timer2'``).

    Example (a hook that lists the functions a computation runs):
        >>> import numpy, minigrad
        >>> import minigrad.functions as F
        >>> from minigrad.function_hooks import FunctionHook
        >>> class Names(FunctionHook):
        ...     name = 'names'
        ...     def __init__(self):
        ...         self.seen = []
        ...     def forward_preprocess(self, function, in_data):
        ...         self.seen.append(function.label)
        >>> x = minigrad.Variable(numpy.ones(3))
        >>> with Names() as hook:
        ...     y = F.sum(F.exp(x))
        >>> hook.seen
        ['exp', 'sum']
        >>> minigrad.config.function_hooks is None
        True
    """

    name = 'FunctionHook'

    def __enter__(self):
        hooks = config.function_hooks
        if hooks and self.name in hooks:
            raise ValueError(
                '%s: a function hook named %r is already active in this thread; give this one '
                'another name (hook.name = ...)' % (type(self).__name__, self.name))
        # a new dict each time: the engine iterates over a snapshot it may still hold
        hooks = dict(hooks) if hooks else {}
        hooks[self.name] = self
        config.function_hooks = hooks
        self.added(None)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        hooks = config.function_hooks
        if hooks and hooks.get(self.name) is self:
            hooks = dict(hooks)
            del hooks[self.name]
            # None, not {}: the engine then skips the hook code with a single test
            config.function_hooks = hooks or None
        self.deleted(None)
        return False

    # ---- the callbacks: override the ones you need ---------------------------------------
    def added(self, function=None):
        """Called when the hook becomes active (``function`` is None: a global hook)."""

    def deleted(self, function=None):
        """Called when the hook is removed (``function`` is None: a global hook)."""

    def forward_preprocess(self, function, in_data):
        """Called just before ``function.forward(in_data)``; ``in_data`` is a tuple of arrays."""

    def forward_postprocess(self, function, in_data):
        """Called just after ``function.forward(in_data)`` returned."""

    def backward_preprocess(self, function, indexes, grad_outputs):
        """Called just before ``function.backward(indexes, grad_outputs)``.

        Args:
            function: the Function whose backward runs.
            indexes: tuple of the input positions that get a gradient.
            grad_outputs: tuple of gradient Variables, one per output (None where an output
                received no gradient).
        """

    def backward_postprocess(self, function, indexes, grad_outputs):
        """Called just after ``function.backward(indexes, grad_outputs)`` returned."""

    def __repr__(self):
        return '<%s %r>' % (type(self).__name__, self.name)


def get_function_hooks():
    """Return a new dict ``{name: hook}`` of the function hooks active in this thread.

    Example:
        >>> from minigrad.function_hooks import TimerHook, get_function_hooks
        >>> with TimerHook() as timer:
        ...     sorted(get_function_hooks())
        ['TimerHook']
        >>> get_function_hooks()
        {}
    """
    hooks = config.function_hooks
    return dict(hooks) if hooks else {}


class _TrackingHook(FunctionHook):
    """A hook that keeps the calls under way, to tell nested calls from the engine's own.

    A Function's ``backward`` computes its gradients with minigrad functions, which run through
    ``apply`` (and the hooks) too: those calls are *nested* in the backward. Subclasses count
    or show them only when ``self.nested`` is true.

    A backward that raises never reaches ``backward_postprocess``; so that its entry does not
    stay behind (everything after would look nested), ``function.backward`` is wrapped for the
    duration of the call to drop the entry on an exception.
    """

    def __init__(self, nested):
        self.nested = bool(nested)
        self._running = []      # (function, is_backward, start) of the calls under way
        self._n_backward = 0    # how many of them are backward calls

    def added(self, function=None):
        self._running = []
        self._n_backward = 0

    def _push(self, function, is_backward, start=None):
        """Record a call that starts; return True if it runs inside some backward."""
        nested = self._n_backward > 0
        self._running.append((function, is_backward, start))
        if is_backward:
            self._n_backward += 1
            original = function.backward
            hook = self

            def backward(indexes, grad_outputs):
                try:
                    return original(indexes, grad_outputs)
                except BaseException:
                    hook._pop(function, True)
                    raise
                finally:
                    function.__dict__.pop('backward', None)

            function.backward = backward
        return nested

    def _pop(self, function, is_backward):
        """Record a call that ended; return its (start, nested), or None if it is unknown."""
        running = self._running
        i = len(running) - 1
        while i >= 0 and (running[i][0] is not function or running[i][1] != is_backward):
            i -= 1
        if i < 0:
            return None         # it started before the hook was entered
        start = running[i][2]
        for entry in running[i:]:   # with it go the calls that raised inside it
            if entry[1]:
                self._n_backward -= 1
        del running[i:]
        return start, self._n_backward > 0
