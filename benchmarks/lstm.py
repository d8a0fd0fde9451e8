"""One LSTM layer, forward + backward over T steps: minigrad against NumPy and PyTorch.

For each size (B batch, N units, input size N, float32, T = 35 steps) it times, per time step:

- ``numpy``: a hand-written NumPy LSTM doing the same arithmetic with no autograd (the floor):
  the two matrix products per step, the gates, and the backward products and gate gradients;
- ``LSTM link``: ``minigrad_rnn.LSTM`` called step by step, backward from the summed outputs;
- ``NStepLSTM``: ``minigrad_rnn.NStepLSTM`` over the whole sequence at once;
- ``torch cell`` / ``torch LSTM``: ``nn.LSTMCell`` in a loop and the fused ``nn.LSTM``, when
  PyTorch is installed (CPU, 2 threads).

Run:
    python benchmarks/lstm.py                    # both sizes, table of ms per step and ratios
    python benchmarks/lstm.py --sizes 20x200     # one size
    python benchmarks/lstm.py --device 0         # minigrad on CuPy (and torch on CUDA)
"""

import argparse
import os
import time

import numpy
from _cli import positive_int, sizes  # benchmarks/_cli.py: sys.path[0] in a script run

import minigrad
import minigrad.functions as F
from minigrad_rnn import LSTM, NStepLSTM


