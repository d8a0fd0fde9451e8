"""Tests of the array backends (minigrad/backend.py): get_array_module, to_cpu, to_gpu, copyto.

The ``xp`` fixture runs the device-independent tests on NumPy and, where a GPU is present, on
CuPy; tests that move data to a GPU are skipped without one.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import backend


def test_get_array_module_numpy():
    a = numpy.zeros(3)
    assert backend.get_array_module(a) is numpy
    assert backend.get_array_module(a, numpy.ones((2, 2))) is numpy
    assert backend.get_array_module() is numpy
    assert backend.get_array_module(1.0, None, 'x') is numpy
    assert backend.get_array_module(numpy.float32(1)) is numpy
    assert minigrad.get_array_module is backend.get_array_module


def test_get_array_module_variables(xp):
    x = minigrad.Variable(xp.zeros(3))
    assert backend.get_array_module(x) is xp
    assert backend.get_array_module(numpy.zeros(1), x) is xp
    assert x.xp is xp
    assert minigrad.Variable().xp is numpy  # no data yet


def test_get_array_module_of_function_output(xp):
    y = F.exp(minigrad.Variable(xp.zeros(3)))
    assert backend.get_array_module(y) is xp
    assert backend.get_array_module(y.array) is xp


def test_to_cpu(xp):
    a = xp.arange(4.0).reshape(2, 2)
    c = backend.to_cpu(a)
    assert type(c) is numpy.ndarray
    numpy.testing.assert_array_equal(c, [[0.0, 1.0], [2.0, 3.0]])


def test_to_cpu_numpy_returns_same_object():
    a = numpy.arange(3.0)
    assert backend.to_cpu(a) is a
    assert backend.to_cpu(None) is None


def test_to_cpu_other_objects():
    c = backend.to_cpu([1.0, 2.0])
    assert type(c) is numpy.ndarray
    numpy.testing.assert_array_equal(c, [1.0, 2.0])
    s = backend.to_cpu(numpy.float32(2.5))
    assert type(s) is numpy.ndarray and s.dtype == numpy.float32 and s.shape == ()


def test_copyto_numpy():
    dst = numpy.zeros(3)
    backend.copyto(dst, numpy.array([1.0, 2.0, 3.0]))
    numpy.testing.assert_array_equal(dst, [1.0, 2.0, 3.0])


def test_copyto_across(xp):
    dst = numpy.zeros(2)
    backend.copyto(dst, xp.asarray([4.0, 5.0]))
    numpy.testing.assert_array_equal(dst, [4.0, 5.0])


def test_to_gpu_none():
    assert backend.to_gpu(None) is None


def test_is_cupy_available_is_bool():
    assert backend.is_cupy_available() in (True, False)


def test_to_gpu_without_cupy_or_roundtrip():
    a = numpy.arange(3.0)
    if not backend.is_cupy_available():
        try:
            import cupy  # noqa: F401
        except ImportError:
            with pytest.raises(RuntimeError, match='CuPy is not installed'):
                backend.to_gpu(a)
            return
        pytest.skip('CuPy is installed but sees no GPU')
    g = backend.to_gpu(a)
    assert backend.get_array_module(g) is not numpy
    numpy.testing.assert_array_equal(backend.to_cpu(g), a)


@pytest.mark.gpu
def test_variable_to_gpu_and_back():
    if not backend.is_cupy_available():
        pytest.skip('CuPy with a GPU is not available')
    x = minigrad.Variable(numpy.array([1.0, 2.0]))
    y = x * x
    F.sum(y).backward()
    x.to_gpu()
    assert x.xp is not numpy
    assert backend.get_array_module(x.grad) is x.xp
    x.to_cpu()
    assert x.xp is numpy
    numpy.testing.assert_array_equal(x.grad, [2.0, 4.0])
