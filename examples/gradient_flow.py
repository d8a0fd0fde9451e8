"""Gradient flow through time: how much of a late loss's gradient reaches each earlier step.

What it does (it trains nothing): builds ``minigrad_rnn.SimpleRNN`` (tanh), ``minigrad_rnn.LSTM``
and ``minigrad_rnn.SCRN`` (as many context units as hidden ones) with the same hidden size and
their standard initialisations, runs each over the same random input sequence, and puts a loss
on the last step only: a fixed random read-out of the last output, ``L = sum(w * y_T)``.
``minigrad.grad`` then gives the gradient of ``L`` with respect to the state each step hands to
the next, and the script prints and plots its L2 norm against the time step. That state is
``h_t`` for SimpleRNN and LSTM (whose cell ``c_t`` is not counted) and ``(h_t, s_t)`` for SCRN,
whose output is ``concat(h_t, s_t)``.

Command (about a second on a CPU)::

    python examples/gradient_flow.py --out result

Expected: a table of the norms at t = 99, 90, 50 and 0, and ``result/gradient_flow.png`` on a
log scale. The gradient of SimpleRNN vanishes going back in time: each step multiplies it by the
recurrent matrix and by tanh derivatives below one, so from 15.5 at t = 99 it falls to 3e-21
at t = 0. LSTM keeps far more (about 4e-9: its cell carries the gradient through the forget
gates) and SCRN the most (about 0.1: its context units decay by only ``alpha = 0.95`` per step).
With matplotlib missing the table is printed and the plot is skipped.
"""

import argparse
import os

import numpy

import minigrad
import minigrad.functions as F
import minigrad_rnn

MODELS = ('SimpleRNN', 'LSTM', 'SCRN')


def make_model(name, hidden):
    """The recurrent link ``name`` with input and hidden size ``hidden`` and default settings."""
    if name == 'SimpleRNN':
        return minigrad_rnn.SimpleRNN(hidden, hidden)               # tanh, LeCunNormal
    if name == 'LSTM':
        return minigrad_rnn.LSTM(hidden, hidden)                    # forget bias 1
    if name == 'SCRN':
        return minigrad_rnn.SCRN(hidden, hidden_size=hidden, context_size=hidden)
    raise ValueError('make_model: unknown model %r; choose one of %s'
                     % (name, ', '.join(MODELS)))


def state_norms(model, xs, w):
    """Run ``model`` over ``xs`` and return the gradient norm at each step's state.

    Args:
        model: a fresh recurrent link (SimpleRNN, LSTM or SCRN).
        xs: the inputs, an array of shape (T, B, I).
        w: the read-out weights, shaped like the model's output at the last step.

    Returns:
        numpy.ndarray of shape (T,): ``||dL/dstate_t||`` with ``L = sum(w * y_T)``.
    """
    states = []
    for x in xs:
        y = model(x)
        # the state handed to the next step: SCRN keeps two, and returns their concatenation
        states.append((model.h, model.s) if isinstance(model, minigrad_rnn.SCRN)
                      else (model.h,))
    loss = F.sum(y * w)
    flat = [v for step in states for v in step]
    grads = minigrad.grad([loss], flat)
    norms = numpy.zeros(len(states))
    k = len(states[0])
    for t in range(len(states)):
        sq = 0.0
        for g in grads[t * k:(t + 1) * k]:
            if g is not None:                   # no path from this state to the loss
                a = g.array.astype(numpy.float64)
                sq += float((a * a).sum())
        norms[t] = sq ** 0.5
    return norms


def measure(steps=100, hidden=32, seed=0, batch=8, device=-1):
    """The gradient norms per step of each model in :data:`MODELS`, as a dict of arrays."""
    rs = numpy.random.RandomState(seed)
    xs = rs.standard_normal((steps, batch, hidden)).astype(numpy.float32)
    results = {}
    for name in MODELS:
        numpy.random.seed(seed)                 # initializers draw from numpy.random
        model = make_model(name, hidden)
        out_size = 2 * hidden if name == 'SCRN' else hidden
        w = numpy.random.RandomState(seed + 1).standard_normal((batch, out_size))
        w = w.astype(numpy.float32)
        x_dev = xs
        if device >= 0:
            model.to_gpu(device)
            x_dev, w = minigrad.backend.to_gpu(xs, device), minigrad.backend.to_gpu(w, device)
        results[name] = state_norms(model, x_dev, w)
    return results


def report_steps(steps):
    """The steps the table shows: the last, 10 before it, the middle and the first."""
    chosen = []
    for t in (steps - 1, steps - 10, steps // 2, 0):
        if t >= 0 and t not in chosen:
            chosen.append(t)
    return sorted(chosen, reverse=True)


def format_table(norms, steps):
    """The table of norms at :func:`report_steps`, one row per model, as a string."""
    ts = report_steps(steps)
    lines = ['%-10s' % 'model' + ''.join('%11s' % ('t=%d' % t) for t in ts)]
    for name, n in norms.items():
        lines.append('%-10s' % name + ''.join('%11.3e' % n[t] for t in ts))
    return '\n'.join(lines)


def plot(norms, path, hidden):
    """Draw the norms on a log scale into the PNG ``path``; False when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure  # no pyplot: no window, no global backend
    except ImportError:
        return False
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    for (name, n), style in zip(norms.items(), ('-', '--', '-.')):
        steps = numpy.arange(len(n))
        shown = n > 0                           # a zero (underflow) has no place on a log axis
        ax.semilogy(steps[shown], n[shown], style, linewidth=2, label=name)
    T = len(next(iter(norms.values())))
    ax.set_xlabel('time step t')
    ax.set_ylabel('gradient norm at the state of step t')
    ax.set_title('Gradient of a loss at t = %d reaching earlier steps (hidden %d)'
                 % (T - 1, hidden))
    ax.grid(True, which='major', alpha=0.4)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={'Software': None})   # same bytes on every run
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot the gradient norm reaching each time step of SimpleRNN, LSTM and '
                    'SCRN from a loss at the last step (nothing is trained).')
    parser.add_argument('--steps', type=int, default=100,
                        help='sequence length T (default: %(default)s)')
    parser.add_argument('--hidden', type=int, default=32,
                        help='input and hidden size of every model (default: %(default)s)')
    parser.add_argument('--batch', type=int, default=8,
                        help='sequences per batch (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the inputs, the read-out and the weights '
                             '(default: %(default)s)')
    parser.add_argument('--device', type=int, default=-1,
                        help='-1 for the CPU, 0 for the first GPU (default: %(default)s)')
    parser.add_argument('--out', default='result',
                        help='directory for gradient_flow.png (default: %(default)s)')
    args = parser.parse_args(argv)
    for option in ('steps', 'hidden', 'batch'):
        if getattr(args, option) < 1:
            parser.error('--%s must be at least 1, got %d' % (option, getattr(args, option)))

    norms = measure(args.steps, args.hidden, args.seed, args.batch, args.device)
    print('gradient norm at the state of step t, loss at t = %d only (hidden %d, batch %d, '
          'seed %d)' % (args.steps - 1, args.hidden, args.batch, args.seed))
    print(format_table(norms, args.steps))
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, 'gradient_flow.png')
    if plot(norms, path, args.hidden):
        print('plot written to %s' % path)
    else:
        print('matplotlib is not installed (pip install matplotlib): plot skipped')
    return norms


if __name__ == '__main__':
    main()
