"""Dataset iterators (SerialIterator, ParallelSequentialIterator) and concat_examples.

Training layer. An iterator yields mini-batches (lists of examples) forever (``repeat=True``)
or for one pass, and keeps count: ``epoch``, ``epoch_detail`` (a float, 2.5 = half-way through
the third epoch), ``is_new_epoch`` (the last batch finished an epoch). ``serialize`` saves the
position, so a snapshot resumes on the very next batch. :func:`concat_examples` turns a batch
into arrays for the model. Names follow Chainer (``chainer.iterators``,
``chainer.dataset.concat_examples``).
"""

import numpy

from minigrad import backend


class Iterator:
    """Base class of iterators: ``next(it)`` gives a batch; ``serialize`` saves the position."""

    def __iter__(self):
        return self

    def __next__(self):
        raise NotImplementedError

    def next(self):
        """Same as ``next(iterator)``."""
        return self.__next__()

    def finalize(self):
        """Release resources (nothing to do for the iterators here)."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.finalize()

    def serialize(self, serializer):
        """Save or load the position (Chainer's serializer protocol)."""


def _check_batch_size(owner, batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, numpy.integer)):
        raise TypeError('%s: batch_size must be an int, got %s'
                        % (owner, type(batch_size).__name__))
    if batch_size <= 0:
        raise ValueError('%s: batch_size must be positive, got %d' % (owner, batch_size))


