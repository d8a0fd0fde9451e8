"""Training words per second of the PTB language model: minigrad against PyTorch's nn.LSTM.

The model shape of the PTB example: vocabulary 10,000, embedding 200, two LSTM layers of 200,
batch 20, BPTT 35, SGD with gradient clipping at 5, on synthetic token ids (so no data files are
needed). Each case trains a few windows to warm up, then times ``--windows`` windows:

- ``minigrad lstm``: examples/ptb/train_ptb.py's RNNLM with the step-by-step LSTM link;
- ``minigrad nstep``: the same with one NStepLSTM call per window;
- ``torch nn.LSTM``: the equivalent PyTorch model (fused LSTM), when PyTorch is installed.

Both compute the 10,000-way output layer once per window on the stacked hidden states.

Run:
    python benchmarks/ptb_throughput.py
    OPENBLAS_NUM_THREADS=1 python benchmarks/ptb_throughput.py   # more stable on a busy machine
"""

import argparse
import os
import sys
import time

import numpy

import minigrad.functions as F
from minigrad import optimizer_hooks, optimizers

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'examples',
                                'ptb'))
from _cli import positive_int  # noqa: E402 (benchmarks/_cli.py)
from train_ptb import RNNLM  # noqa: E402

V, N, LAYERS, B, T = 10000, 200, 2, 20, 35


def _corpus(n_windows, seed=0):
    rng = numpy.random.RandomState(seed)
    return rng.randint(0, V, size=(n_windows * T + 1, B)).astype(numpy.int32)


def minigrad_case(model_type, n_windows):
    model = RNNLM(V, N, LAYERS, model_type)
    opt = optimizers.SGD(lr=1.0).setup(model)
    opt.add_hook(optimizer_hooks.GradientClipping(5.0))
    data = _corpus(n_windows)

    def window(i):
        x = data[i * T:(i + 1) * T]
        t = data[i * T + 1:(i + 1) * T + 1]
        loss = F.softmax_cross_entropy(model(x), t.reshape(-1)) * float(T)
        model.cleargrads()
        loss.backward()
        loss.unchain_backward()
        model.truncate()
        opt.update()
    return window


def torch_case(n_windows):
    import torch
    torch.manual_seed(0)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(V, N)
            self.rnn = torch.nn.LSTM(N, N, LAYERS)
            self.out = torch.nn.Linear(N, V)

        def forward(self, x, state):
            h, state = self.rnn(self.embed(x), state)
            return self.out(h.reshape(-1, N)), state

    model = Model()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    data = torch.from_numpy(_corpus(n_windows).astype(numpy.int64))
    state = [None]

    def window(i):
        x = data[i * T:(i + 1) * T]
        t = data[i * T + 1:(i + 1) * T + 1]
        logits, st = model(x, state[0])
        state[0] = tuple(s.detach() for s in st)
        loss = torch.nn.functional.cross_entropy(logits, t.reshape(-1)) * T
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    return window


def _words_per_second(window, warmup, n_windows):
    for i in range(warmup):
        window(i)
    t0 = time.perf_counter()
    for i in range(warmup, warmup + n_windows):
        window(i)
    return n_windows * T * B / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--windows', type=positive_int, default=20, help='timed windows (20)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed windows first (3)')
    args = parser.parse_args()
    total = args.warmup + args.windows
    rows = [('minigrad lstm', minigrad_case('lstm', total)),
            ('minigrad nstep', minigrad_case('nstep', total))]
    try:
        import torch
        torch.set_num_threads(int(os.environ.get('OPENBLAS_NUM_THREADS', '2')))
        rows.append(('torch nn.LSTM', torch_case(total)))
    except ImportError:
        pass
    print('PTB model (V=%d, %d x %d LSTM, batch %d, BPTT %d), training words/s over %d windows'
          % (V, LAYERS, N, B, T, args.windows))
    speeds = {}
    for name, window in rows:
        speeds[name] = _words_per_second(window, args.warmup, args.windows)
    base = speeds.get('torch nn.LSTM')
    for name, wps in speeds.items():
        ratio = '  %.2fx torch' % (wps / base) if base else ''
        print('%-16s %8.0f words/s%s' % (name, wps, ratio))


if __name__ == '__main__':
    main()
