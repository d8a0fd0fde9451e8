"""observe_value and observe_lr: put a value computed from the trainer into the observation.

Training layer. The value then reaches LogReport, PrintReport and PlotReport like any other.
"""

from minigrad.training import extension


def observe_value(observation_key, target_func):
    """An extension that sets ``trainer.observation[observation_key] = target_func(trainer)``.

    Default trigger: every epoch; priority ``PRIORITY_WRITER`` (before the readers).

    Example::

        trainer.extend(extensions.observe_value(
            'alpha', lambda trainer: trainer.updater.get_optimizer('main').alpha))
    """
    @extension.make_extension(trigger=(1, 'epoch'), priority=extension.PRIORITY_WRITER,
                              default_name='observe_%s' % observation_key)
    def _observe_value(trainer):
        trainer.observation[observation_key] = target_func(trainer)

    return _observe_value


def observe_lr(optimizer_name='main', observation_key='lr'):
    """An extension that observes the learning rate ``lr`` of an optimizer (see observe_value).

    Example::

        trainer.extend(extensions.observe_lr(), trigger=(1, 'epoch'))
        trainer.extend(extensions.PrintReport(['epoch', 'lr', 'main/loss']))
    """
    return observe_value(
        observation_key, lambda trainer: trainer.updater.get_optimizer(optimizer_name).lr)
