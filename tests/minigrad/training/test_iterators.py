"""Tests of the iterators (SerialIterator, ParallelSequentialIterator) and concat_examples."""

import doctest

import numpy
import pytest

from minigrad import backend
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad.training import ParallelSequentialIterator, SerialIterator, concat_examples
from minigrad.training import iterators as iterators_module


def _round_trip(src, dst):
    saver = DictionarySerializer()
    src.serialize(saver)
    arrays = {k: numpy.array(v) for k, v in saver.target.items()}   # copies, as a file would
    NpzDeserializer(arrays).load(dst)


# ---- SerialIterator -------------------------------------------------------------------------

def test_serial_in_order_epochs_and_details():
    it = SerialIterator(list(range(5)), 2, shuffle=False)
    assert it.previous_epoch_detail is None
    expected = [  # batch, epoch, is_new_epoch, epoch_detail: worked out by hand
        ([0, 1], 0, False, 0.4),
        ([2, 3], 0, False, 0.8),
        ([4, 0], 1, True, 1.2),
        ([1, 2], 1, False, 1.6),
        ([3, 4], 2, True, 2.0),
        ([0, 1], 2, False, 2.4),
    ]
    previous = 0.0
    for batch, epoch, new, detail in expected:
        assert next(it) == batch
        assert (it.epoch, it.is_new_epoch) == (epoch, new)
        assert it.epoch_detail == pytest.approx(detail)
        assert it.previous_epoch_detail == pytest.approx(previous)
        previous = detail


def test_serial_without_repeat_stops_and_resets():
    it = SerialIterator(numpy.arange(5) * 10, 2, repeat=False, shuffle=False)
    batches = [[int(v) for v in b] for b in it]
    assert batches == [[0, 10], [20, 30], [40]]
    assert it.epoch == 1 and it.is_new_epoch
    with pytest.raises(StopIteration):
        next(it)
    it.reset()
    assert [int(v) for v in next(it)] == [0, 10] and it.epoch == 0


def test_serial_shuffle_follows_numpy_global_seed():
    data = list(range(7))
    numpy.random.seed(3)
    expected_order = numpy.random.permutation(7)          # what the first epoch must follow
    numpy.random.seed(3)
    a = SerialIterator(data, 3)
    first = [next(a) for _ in range(6)]
    assert first[0] == [int(i) for i in expected_order[:3]]
    numpy.random.seed(3)
    b = SerialIterator(data, 3)
    assert [next(b) for _ in range(6)] == first             # reproducible
    numpy.random.seed(4)
    c = SerialIterator(data, 3)
    assert [next(c) for _ in range(6)] != first
    # each epoch visits every example once: the first 7 examples drawn are a permutation
    flat = [x for batch in first for x in batch]
    assert sorted(flat[:7]) == data


def test_serial_serialize_round_trip_resumes_the_same_batches():
    numpy.random.seed(0)
    it = SerialIterator(list(range(7)), 3)
    for _ in range(4):
        next(it)
    numpy.random.seed(99)              # the fresh iterator draws a different order
    fresh = SerialIterator(list(range(7)), 3)
    _round_trip(it, fresh)
    assert (fresh.epoch, fresh.current_position, fresh.is_new_epoch) == \
        (it.epoch, it.current_position, it.is_new_epoch)
    assert fresh.previous_epoch_detail == it.previous_epoch_detail
    state = numpy.random.get_state()
    expected = [next(it) for _ in range(3)]
    numpy.random.set_state(state)
    assert [next(fresh) for _ in range(3)] == expected


def test_serial_bad_arguments():
    with pytest.raises(ValueError, match='batch_size must be positive'):
        SerialIterator([1, 2], 0)
    with pytest.raises(TypeError, match='batch_size must be an int'):
        SerialIterator([1, 2], 1.5)
    with pytest.raises(ValueError, match='empty'):
        SerialIterator([], 1)
    with pytest.raises(ValueError, match='larger than the dataset'):
        SerialIterator([1, 2], 3)
    assert next(SerialIterator([1, 2], 3, repeat=False, shuffle=False)) == [1, 2]


# ---- ParallelSequentialIterator -------------------------------------------------------------

