"""Extension: the base class of trainer extensions, make_extension, and the priorities.

Training layer. An extension is any callable ``extension(trainer)``; the trainer calls it after
the updates its trigger accepts, in descending order of priority. Attributes it may have (all
optional, as in Chainer): ``trigger`` (default ``(1, 'iteration')``), ``priority`` (default
:data:`PRIORITY_READER`), ``default_name``, ``initialize(trainer)`` (called once before the loop,
also after a resume), ``finalize()`` (after the loop, even on error), ``on_error(trainer,
exception, traceback)``, ``serialize(serializer)`` (its state in snapshots).
"""

PRIORITY_WRITER = 300   # writes to the observation (Evaluator, observe_value)
PRIORITY_EDITOR = 200   # edits the observation
PRIORITY_READER = 100   # reads the observation (LogReport, PrintReport, PlotReport)


class Extension:
    """Base class of trainer extensions: defaults for trigger, priority and name.

    Subclasses implement ``__call__(trainer)``; the other methods do nothing here.

    Example:
        >>> class CountCalls(Extension):
        ...     trigger = 10, 'iteration'
        ...     def __init__(self):
        ...         self.calls = 0
        ...     def __call__(self, trainer):
        ...         self.calls += 1
        ...     def serialize(self, serializer):
        ...         self.calls = serializer('calls', self.calls)
        >>> CountCalls().default_name
        'CountCalls'
    """

    trigger = 1, 'iteration'
    priority = PRIORITY_READER
    name = None

    @property
    def default_name(self):
        """The name used when ``trainer.extend`` is given none: the class name."""
        return type(self).__name__

    def __call__(self, trainer):
        raise NotImplementedError('%s defines no __call__(trainer)' % type(self).__name__)

    def initialize(self, trainer):
        """Called once before the training loop (after any snapshot was loaded)."""

    def finalize(self):
        """Called once after the training loop, also when it fails."""

    def on_error(self, trainer, exc, tb):
        """Called when the training loop raises ``exc`` (before :meth:`finalize`)."""

    def serialize(self, serializer):
        """Save or load this extension's state (nothing by default)."""


def make_extension(trigger=None, default_name=None, priority=None, finalizer=None,
                   initializer=None, on_error=None):
    """Decorator that turns a function ``f(trainer)`` into an extension with default settings.

    Example:
        >>> @make_extension(trigger=(1, 'epoch'), priority=PRIORITY_WRITER)
        ... def observe_epoch(trainer):
        ...     trainer.observation['epoch_seen'] = trainer.updater.epoch
        >>> observe_epoch.trigger, observe_epoch.default_name
        ((1, 'epoch'), 'observe_epoch')
    """
    if trigger is None:
        trigger = Extension.trigger
    if priority is None:
        priority = Extension.priority

    def decorator(ext):
        ext.trigger = trigger
        ext.default_name = default_name or ext.__name__
        ext.priority = priority
        ext.finalize = finalizer
        ext.initialize = initializer
        ext.on_error = on_error
        return ext

    return decorator