class SerialIterator(Iterator):
    """Mini-batches of examples taken in order, or in a fresh random order each epoch.

    The random order comes from NumPy's global generator (``numpy.random``), so
    ``numpy.random.seed(0)`` makes the batches reproducible. With ``repeat=True`` an epoch's
    last batch is topped up with the first examples of the next epoch, so every batch has
    ``batch_size`` examples; with ``repeat=False`` the last batch may be shorter and iteration
    stops after one pass (call :meth:`reset` to go again).

    Args:
        dataset: anything with ``__len__`` and ``__getitem__`` (a list, an array, a
            ``TupleDataset``...). A batch is a list of ``dataset[i]``.
        batch_size (int): examples per batch.
        repeat (bool): go on forever (training) or stop after one epoch (evaluation).
        shuffle (bool): draw a new random order at each epoch.

    Attributes:
        epoch (int): completed epochs.
        is_new_epoch (bool): True when the last batch completed an epoch.
        current_position (int): index of the next example within the epoch's order.

    Example:
        >>> it = SerialIterator(list(range(5)), 2, shuffle=False)
        >>> [next(it) for _ in range(3)], it.epoch, it.is_new_epoch
        ([[0, 1], [2, 3], [4, 0]], 1, True)
        >>> it.epoch_detail
        1.2
    """

    def __init__(self, dataset, batch_size, repeat=True, shuffle=True):
        _check_batch_size('SerialIterator', batch_size)
        if len(dataset) == 0:
            raise ValueError('SerialIterator: the dataset is empty')
        if repeat and batch_size > len(dataset):
            raise ValueError('SerialIterator: batch_size (%d) is larger than the dataset (%d '
                             'examples); use a smaller batch or repeat=False'
                             % (batch_size, len(dataset)))
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self._repeat = repeat
        self._shuffle = shuffle
        self.reset()

    def reset(self):
        """Go back to the start of the first epoch (a new random order when shuffling)."""
        self.current_position = 0
        self.epoch = 0
        self.is_new_epoch = False
        self._previous_epoch_detail = -1.0
        n = len(self.dataset)
        self._order = numpy.random.permutation(n) if self._shuffle else None

    @property
    def repeat(self):
        return self._repeat

    @property
    def epoch_detail(self):
        """Epochs done, as a float (``epoch + current_position / len(dataset)``)."""
        return self.epoch + self.current_position / len(self.dataset)

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last batch (None before the first)."""
        if self._previous_epoch_detail < 0:
            return None
        return self._previous_epoch_detail

    def _take(self, start, stop):
        dataset = self.dataset
        if self._order is None:
            return [dataset[i] for i in range(start, stop)]
        return [dataset[i] for i in self._order[start:stop]]

    def __next__(self):
        if not self._repeat and self.epoch > 0:
            raise StopIteration
        self._previous_epoch_detail = self.epoch_detail
        n = len(self.dataset)
        i = self.current_position
        i_end = i + self.batch_size
        batch = self._take(i, min(i_end, n))
        if i_end >= n:
            if self._repeat:
                rest = i_end - n
                if self._order is not None:
                    self._order = numpy.random.permutation(n)
                if rest > 0:
                    batch.extend(self._take(0, rest))
                self.current_position = rest
            else:
                self.current_position = 0
            self.epoch += 1
            self.is_new_epoch = True
        else:
            self.is_new_epoch = False
            self.current_position = i_end
        return batch

    def serialize(self, serializer):
        """Save or load the position, the epoch counters and the current order."""
        self.current_position = serializer('current_position', self.current_position)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        if self._order is not None:
            serializer('order', self._order)     # loaded in place
        self._previous_epoch_detail = serializer('previous_epoch_detail',
                                                 float(self._previous_epoch_detail))


class ParallelSequentialIterator(Iterator):
    """Batches of ``(word, next_word)`` pairs read by ``batch_size`` parallel streams (for LMs).

    As in Chainer's Penn Treebank example: the corpus (a 1-D sequence of word ids) is read by
    ``batch_size`` cursors starting at evenly spaced offsets ``i * len(corpus) // batch_size``;
    each call moves every cursor one word on (wrapping around), so that stream ``i`` of
    successive batches is a contiguous piece of text and a recurrent model can carry its
    state from one batch to the next. An epoch is ``len(corpus)`` words:
    ``epoch = iteration * batch_size // len(corpus)``.

    Args:
        corpus: a 1-D array (or list) of word ids.
        batch_size (int): the number of parallel streams.
        repeat (bool): go on forever, or stop once ``iteration * batch_size`` reaches the length.

    Attributes:
        iteration (int): batches given so far.
        epoch (int), is_new_epoch (bool): as for :class:`SerialIterator`.
        offsets: the start position of each stream.

    Example:
        >>> import numpy
        >>> it = ParallelSequentialIterator(numpy.arange(6), 2)
        >>> it.offsets.tolist()
        [0, 3]
        >>> [(int(w), int(n)) for w, n in next(it)]
        [(0, 1), (3, 4)]
        >>> x, t = concat_examples(next(it))
        >>> x.tolist(), t.tolist(), it.epoch_detail
        ([1, 4], [2, 5], 0.6666666666666666)
    """

    def __init__(self, corpus, batch_size, repeat=True):
        _check_batch_size('ParallelSequentialIterator', batch_size)
        if len(corpus) < 2:
            raise ValueError('ParallelSequentialIterator: the corpus needs at least 2 words, '
                             'got %d' % len(corpus))
        self.dataset = corpus
        self.batch_size = int(batch_size)
        self._repeat = repeat
        n = len(corpus)
        self.offsets = numpy.array([i * n // batch_size for i in range(batch_size)])
        self._indexable = hasattr(corpus, 'shape') and hasattr(corpus, 'dtype')
        self.reset()

    def reset(self):
        """Go back to the start (iteration 0, epoch 0)."""
        self.iteration = 0
        self.epoch = 0
        self.is_new_epoch = False
        self._previous_epoch_detail = -1.0

    @property
    def repeat(self):
        return self._repeat

    @property
    def epoch_detail(self):
        """Epochs done, as a float: ``iteration * batch_size / len(corpus)``."""
        return self.iteration * self.batch_size / len(self.dataset)

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last batch (None before the first)."""
        if self._previous_epoch_detail < 0:
            return None
        return self._previous_epoch_detail

    def get_words(self):
        """The word under each cursor at the current iteration (one per stream)."""
        index = (self.offsets + self.iteration) % len(self.dataset)
        if self._indexable:
            return self.dataset[index]
        return [self.dataset[i] for i in index]

    def __next__(self):
        n = len(self.dataset)
        if not self._repeat and self.iteration * self.batch_size >= n:
            raise StopIteration
        words = self.get_words()
        self._previous_epoch_detail = self.epoch_detail
        self.iteration += 1
        next_words = self.get_words()
        epoch = self.iteration * self.batch_size // n
        self.is_new_epoch = self.epoch < epoch
        if self.is_new_epoch:
            self.epoch = epoch
        return list(zip(words, next_words))

    def serialize(self, serializer):
        """Save or load the iteration and epoch counters."""
        self.iteration = serializer('iteration', self.iteration)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)
        self._previous_epoch_detail = serializer('previous_epoch_detail',
                                                 float(self._previous_epoch_detail))


