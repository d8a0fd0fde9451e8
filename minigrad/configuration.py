"""Per-thread configuration: ``config.enable_backprop``, ``config.train``, ``config.debug``.

Part of the core layer. ``config`` is a ``threading.local``, so a setting changed in one thread
(for example by ``no_backprop_mode()`` in an evaluation thread) never leaks into another. Defaults
live on the class, so a new thread starts from them.
"""

import contextlib
import threading


class _Config(threading.local):
    """Settings read by the engine and the functions; change them with :func:`using_config`."""

    enable_backprop = True   # record the graph for backward
    train = True             # dropout, batch normalization and friends behave as in training
    debug = False            # check every forward and backward output for NaN/Inf
    type_check = True        # run each Function's check_type_forward
    function_hooks = None    # {name: hook} of active function hooks (see minigrad.function_hooks)

    def show(self):
        """Return the current settings as a dict (for printing and bug reports)."""
        names = ('enable_backprop', 'train', 'debug', 'type_check', 'function_hooks')
        return {name: getattr(self, name) for name in names}

    def __repr__(self):
        return 'minigrad.config(%s)' % ', '.join('%s=%r' % kv for kv in self.show().items())


config = _Config()


@contextlib.contextmanager
def using_config(name, value):
    """Set ``config.<name>`` to ``value`` inside a ``with`` block, restoring it afterwards.

    Example:
        >>> import minigrad
        >>> with minigrad.using_config('train', False):
        ...     minigrad.config.train
        False
        >>> minigrad.config.train
        True
    """
    if not hasattr(_Config, name):
        raise ValueError('using_config: unknown setting %r; known settings are %s'
                         % (name, sorted(config.show())))
    old = getattr(config, name)
    setattr(config, name, value)
    try:
        yield
    finally:
        setattr(config, name, old)


def no_backprop_mode():
    """Context in which no graph is recorded (evaluation, inference, optimizer updates)."""
    return using_config('enable_backprop', False)


def force_backprop_mode():
    """Context in which the graph is recorded even inside :func:`no_backprop_mode`."""
    return using_config('enable_backprop', True)


def set_debug(flag):
    """Turn debug mode on or off in this thread: every output is then checked for NaN/Inf."""
    config.debug = bool(flag)


def is_debug():
    return config.debug
