"""Per-operation overhead: a chain of elementwise ops, forward + backward, against plain NumPy.

The chain alternates ``h = h + c`` and ``h = h * c`` with a same-shape constant array ``c``,
1,000 operations long, then runs backward from ``sum(h)``. It is timed on a tiny array (1,),
where the time is all framework overhead, and on (256, 256) float32, where the arithmetic
dominates. Baselines in the same process: plain NumPy doing the same forward and backward
arithmetic by hand (the lower bound), and PyTorch on the CPU when it is installed.

Run:
    python benchmarks/overhead.py            # prints a table of microseconds per op and ratios
    python benchmarks/overhead.py --profile  # cProfile of the small-array chain, top 25 entries
    python benchmarks/overhead.py --gc-off   # the same table without the cyclic collector
    python benchmarks/overhead.py --heap-shift 3   # the arrays placed 3 KB further on the heap

On (256, 256) the ratio also depends on where malloc happens to put the arrays, which changes
with anything allocated before them (a different commit, an imported module): compare commits
over a few ``--heap-shift`` values rather than on one run each.
"""

import argparse
import cProfile
import gc
import os
import pstats
import time

import numpy
from _cli import positive_int  # benchmarks/_cli.py: sys.path[0] in a script run

import minigrad
import minigrad.functions as F


def _best(fn, repeat, number=1):
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def minigrad_chain(shape, n_ops):
    c = numpy.full(shape, 0.999, dtype=numpy.float32)
    x0 = numpy.ones(shape, dtype=numpy.float32)

    def run():
        x = minigrad.Variable(x0)
        h = x
        for i in range(n_ops):
            h = h + c if i % 2 == 0 else h * c
        y = F.sum(h)
        y.backward()
        return x.grad
    return run


def minigrad_forward_only(shape, n_ops):
    c = numpy.full(shape, 0.999, dtype=numpy.float32)
    x0 = numpy.ones(shape, dtype=numpy.float32)

    def run():
        h = minigrad.Variable(x0)
        for i in range(n_ops):
            h = h + c if i % 2 == 0 else h * c
        return h
    return run


def numpy_chain(shape, n_ops):
    c = numpy.full(shape, 0.999, dtype=numpy.float32)
    x0 = numpy.ones(shape, dtype=numpy.float32)

    def run():
        h = x0
        for i in range(n_ops):
            h = h + c if i % 2 == 0 else h * c
        h.sum()
        g = numpy.ones_like(x0)
        for i in reversed(range(n_ops)):
            if i % 2 == 1:            # the gradient of an add is passed through unchanged
                g = g * c
        return g
    return run


def torch_chain(shape, n_ops):
    import torch
    torch.set_num_threads(int(os.environ.get('OPENBLAS_NUM_THREADS', '2')))  # like numpy
    c = torch.full(shape, 0.999, dtype=torch.float32)

    def run():
        x = torch.ones(shape, dtype=torch.float32, requires_grad=True)
        h = x
        for i in range(n_ops):
            h = h + c if i % 2 == 0 else h * c
        h.sum().backward()
        return x.grad
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--ops', type=positive_int, default=1000,
                        help='length of the chain (1000)')
    parser.add_argument('--repeat', type=positive_int, default=7,
                        help='timing repeats, best kept (7)')
    parser.add_argument('--profile', action='store_true', help='profile the small chain')
    parser.add_argument('--gc-off', action='store_true',
                        help="switch off Python's cyclic garbage collector, to see its share")
    parser.add_argument('--heap-shift', type=int, default=0, metavar='KB',
                        help='allocate KB kilobytes before the arrays, to see another layout')
    args = parser.parse_args()
    if args.heap_shift < 0:
        parser.error('--heap-shift must be 0 or more, got %d' % args.heap_shift)
    heap_shift = numpy.empty(args.heap_shift * 1024, numpy.uint8)   # held until the end
    if args.gc_off:
        gc.disable()

    if args.profile:
        run = minigrad_chain((1,), args.ops)
        run()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            run()
        prof.disable()
        pstats.Stats(prof).sort_stats('tottime').print_stats(25)
        return

    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False

    print('chain of %d elementwise ops (alternating add and mul), forward+backward, '
          'microseconds per op (best of %d, the cases taking turns)' % (args.ops, args.repeat))
    header = '%-12s %12s %12s %12s %14s' % ('shape', 'numpy', 'minigrad', 'mg/numpy',
                                           'minigrad fwd')
    if have_torch:
        header += ' %12s %12s' % ('torch', 'mg/torch')
    print(header)
    for shape, repeat in (((1,), args.repeat), ((256, 256), max(3, args.repeat // 2))):
        cases = {'numpy': numpy_chain(shape, args.ops),
                 'minigrad': minigrad_chain(shape, args.ops),
                 'fwd': minigrad_forward_only(shape, args.ops)}
        if have_torch:
            cases['torch'] = torch_chain(shape, args.ops)
        for fn in cases.values():
            fn()  # warm up
        # the cases take turns, so a slow spell of a shared machine hits all of them alike
        best = dict.fromkeys(cases, float('inf'))
        for _ in range(repeat):
            for name, fn in cases.items():
                best[name] = min(best[name], _best(fn, 1))
        us = {name: t / args.ops * 1e6 for name, t in best.items()}
        row = '%-12s %12.2f %12.2f %11.2fx %14.2f' % (
            str(shape), us['numpy'], us['minigrad'], us['minigrad'] / us['numpy'], us['fwd'])
        if have_torch:
            row += ' %12.2f %11.2fx' % (us['torch'], us['minigrad'] / us['torch'])
        print(row)
    print('config: type_check=%s debug=%s gc=%s heap shift=%d KB'
          % (minigrad.config.type_check, minigrad.config.debug, gc.isenabled(),
             len(heap_shift) // 1024))


if __name__ == '__main__':
    main()
