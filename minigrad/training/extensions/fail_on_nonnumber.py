"""FailOnNonNumber: stop training as soon as a parameter holds NaN or infinity.

Training layer.
"""

from minigrad import backend
from minigrad.training import extension


class FailOnNonNumber(extension.Extension):
    """Raise RuntimeError when any parameter of the optimized models is not finite.

    Called every iteration by default; the error names the optimizer and the parameter.
    Checking reads every parameter, so a looser trigger (``(100, 'iteration')``) is cheaper.
    """

    def __call__(self, trainer):
        for name, optimizer in trainer.updater.get_all_optimizers().items():
            target = optimizer.target
            for path, param in target.namedparams():
                data = param.array
                if data is None:
                    continue
                xp = backend.get_array_module(data)
                if not bool(xp.isfinite(data).all()):
                    raise RuntimeError(
                        'FailOnNonNumber: parameter %s of the model of optimizer %r holds NaN '
                        'or infinity at iteration %d; training diverged (try a smaller '
                        'learning rate or gradient clipping)'
                        % (path, name, trainer.updater.iteration))
