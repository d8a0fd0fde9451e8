"""Array backends: NumPy on the CPU, CuPy on a GPU.

The lowest layer of minigrad. ``get_array_module`` picks ``numpy`` or ``cupy`` for the given arrays
(or Variables); ``to_cpu`` / ``to_gpu`` move arrays between them. CuPy is imported only when a CuPy
array is actually seen or a GPU is asked for, so ``import minigrad`` needs only NumPy.
"""

import numpy

_cupy = None


def _import_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                'CuPy is not installed: install it with pip install "minigrad[gpu]" '
                '(or a cupy-cudaXXx wheel matching your CUDA)') from e
        _cupy = cupy
    return _cupy


def is_cupy_available():
    """True when CuPy imports and sees at least one GPU."""
    try:
        cupy = _import_cupy()
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def _is_cupy_array(x):
    return type(x).__module__.startswith('cupy')


def get_array_module(*args):
    """Return ``cupy`` if any argument is a CuPy array (or a Variable holding one), else ``numpy``.

    Example:
        >>> import numpy
        >>> get_array_module(numpy.zeros(3)) is numpy
        True
    """
    for x in args:
        t = type(x)
        if t is numpy.ndarray:
            continue
        if t.__module__.startswith('cupy'):
            return _import_cupy()
        a = getattr(x, 'array', None)  # a Variable
        if a is not None and _is_cupy_array(a):
            return _import_cupy()
    return numpy


def to_cpu(x):
    """Return ``x`` as a NumPy array (CuPy arrays are copied to the host; None stays None)."""
    if x is None or type(x) is numpy.ndarray:
        return x
    if _is_cupy_array(x):
        return x.get()
    return numpy.asarray(x)


def to_gpu(x, device=None):
    """Return ``x`` as a CuPy array on ``device`` (the current one when None)."""
    if x is None:
        return None
    cupy = _import_cupy()
    if device is None:
        return cupy.asarray(x)
    with cupy.cuda.Device(device):
        return cupy.asarray(x)


def copyto(dst, src):
    """Copy ``src`` into the array ``dst`` in place, across devices if needed."""
    if type(dst) is numpy.ndarray:
        numpy.copyto(dst, to_cpu(src))
    else:
        cupy = _import_cupy()
        cupy.copyto(dst, cupy.asarray(src))