def _once(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def numpy_lstm(B, N, T, xp):
    rng = numpy.random.RandomState(0)
    Wx = xp.asarray(rng.uniform(-0.1, 0.1, (4 * N, N)).astype(numpy.float32))
    Wh = xp.asarray(rng.uniform(-0.1, 0.1, (4 * N, N)).astype(numpy.float32))
    b = xp.zeros(4 * N, numpy.float32)
    xs = [xp.asarray(rng.uniform(-1, 1, (B, N)).astype(numpy.float32)) for _ in range(T)]

    def sigmoid(z):
        return xp.tanh(z * 0.5) * 0.5 + 0.5

    def run():
        h = xp.zeros((B, N), numpy.float32)
        c = xp.zeros((B, N), numpy.float32)
        saved = []
        for x in xs:
            z = x @ Wx.T + h @ Wh.T + b
            a = xp.tanh(z[:, :N])
            i = sigmoid(z[:, N:2 * N])
            f = sigmoid(z[:, 2 * N:3 * N])
            o = sigmoid(z[:, 3 * N:])
            c_new = a * i + f * c
            tc = xp.tanh(c_new)
            saved.append((x, h, c, a, i, f, o, tc))
            h, c = o * tc, c_new
        gWx = xp.zeros_like(Wx)
        gWh = xp.zeros_like(Wh)
        gb = xp.zeros_like(b)
        gh = xp.zeros((B, N), numpy.float32)
        gc = xp.zeros((B, N), numpy.float32)
        for x, h_prev, c_prev, a, i, f, o, tc in reversed(saved):
            gh = gh + 1                                 # d sum(h_t) / d h_t
            go = gh * tc * o * (1 - o)
            gct = gc + gh * o * (1 - tc * tc)
            ga = gct * i * (1 - a * a)
            gi = gct * a * i * (1 - i)
            gf = gct * c_prev * f * (1 - f)
            gz = xp.concatenate([ga, gi, gf, go], axis=1)
            gWx += gz.T @ x
            gWh += gz.T @ h_prev
            gb += gz.sum(axis=0)
            gz @ Wx                                     # the input gradient, as autograd does
            gh = gz @ Wh
            gc = gct * f
        return gWx
    return run


def minigrad_link(B, N, T, xp):
    rng = numpy.random.RandomState(0)
    link = LSTM(N, N)
    if xp is not numpy:
        link.to_gpu()
    xs = [xp.asarray(rng.uniform(-1, 1, (B, N)).astype(numpy.float32)) for _ in range(T)]

    def run():
        link.reset_state()
        link.cleargrads()
        loss = 0
        for x in xs:
            loss = F.sum(link(x)) + loss
        loss.backward()
        return link.upward.W.grad
    return run


def minigrad_nstep(B, N, T, xp):
    rng = numpy.random.RandomState(0)
    link = NStepLSTM(1, N, N, 0.0)
    if xp is not numpy:
        link.to_gpu()
    seqs = [xp.asarray(rng.uniform(-1, 1, (T, N)).astype(numpy.float32)) for _ in range(B)]

    def run():
        link.cleargrads()
        _, _, ys = link(None, None, seqs)
        F.sum(F.concat(ys, axis=0)).backward()
        return link.ws[0][0].grad
    return run


def torch_cases(B, N, T, device):
    import torch
    torch.set_num_threads(int(os.environ.get('OPENBLAS_NUM_THREADS', '2')))  # like numpy
    torch.manual_seed(0)
    dev = 'cpu' if device < 0 else 'cuda'
    cell = torch.nn.LSTMCell(N, N).to(dev)
    fused = torch.nn.LSTM(N, N).to(dev)
    xs = torch.rand(T, B, N, device=dev)

    def sync():
        if dev == 'cuda':
            torch.cuda.synchronize()

    def run_cell():
        cell.zero_grad()
        h = torch.zeros(B, N, device=dev)
        c = torch.zeros(B, N, device=dev)
        loss = 0
        for t in range(T):
            h, c = cell(xs[t], (h, c))
            loss = loss + h.sum()
        loss.backward()
        sync()

    def run_fused():
        fused.zero_grad()
        ys, _ = fused(xs)
        ys.sum().backward()
        sync()
    return run_cell, run_fused


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=sizes, default='20x200,128x650',
                        help='comma-separated BxN sizes (default 20x200,128x650)')
    parser.add_argument('--steps', type=positive_int, default=35, help='time steps T (35)')
    parser.add_argument('--repeat', type=positive_int, default=5,
                        help='timing repeats, best kept (5)')
    parser.add_argument('--device', type=int, default=-1, help='-1 CPU (default), 0 first GPU')
    args = parser.parse_args()
    if args.device >= 0:
        try:
            import cupy
        except ImportError:
            parser.error('--device %d needs CuPy (pip install -e ".[gpu]")' % args.device)
        cupy.cuda.Device(args.device).use()
        xp = cupy
    else:
        xp = numpy
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False

    def synced(fn):
        if xp is numpy:
            return fn

        def run():
            fn()
            xp.cuda.Device().synchronize()
        return run

    T = args.steps
    print('one LSTM layer, forward+backward, T=%d, ms per time step (best of %d, the cases '
          'taking turns), device %s'
          % (T, args.repeat, 'CPU' if xp is numpy else 'GPU %d' % args.device))
    header = '%-10s %9s %11s %9s %11s %9s' % ('B x N', 'numpy', 'LSTM link', 'link/np',
                                             'NStepLSTM', 'nstep/np')
    if have_torch:
        header += ' %11s %11s %11s' % ('torch cell', 'torch LSTM', 'link/cell')
    print(header)
    for B, N in args.sizes:
        cases = {'numpy': synced(numpy_lstm(B, N, T, xp)),
                 'link': synced(minigrad_link(B, N, T, xp)),
                 'nstep': synced(minigrad_nstep(B, N, T, xp))}
        if have_torch:
            cases['cell'], cases['fused'] = torch_cases(B, N, T, args.device)
        for fn in cases.values():
            fn()  # warm up
        # the cases take turns, so a slow spell of a shared machine hits all of them alike
        best = dict.fromkeys(cases, float('inf'))
        for _ in range(args.repeat):
            for name, fn in cases.items():
                best[name] = min(best[name], _once(fn))
        ms = {name: t / T * 1e3 for name, t in best.items()}
        row = '%-10s %9.3f %11.3f %8.2fx %11.3f %8.2fx' % (
            '%dx%d' % (B, N), ms['numpy'], ms['link'], ms['link'] / ms['numpy'], ms['nstep'],
            ms['nstep'] / ms['numpy'])
        if have_torch:
            row += ' %11.3f %11.3f %10.2fx' % (ms['cell'], ms['fused'], ms['link'] / ms['cell'])
        print(row)
    print('minigrad %s, numpy %s' % (minigrad.__version__, numpy.__version__))


if __name__ == '__main__':
    main()
