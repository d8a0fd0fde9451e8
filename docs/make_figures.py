"""Regenerate every picture used in docs/ into docs/figures/.

Command (a few seconds)::

    python docs/make_figures.py

Writes, under fixed names that the guides link to:

- ``diamond.svg``: the graph of ``b = a + a; c = b + b`` after ``c.backward(retain_grad=True)``,
  with each variable's gradient (c 1, b 2, a 4: a variable used twice sums its gradients);
- ``bptt_before.svg`` and ``bptt_after.svg``: three steps of ``h = tanh(x_t + h @ W)`` with
  ``loss += sum(h * h)`` (the computation of section 8 of tour.md), after ``loss.backward()``
  and before and after ``loss.unchain_backward()``;
- ``gradient_flow.png``: the gradient norm reaching each time step of SimpleRNN, LSTM and SCRN
  (``examples/gradient_flow.py`` with its defaults).

The graphs need Graphviz (the ``graphviz`` Python package and the ``dot`` program); without it
their ``.dot`` text is written instead and the script says so. The plot needs matplotlib; without
it the plot is skipped. The last line lists what was written.
"""

import argparse
import importlib.util
import os
import sys

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:                  # run from a plain checkout too
    sys.path.insert(0, ROOT)

import minigrad  # noqa: E402
import minigrad.functions as F  # noqa: E402
from minigrad.graph import build_computational_graph  # noqa: E402


def diamond_graph():
    """The graph of ``c = b + b`` with ``b = a + a``, with the gradients after backward."""
    a = minigrad.Variable(numpy.array(3.0), name='a')
    b = a + a
    b.name = 'b'
    c = b + b
    c.name = 'c'
    c.backward(retain_grad=True)
    return build_computational_graph(c, show_grad=True), (a, b, c)


def bptt_graphs():
    """Three recurrent steps and their loss, drawn before and after ``unchain_backward``."""
    rng = numpy.random.RandomState(0)
    W = minigrad.Parameter(rng.normal(0, 0.5, (2, 2)), name='W')
    xs = rng.normal(size=(3, 1, 2))
    h = minigrad.Variable(numpy.zeros((1, 2)), name='h')
    loss = 0
    for t in range(3):
        h = F.tanh(xs[t] + h @ W)
        h.name = 'h%d' % (t + 1)
        loss += F.sum(h * h)
    loss.name = 'loss'
    loss.backward()
    before = build_computational_graph([loss, h], show_grad=True)
    loss.unchain_backward()
    after = build_computational_graph([loss, h, W], show_grad=True)
    return before, after, (loss, h, W)


def _write_graph(graph, out, stem, written, notes):
    path = os.path.join(out, stem + '.svg')
    try:
        graph.render(path, format='svg')
    except (ImportError, RuntimeError) as e:
        dot_path = os.path.join(out, stem + '.dot')
        with open(dot_path, 'w') as f:
            f.write(graph.dump())
        written.append(dot_path)
        notes.append('%s not rendered (%s); wrote its DOT text to %s' % (path, e, dot_path))
        return
    written.append(path)


def _load_gradient_flow():
    path = os.path.join(ROOT, 'examples', 'gradient_flow.py')
    spec = importlib.util.spec_from_file_location('gradient_flow_example', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description='Regenerate the pictures of the guides.')
    parser.add_argument('--out', default=os.path.join(HERE, 'figures'),
                        help='directory for the pictures (default: docs/figures)')
    args = parser.parse_args(argv)
    out = args.out
    os.makedirs(out, exist_ok=True)
    written, notes = [], []

    # the variables must stay alive until drawn: the labels read their gradients
    graph, diamond_vars = diamond_graph()
    _write_graph(graph, out, 'diamond', written, notes)
    before, after, bptt_vars = bptt_graphs()
    _write_graph(before, out, 'bptt_before', written, notes)
    _write_graph(after, out, 'bptt_after', written, notes)

    gradient_flow = _load_gradient_flow()
    norms = gradient_flow.measure()             # the example's defaults
    png = os.path.join(out, 'gradient_flow.png')
    if gradient_flow.plot(norms, png, hidden=32):
        written.append(png)
    else:
        notes.append('%s skipped: matplotlib is not installed (pip install matplotlib)' % png)

    for path in written:
        print('wrote %s' % path)
    for note in notes:
        print(note)
    print('%d pictures in %s: %s' % (len(written), out,
                                     ', '.join(os.path.basename(p) for p in written)))
    return written


if __name__ == '__main__':
    main()
