"""The optimizers, imported as ``from minigrad import optimizers``.

Optimizers layer: each family in its own module, each optimizer with its update rule
(``Adam`` / ``AdamRule``). The machinery they share is in ``minigrad.optimizer``.
"""

from minigrad.optimizers.adagrad import AdaGrad, AdaGradRule
from minigrad.optimizers.adam import Adam, AdamRule, AdamW, AMSGrad
from minigrad.optimizers.rmsprop import RMSprop, RMSpropRule
from minigrad.optimizers.sgd import (
    SGD,
    MomentumSGD,
    MomentumSGDRule,
    NesterovAG,
    NesterovAGRule,
    SGDRule,
)

__all__ = [
    'AdaGrad', 'AdaGradRule', 'Adam', 'AdamRule', 'AdamW', 'AMSGrad', 'MomentumSGD',
    'MomentumSGDRule', 'NesterovAG', 'NesterovAGRule', 'RMSprop', 'RMSpropRule', 'SGD',
    'SGDRule',
]
