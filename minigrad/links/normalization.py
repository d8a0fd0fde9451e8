"""Normalization links: LayerNormalization and BatchNormalization (with running statistics).

Links layer, on top of ``minigrad.functions.normalization``. Both create their parameters at
the first call when ``size`` is None.
"""

import numpy

from minigrad import backend, initializers
from minigrad.configuration import config
from minigrad.functions import normalization
from minigrad.link import Link
from minigrad.variable import Parameter


class LayerNormalization(Link):
    """Layer normalization: normalize each sample over its units, then scale by ``gamma`` and
    shift by ``beta`` (see :func:`minigrad.functions.layer_normalization`).

    Args:
        size (int or None): the number of units (the last axis of the input); None finds it
            at the first call.
        eps (float): added to the variance (Chainer's link default 1e-6).
        initial_gamma: the initializer of ``gamma`` (None: ones).
        initial_beta: the initializer of ``beta`` (None: zeros).

    Attributes:
        gamma, beta (~minigrad.Parameter): shape ``(size,)``, float32 unless the initializers
            say otherwise.

    Example:
        >>> import numpy, minigrad.links as L
        >>> ln = L.LayerNormalization()
        >>> ln(numpy.array([[1., 2., 3.]], dtype=numpy.float32)).array.round(3)
        array([[-1.225,  0.   ,  1.225]], dtype=float32)
        >>> ln.gamma.shape
        (3,)
    """

    def __init__(self, size=None, eps=1e-6, initial_gamma=None, initial_beta=None):
        super().__init__()
        self.eps = eps
        with self.init_scope():
            self.gamma = Parameter(initializers.get_initializer(
                1 if initial_gamma is None else initial_gamma))
            self.beta = Parameter(initializers.get_initializer(
                0 if initial_beta is None else initial_beta))
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, size, xp=numpy):
        self.gamma.initialize((size,), xp=xp)
        self.beta.initialize((size,), xp=xp)

    @property
    def printable_specs(self):
        yield 'eps', self.eps

    def forward(self, x):
        """Normalize ``x`` of shape ``(..., size)`` over its last axis."""
        if self.gamma._data is None:
            self._initialize_params(x.shape[-1], xp=backend.get_array_module(x))
        return normalization.layer_normalization(x, self.gamma, self.beta, self.eps)


class BatchNormalization(Link):
    """Batch normalization with running averages of the statistics for evaluation.

    In training (``minigrad.config.train`` True) the batch's own mean and variance normalize
    it, and the running averages are updated in place:
    ``avg = decay * avg + (1 - decay) * batch_value`` (the variance unbiased). In evaluation
    (``with minigrad.using_config('train', False):``) the averages are used instead.

    Args:
        size (int, tuple or None): the shape of the statistics: the number of channels (axis 1
            of the input); None finds it at the first call.
        decay (float): the decay of the running averages.
        eps (float): added to the variance.
        dtype: the dtype of the parameters and statistics (float32).
        use_gamma, use_beta (bool): learn a scale ``gamma`` / a shift ``beta`` (else 1 / 0).
        initial_gamma, initial_beta: their initializers (None: ones / zeros).
        axis (int, tuple or None): the axes to normalize over (None: every axis but 1).
        initial_avg_mean, initial_avg_var: initializers of the running averages (None: zeros
            / ones).

    Attributes:
        gamma, beta (~minigrad.Parameter): the scale and shift (None when not used).
        avg_mean, avg_var: the running averages (persistent values, saved with the model).
        N (int): the number of batches seen in fine-tuning mode (persistent).

    Example:
        >>> import numpy, minigrad, minigrad.links as L
        >>> bn = L.BatchNormalization(2)
        >>> x = numpy.array([[1., 10.], [3., 30.]], dtype=numpy.float32)
        >>> bn(x).array.round(3)
        array([[-1., -1.],
               [ 1.,  1.]], dtype=float32)
        >>> bn.avg_mean
        array([0.2, 2. ], dtype=float32)
    """

    def __init__(self, size=None, decay=0.9, eps=2e-5, dtype=numpy.float32, use_gamma=True,
                 use_beta=True, initial_gamma=None, initial_beta=None, axis=None,
                 initial_avg_mean=None, initial_avg_var=None):
        super().__init__()
        self._dtype = numpy.dtype(dtype)
        self.decay = decay
        self.eps = eps
        self.axis = (axis,) if isinstance(axis, int) else axis
        self._initial_avg_mean = initial_avg_mean
        self._initial_avg_var = initial_avg_var
        self.avg_mean = None
        self.avg_var = None
        self.N = 0
        self.register_persistent('avg_mean')
        self.register_persistent('avg_var')
        self.register_persistent('N')
        with self.init_scope():
            self.gamma = None
            self.beta = None
            if use_gamma:
                self.gamma = Parameter(initializers.get_initializer(
                    1 if initial_gamma is None else initial_gamma), dtype=self._dtype)
            if use_beta:
                self.beta = Parameter(initializers.get_initializer(
                    0 if initial_beta is None else initial_beta), dtype=self._dtype)
        if size is not None:
            self._initialize_params(size)

    def _init_array(self, initializer, default, shape, xp):
        init = initializers.get_initializer(default if initializer is None else initializer)
        return initializers.generate_array(init, shape, xp, self._dtype)

    def _initialize_params(self, shape, xp=numpy):
        shape = (shape,) if isinstance(shape, (int, numpy.integer)) else tuple(shape)
        self.avg_mean = self._init_array(self._initial_avg_mean, 0, shape, xp)
        self.avg_var = self._init_array(self._initial_avg_var, 1, shape, xp)
        if self.gamma is not None:
            self.gamma.initialize(shape, xp=xp)
        if self.beta is not None:
            self.beta.initialize(shape, xp=xp)

    @property
    def printable_specs(self):
        yield 'decay', self.decay
        yield 'eps', self.eps
        if self.axis is not None:
            yield 'axis', self.axis

    def start_finetuning(self):
        """Restart the fine-tuning average (see ``finetune`` in :meth:`forward`)."""
        self.N = 0

    def forward(self, x, finetune=False):
        """Normalize ``x`` (shape ``(B, C, ...)``).

        Args:
            x: Variable or array.
            finetune (bool): in training, make the running averages the plain average of all
                batches since :meth:`start_finetuning` (decay ``1 - 1 / N``) instead of an
                exponential one.
        """
        xp = backend.get_array_module(x)
        if self.avg_mean is None:
            axis = self.axis
            if axis is None:
                axis = (0,) + tuple(range(2, x.ndim))
            axis = [a % x.ndim for a in axis]
            self._initialize_params(
                tuple([s for i, s in enumerate(x.shape) if i not in axis]), xp=xp)
        gamma = self.gamma
        if gamma is None:
            gamma = xp.ones(self.avg_mean.shape, dtype=x.dtype)
        beta = self.beta
        if beta is None:
            beta = xp.zeros(self.avg_mean.shape, dtype=x.dtype)
        if config.train:
            if finetune:
                self.N += 1
                decay = 1.0 - 1.0 / self.N
            else:
                decay = self.decay
            return normalization.batch_normalization(
                x, gamma, beta, eps=self.eps, running_mean=self.avg_mean,
                running_var=self.avg_var, decay=decay, axis=self.axis)
        # the statistics are kept in the link's dtype; the function wants the input's
        dtype = x.dtype
        mean = self.avg_mean.astype(dtype, copy=False)
        var = self.avg_var.astype(dtype, copy=False)
        return normalization.fixed_batch_normalization(x, gamma, beta, mean, var, self.eps,
                                                       axis=self.axis)
