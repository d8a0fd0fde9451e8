"""EmbedID: a trainable lookup table from word ids to vectors.

Links layer, on top of :func:`minigrad.functions.embed_id`.
"""

from minigrad import initializers
from minigrad.functions import connection
from minigrad.link import Link
from minigrad.variable import Parameter


class EmbedID(Link):
    """Word embedding: ``y[..., :] = W[x[...]]`` for integer ids ``x``.

    Args:
        in_size (int): the vocabulary size (ids run from 0 to ``in_size - 1``).
        out_size (int): the size of each vector.
        initialW: the initializer of ``W`` (None: :class:`~minigrad.initializers.Normal`
            with std 1.0, as in Chainer); a number, an array or an initializer object.
        ignore_label (int or None): an id whose vector is zero and gets no gradient
            (padding).

    Attributes:
        W (~minigrad.Parameter): the table, shape ``(in_size, out_size)``.

    Example:
        >>> import numpy, minigrad.links as L
        >>> embed = L.EmbedID(5, 3)
        >>> embed(numpy.array([[0, 4], [2, 2]], dtype=numpy.int32)).shape
        (2, 2, 3)
    """

    def __init__(self, in_size, out_size, initialW=None, ignore_label=None):
        super().__init__()
        self.in_size = in_size
        self.out_size = out_size
        self.ignore_label = ignore_label
        if initialW is None:
            initialW = initializers.Normal(1.0)
        with self.init_scope():
            self.W = Parameter(initializers.get_initializer(initialW), (in_size, out_size))

    @property
    def printable_specs(self):
        yield 'in_size', self.in_size
        yield 'out_size', self.out_size
        if self.ignore_label is not None:
            yield 'ignore_label', self.ignore_label

    def forward(self, x):
        """Look up the vectors of the ids ``x`` (an int array of any shape).

        Returns:
            Variable of shape ``x.shape + (out_size,)``.
        """
        return connection.embed_id(x, self.W, ignore_label=self.ignore_label)
