"""Shared test fixtures: the ``xp`` fixture (numpy, and cupy where a GPU is present), tolerances.

Tests mirror the package tree (``tests/minigrad/functions/test_activation.py``). A test that takes
``xp`` runs once on NumPy and once on CuPy; the CuPy run is marked ``gpu`` and skipped when CuPy
or a GPU is missing.
"""

import numpy
import pytest

from minigrad import backend

# forward tolerances per dtype, for comparisons with a plain NumPy reference
TOL = {
    numpy.float16: dict(atol=5e-3, rtol=5e-3),
    numpy.float32: dict(atol=1e-5, rtol=1e-5),
    numpy.float64: dict(atol=1e-12, rtol=1e-12),
}
FLOAT_DTYPES = [numpy.float16, numpy.float32, numpy.float64]


def _gpu_available():
    return backend.is_cupy_available()


@pytest.fixture(params=[
    pytest.param('numpy'),
    pytest.param('cupy', marks=pytest.mark.gpu),
])
def xp(request):
    """The array module under test: ``numpy``, or ``cupy`` (skipped without a GPU)."""
    if request.param == 'numpy':
        return numpy
    if not _gpu_available():
        pytest.skip('CuPy with a GPU is not available')
    import cupy
    return cupy


@pytest.fixture(autouse=True)
def _fresh_config():
    """Every test starts from the default configuration and a fixed NumPy seed."""
    import minigrad
    before = minigrad.config.show()
    numpy.random.seed(0)
    yield
    for name, value in before.items():
        setattr(minigrad.config, name, value)
