"""Per-thread configuration: ``config.enable_backprop``, ``config.train``, ``config.debug``.

Part of the core layer. ``config`` is a ``threading.local``, so a setting changed in one thread
(for example by ``no_backprop_mode()`` in an evaluation thread) never leaks into another. Defaults
live on the class, so a new thread starts from them.

Reading a ``threading.local`` costs more than reading a plain attribute, and ``Function.apply``
and the arithmetic operators would read four settings per operation. So this module also keeps
track of the threads whose ``enable_backprop``, ``debug``, ``type_check`` or ``function_hooks``
are off their defaults: while :data:`_threads_off_defaults` is empty, every thread (the caller
included) has the defaults, and the hot paths read that one module attribute instead of the
four settings.
"""

import contextlib
import threading

# the settings that the hot paths skip reading while no thread has them off these defaults
_HOT_DEFAULTS = ('enable_backprop', 'debug', 'type_check', 'function_hooks')

# one entry per thread whose hot settings are off the defaults: a list, because append and
# pop are atomic, so threads need no lock to count themselves in and out
_threads_off_defaults = []

_local_setattr = threading.local.__setattr__


class _OffDefaults:
    """A thread's entry in :data:`_threads_off_defaults`, kept in that thread's configuration.

    It is made the first time the thread's hot settings leave the defaults, and ``counted``
    says whether the thread is in the list now. When the thread ends, ``threading.local``
    drops the thread's attributes, and with them this object, which takes the thread out.
    """

    __slots__ = ('counted',)

    def __init__(self):
        self.counted = False

    def __del__(self):
        if self.counted:
            _threads_off_defaults.pop()


class _Config(threading.local):
    """Settings read by the engine and the functions; change them with :func:`using_config`."""

    enable_backprop = True   # record the graph for backward
    train = True             # dropout, batch normalization and friends behave as in training
    debug = False            # check every forward and backward output for NaN/Inf
    type_check = True        # run each Function's check_type_forward
    function_hooks = None    # {name: hook} of active function hooks (see minigrad.function_hooks)

    def __setattr__(self, name, value):
        _local_setattr(self, name, value)
        if name in _HOT_DEFAULTS:
            # "off" compares by identity: enable_backprop=1 counts as off, which only means
            # that the hot paths read the real settings, as they always could
            off = (self.enable_backprop is not True or self.debug is not False
                   or self.type_check is not True or self.function_hooks is not None)
            entry = self.__dict__.get('_off_defaults')
            if entry is None:
                if not off:
                    return
                entry = _OffDefaults()
                _local_setattr(self, '_off_defaults', entry)
            if off is not entry.counted:
                if off:
                    _threads_off_defaults.append(None)
                else:
                    _threads_off_defaults.pop()
                entry.counted = off

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
