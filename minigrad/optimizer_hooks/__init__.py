"""Optimizer hooks, added with ``optimizer.add_hook(hook)`` and run at every update.

Optimizer hooks layer: ``GradientClipping`` (global norm clipping, on :func:`minigrad.clip_grads`)
and ``WeightDecay`` (L2 decay added to the gradients).
"""

from minigrad.optimizer_hooks.gradient_clipping import GradientClipping
from minigrad.optimizer_hooks.weight_decay import WeightDecay

__all__ = ['GradientClipping', 'WeightDecay']