def test_parallel_sequential_offsets_words_and_epochs_by_hand():
    n, B = 10, 3
    corpus = numpy.arange(n, dtype=numpy.int32) * 7       # word at position p is 7 * p
    it = ParallelSequentialIterator(corpus, B)
    assert it.offsets.tolist() == [0, 3, 6]               # i * 10 // 3
    epochs, new_epochs = [], []
    for k in range(12):
        batch = next(it)
        # stream i reads position (offset_i + k) and predicts the word after it
        expected = [(7 * ((o + k) % n), 7 * ((o + k + 1) % n)) for o in (0, 3, 6)]
        assert [(int(w), int(t)) for w, t in batch] == expected
        assert all(isinstance(w, numpy.int32) for w, _ in batch)
        epochs.append(it.epoch)
        new_epochs.append(it.is_new_epoch)
        assert it.epoch_detail == pytest.approx((k + 1) * B / n)
        assert it.previous_epoch_detail == pytest.approx(k * B / n)
    # after k+1 batches (k+1)*3 words were read: epochs complete at 12 >= 10, 21 >= 20, 30
    assert epochs == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert [i + 1 for i, flag in enumerate(new_epochs) if flag] == [4, 7, 10]


def test_parallel_sequential_on_a_list_and_without_repeat():
    it = ParallelSequentialIterator(list(range(10)), 3, repeat=False)
    batches = list(it)
    assert len(batches) == 4                                # 0, 3, 6, 9 words read < 10
    assert batches[-1] == [(3, 4), (6, 7), (9, 0)]
    x, t = concat_examples(batches[0])
    assert x.tolist() == [0, 3, 6] and t.tolist() == [1, 4, 7]


def test_parallel_sequential_serialize_round_trip():
    corpus = numpy.arange(11)
    it = ParallelSequentialIterator(corpus, 2)
    for _ in range(6):
        next(it)
    fresh = ParallelSequentialIterator(corpus, 2)
    _round_trip(it, fresh)
    assert (fresh.iteration, fresh.epoch, fresh.is_new_epoch) == (6, 1, True)   # 12 >= 11
    assert fresh.previous_epoch_detail == it.previous_epoch_detail
    for _ in range(5):
        assert [tuple(map(int, p)) for p in next(fresh)] == \
            [tuple(map(int, p)) for p in next(it)]


def test_parallel_sequential_bad_arguments():
    with pytest.raises(ValueError, match='at least 2 words'):
        ParallelSequentialIterator([1], 1)
    with pytest.raises(ValueError, match='batch_size must be positive'):
        ParallelSequentialIterator([1, 2, 3], -1)


# ---- concat_examples ------------------------------------------------------------------------

def test_concat_examples_tuples_dicts_arrays():
    rs = numpy.random.RandomState(0)
    xs = [rs.rand(3).astype(numpy.float32) for _ in range(4)]
    ts = [numpy.int32(i) for i in range(4)]
    x, t = concat_examples(list(zip(xs, ts)))
    numpy.testing.assert_array_equal(x, numpy.stack(xs))
    assert x.dtype == numpy.float32 and t.dtype == numpy.int32 and t.tolist() == [0, 1, 2, 3]
    d = concat_examples([{'x': a, 't': b} for a, b in zip(xs, ts)])
    numpy.testing.assert_array_equal(d['x'], numpy.stack(xs))
    assert d['t'].tolist() == [0, 1, 2, 3]
    numpy.testing.assert_array_equal(concat_examples(xs), numpy.stack(xs))
    assert concat_examples([1.5, 2.5]).tolist() == [1.5, 2.5]


def test_concat_examples_padding():
    batch = [(numpy.array([1, 2, 3]), numpy.array([[1.0]])),
             (numpy.array([4]), numpy.array([[2.0, 3.0]]))]
    x, y = concat_examples(batch, padding=(-1, 0.0))
    assert x.tolist() == [[1, 2, 3], [4, -1, -1]]
    assert y.tolist() == [[[1.0, 0.0]], [[2.0, 3.0]]]


def test_concat_examples_device_cpu_and_errors():
    x = concat_examples([numpy.ones(2), numpy.zeros(2)], device=-1)
    assert type(x) is numpy.ndarray
    assert type(concat_examples([numpy.ones(2)], device='@numpy')) is numpy.ndarray
    with pytest.raises(ValueError, match='empty'):
        concat_examples([])
    with pytest.raises(ValueError, match='device must be'):
        concat_examples([numpy.ones(2)], device='gpu')


@pytest.mark.gpu
def test_concat_examples_to_gpu():
    if not backend.is_cupy_available():
        pytest.skip('CuPy with a GPU is not available')
    x, t = concat_examples([(numpy.ones(2, numpy.float32), numpy.int32(1))] * 3, device=0)
    assert backend._is_cupy_array(x) and backend._is_cupy_array(t)
    assert x.shape == (3, 2) and t.dtype == numpy.int32


def test_docstring_examples():
    result = doctest.testmod(iterators_module)
    assert result.attempted >= 8 and result.failed == 0
