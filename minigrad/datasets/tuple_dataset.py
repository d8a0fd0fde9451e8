"""TupleDataset: several equal-length datasets seen as one dataset of tuples, as Chainer's.

Datasets layer. A dataset is anything with ``__len__`` and ``__getitem__`` (a list, a NumPy or
CuPy array, another TupleDataset); iterators and training loops take one example at a time or
a batch of examples by a slice or a list of indexes.
"""

import numbers

import numpy


def _take(dataset, index):
    """``dataset[index]`` for a list or 1-D array of indexes, also for plain Python lists."""
    if hasattr(dataset, 'shape') and hasattr(dataset, 'dtype'):
        return dataset[index]                   # arrays index by an array of indexes at once
    return [dataset[int(i)] for i in index]


class TupleDataset:
    """Dataset of tuples taken from several datasets of the same length, like :func:`zip`.

    Example ``i`` is ``(datasets[0][i], datasets[1][i], ...)``. An integer index gives one
    tuple; a slice, a list of integers or a 1-D integer (or boolean) array gives a list of
    tuples, the form batches take.

    Args:
        *datasets: the datasets, each with ``__len__`` and ``__getitem__`` (lists, arrays...),
            all of the same length. Example ``i``'s ``j``-th item comes from the ``j``-th one.

    Raises:
        ValueError: no dataset is given, or their lengths differ (the message gives them).

    Example:
        >>> import numpy
        >>> x = numpy.array([[0.5, 1.0], [2.0, 3.0], [4.0, 5.0]], dtype=numpy.float32)
        >>> t = numpy.array([1, 0, 1], dtype=numpy.int32)
        >>> dataset = TupleDataset(x, t)
        >>> len(dataset)
        3
        >>> dataset[1]
        (array([2., 3.], dtype=float32), np.int32(0))
        >>> [(a.tolist(), int(b)) for a, b in dataset[1:]]
        [([2.0, 3.0], 0), ([4.0, 5.0], 1)]
    """

    def __init__(self, *datasets):
        if not datasets:
            raise ValueError('TupleDataset: no datasets are given')
        lengths = [len(d) for d in datasets]
        if any(n != lengths[0] for n in lengths):
            raise ValueError('TupleDataset: all datasets must have the same length, got lengths '
                             '%s' % lengths)
        self._datasets = datasets
        self._length = lengths[0]

    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if isinstance(index, numbers.Integral):
            return tuple(d[index] for d in self._datasets)
        if isinstance(index, slice):
            batches = [d[index] for d in self._datasets]
        else:
            index = numpy.asarray(index) if isinstance(index, list) else index
            if getattr(index, 'ndim', None) != 1:
                raise TypeError('TupleDataset: an index must be an int, a slice or a 1-D list '
                                'or array of ints, got %s' % type(index).__name__)
            if index.dtype == bool:
                if len(index) != self._length:
                    raise IndexError('TupleDataset: a boolean index must have length %d, got %d'
                                     % (self._length, len(index)))
                index = index.nonzero()[0]
            elif len(index) == 0:
                index = index.astype(numpy.intp)    # [] is float64 once made an array
            elif index.dtype.kind not in 'iu':
                raise TypeError('TupleDataset: an index array must hold integers, got %s'
                                % index.dtype)
            batches = [_take(d, index) for d in self._datasets]
        return list(zip(*batches))
