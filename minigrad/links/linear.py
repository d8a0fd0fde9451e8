"""Linear: the fully connected layer ``y = x W^T + b`` (W of shape (out_size, in_size)).

Links layer, on top of :func:`minigrad.functions.linear`.
"""

import numpy

from minigrad import backend, initializers, type_check
from minigrad.functions import linalg
from minigrad.link import Link
from minigrad.variable import Parameter, Variable


class Linear(Link):
    """Fully connected layer, ``y = x W^T + b``.

    Args:
        in_size (int or None): the input size; None finds it at the first call
            (``x.size // x.shape[0]``: the trailing axes are flattened). ``Linear(10)`` with one
            argument means ``Linear(None, 10)``.
        out_size (int): the output size.
        nobias (bool): no bias ``b``.
        initialW: the initializer of ``W`` (None: :class:`~minigrad.initializers.LeCunNormal`,
            std ``sqrt(1 / in_size)``); a number, an array or an initializer object.
        initial_bias: the initializer of ``b`` (None: zeros).

    Attributes:
        W (~minigrad.Parameter): the weight, shape ``(out_size, in_size)``.
        b (~minigrad.Parameter): the bias, shape ``(out_size,)``, or None with ``nobias``.

    Example:
        >>> import numpy, minigrad.links as L
        >>> layer = L.Linear(None, 2, initialW=1.0, initial_bias=0.5)
        >>> layer(numpy.ones((1, 3), dtype=numpy.float32))
        variable([[3.5, 3.5]], shape=(1, 2), dtype=float32)
        >>> layer.W.shape
        (2, 3)
    """

    def __init__(self, in_size, out_size=None, nobias=False, initialW=None, initial_bias=None):
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        if out_size is None:
            raise ValueError('Linear: out_size must be given (Linear(in_size, out_size) or '
                             'Linear(out_size))')
        self._in_size = in_size
        self.out_size = out_size
        self.nobias = nobias
        with self.init_scope():
            self.W = Parameter(initializers.get_initializer(initialW))
            if in_size is not None:
                self._initialize_params(in_size)
            if nobias:
                self.b = None
            else:
                if initial_bias is None:
                    initial_bias = 0
                self.b = Parameter(initializers.get_initializer(initial_bias), out_size)

    def _initialize_params(self, in_size, xp=numpy):
        self.W.initialize((self.out_size, in_size), xp=xp)

    @property
    def in_size(self):
        """The input size: None until a lazily created ``W`` exists."""
        W = self.W._data
        return self._in_size if W is None else W.shape[1]

    @classmethod
    def from_params(cls, W, b=None, nobias=False):
        """A Linear initialised with copies of ``W`` (out_size, in_size) and ``b``.

        ``b`` None gives a zero bias unless ``nobias``.
        """
        out_size, in_size = W.shape
        if b is not None and b.shape != (out_size,):
            raise ValueError('Linear.from_params: b must have shape (%d,) to match W of shape %s,'
                             ' got %s' % (out_size, W.shape, b.shape))
        return cls(in_size, out_size, nobias=nobias, initialW=getattr(W, 'array', W),
                   initial_bias=None if b is None else getattr(b, 'array', b))

    @property
    def printable_specs(self):
        yield 'in_size', self.in_size
        yield 'out_size', self.out_size
        yield 'nobias', self.nobias

    def forward(self, x, n_batch_axes=1):
        """Apply the layer.

        Args:
            x: Variable or array of shape ``(B, in_size)`` (more axes after ``n_batch_axes``
                are flattened).
            n_batch_axes (int): the number of leading axes treated as batch axes.

        Returns:
            Variable of shape ``x.shape[:n_batch_axes] + (out_size,)``.
        """
        if self.W._data is None:
            # a bad x must not fix in_size: check it before W is made from its shape
            type_check.expect_float('linear', 'x', x.array if isinstance(x, Variable) else x)
            in_size = 1
            for s in x.shape[n_batch_axes:]:
                in_size *= s
            # created where the input lives, so a model moved to the GPU stays there
            self._initialize_params(in_size, xp=backend.get_array_module(x))
        return linalg.linear(x, self.W, self.b, n_batch_axes=n_batch_axes)
