"""Trainer extensions (Chainer's ``chainer.training.extensions``): one module each.

Reporting: :class:`LogReport` (JSON lines log), :class:`PrintReport` (aligned table),
:class:`ProgressBar` (speed and time left), :class:`PlotReport` (matplotlib, optional) -- the
last three also work without a Trainer, see each class. Evaluation: :class:`Evaluator`.
Saving: :func:`snapshot`, :func:`snapshot_object`. Hyperparameters: :class:`ExponentialShift`,
:class:`LinearShift`, :func:`observe_value`, :func:`observe_lr`. Safety:
:class:`FailOnNonNumber`.
"""

from minigrad.training.extensions.evaluator import Evaluator
from minigrad.training.extensions.exponential_shift import ExponentialShift
from minigrad.training.extensions.fail_on_nonnumber import FailOnNonNumber
from minigrad.training.extensions.linear_shift import LinearShift
from minigrad.training.extensions.log_report import LogReport
from minigrad.training.extensions.observe_value import observe_lr, observe_value
from minigrad.training.extensions.plot_report import PlotReport
from minigrad.training.extensions.print_report import PrintReport
from minigrad.training.extensions.progress_bar import ProgressBar
from minigrad.training.extensions.snapshot import snapshot, snapshot_object

__all__ = ['Evaluator', 'ExponentialShift', 'FailOnNonNumber', 'LinearShift', 'LogReport',
           'PlotReport', 'PrintReport', 'ProgressBar', 'observe_lr', 'observe_value',
           'snapshot', 'snapshot_object']
