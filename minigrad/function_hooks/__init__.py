"""Function hooks: callbacks around every Function call, for profiling and for watching.

Function hooks layer (on the core only). Use a hook as a context manager; inside the ``with``
block it sees every ``forward`` and ``backward`` run in this thread::

    from minigrad.function_hooks import TimerHook, PrintHook
    with TimerHook() as timer:
        loss = model(x, t)
        loss.backward()
    timer.print_report()            # time per function, forward and backward

- :class:`FunctionHook`: the base class (Chainer's ``chainer.FunctionHook``) to write your own;
- :class:`TimerHook`: time per function label, forward and backward (``print_report``,
  ``summary``, ``total_time``);
- :class:`PrintHook`: one line per call with shapes and dtypes, to watch the engine work;
- :class:`CallCounter`: the number of calls per function label.
"""

from minigrad.function_hooks.call_counter import CallCounter
from minigrad.function_hooks.function_hook import FunctionHook, get_function_hooks
from minigrad.function_hooks.print_hook import PrintHook
from minigrad.function_hooks.timer import TimerHook

__all__ = ['CallCounter', 'FunctionHook', 'PrintHook', 'TimerHook', 'get_function_hooks']
