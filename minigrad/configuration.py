"""Per-thread configuration: ``config.enable_backprop``, ``config.train``, ``config.debug``.

Part of the core layer. ``config`` is a ``threading.local``, so a setting changed in one thread
(for example by ``no_backprop_mode()`` in an evaluation thread) never leaks into another. Defaults
live on the class, so a new thread starts from them.

Reading a ``threading.local`` costs more than reading a plain attribute, and ``Function.apply``
and the arithmetic operators would read four settings per operation. So this module also counts
the threads whose ``enable_backprop``, ``debug``, ``type_check`` or ``function_hooks`` are off
their defaults: while :data:`_threads_off_defaults` is 0, every thread (the caller included) has
the defaults, and the hot paths read that one module attribute instead of the four settings.
"""

import contextlib
import threading

# the settings that the hot paths skip reading while no thread has them off these defaults
_HOT_DEFAULTS = {'enable_backprop': True, 'debug': False, 'type_check': True,
                 'function_hooks': None}
_threads_off_defaults = 0       # the number of threads whose hot settings are off the defaults
_count_lock = threading.Lock()


def _count_thread(step):
    global _threads_off_defaults
    with _count_lock:
        _threads_off_defaults += step


class _OffDefaults:
    """Kept in a thread's configuration while its hot settings are off the defaults.

    It is counted in :data:`_threads_off_defaults` from its creation to its death, which comes
    when the settings go back to the defaults or when the thread ends (``threading.local``
    drops the thread's attributes then).
    """

    __slots__ = ()

    def __init__(self):
        _count_thread(1)

    def __del__(self):
        _count_thread(-1)


class _Config(threading.local):
    """Settings read by the engine and the functions; change them with :func:`using_config`."""

    enable_backprop = True   # record the graph for backward
    train = True             # dropout, batch normalization and friends behave as in training
    debug = False            # check every forward and backward output for NaN/Inf
    type_check = True        # run each Function's check_type_forward
    function_hooks = None    # {name: hook} of active function hooks (see minigrad.function_hooks)

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name in _HOT_DEFAULTS:
            # "off" compares by identity: enable_backprop=1 reads as off, which only means the
            # hot paths read the real settings, as they always could
            off = any(getattr(self, hot) is not default
                      for hot, default in _HOT_DEFAULTS.items())
            counted = '_off_defaults' in self.__dict__
            if off and not counted:
                super().__setattr__('_off_defaults', _OffDefaults())
            elif counted and not off:
                super().__delattr__('_off_defaults')

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