def to_device(device, x):
    """Send the array ``x`` to ``device``.

    Args:
        device: None (leave it where it is), a negative int or ``'@numpy'`` (NumPy), a
            non-negative int ``n`` or ``'@cupy:n'`` (CuPy on GPU ``n``).
        x: an array (or None).
    """
    if device is None or x is None:
        return x
    if isinstance(device, str):
        if device == '@numpy':
            return backend.to_cpu(x)
        if device.startswith('@cupy:') and device[6:].isdigit():
            return backend.to_gpu(x, int(device[6:]))
        raise ValueError("device must be None, an int, '@numpy' or '@cupy:N', got %r" % device)
    if device < 0:
        return backend.to_cpu(x)
    return backend.to_gpu(x, device)


def _concat_arrays(arrays, padding):
    if not (isinstance(arrays[0], numpy.ndarray) or backend._is_cupy_array(arrays[0])):
        arrays = numpy.asarray(arrays)        # numbers and NumPy scalars keep their dtype
        if padding is None:
            return arrays
    if padding is not None:
        return _concat_with_padding(arrays, padding)
    xp = backend.get_array_module(arrays[0])
    return xp.stack(arrays)


def _concat_with_padding(arrays, padding):
    shape = numpy.array(arrays[0].shape, dtype=int)
    for a in arrays[1:]:
        if a.ndim != len(shape):
            raise ValueError('concat_examples: cannot pad arrays of different ndim (%d and %d)'
                             % (len(shape), a.ndim))
        shape = numpy.maximum(shape, a.shape)
    xp = backend.get_array_module(arrays[0])
    result = xp.full((len(arrays),) + tuple(int(s) for s in shape), padding,
                     dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        result[(i,) + tuple(slice(s) for s in a.shape)] = a
    return result


def concat_examples(batch, device=None, padding=None):
    """Stack a list of examples into arrays: the default converter of the updaters.

    Examples that are tuples give a tuple of arrays (one per position), dicts give a dict of
    arrays, arrays (or numbers) give one array; each has the batch as its first axis. NumPy
    scalars keep their dtype (int32 word ids stay int32).

    Args:
        batch (list): the examples.
        device: where to put the arrays: None (where they are), a negative int (NumPy), a GPU
            id (CuPy, through :func:`minigrad.backend.to_gpu`).
        padding: None (shapes must agree), or a value to pad shorter arrays with (a tuple or
            dict of them to pad each position differently).

    Returns:
        a tuple, a dict or an array.

    Raises:
        ValueError: the batch is empty.

    Example:
        >>> import numpy
        >>> batch = [(numpy.array([1., 2.]), 0), (numpy.array([3., 4.]), 1)]
        >>> x, t = concat_examples(batch)
        >>> x
        array([[1., 2.],
               [3., 4.]])
        >>> t
        array([0, 1])
        >>> concat_examples([numpy.array([1, 2]), numpy.array([3])], padding=-1)
        array([[ 1,  2],
               [ 3, -1]])
    """
    if len(batch) == 0:
        raise ValueError('concat_examples: the batch is empty')
    first = batch[0]
    if isinstance(first, tuple):
        n = len(first)
        pads = padding if isinstance(padding, tuple) else (padding,) * n
        return tuple(to_device(device, _concat_arrays([ex[i] for ex in batch], pads[i]))
                     for i in range(n))
    if isinstance(first, dict):
        pads = padding if isinstance(padding, dict) else {key: padding for key in first}
        return {key: to_device(device, _concat_arrays([ex[key] for ex in batch], pads[key]))
                for key in first}
    return to_device(device, _concat_arrays(batch, padding))
