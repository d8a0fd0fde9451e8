"""A first look at minigrad: a tiny two-layer network, its gradients and its graph.

What it does: builds ``loss = mean((W2 . softplus(W1 . x + b1) + b2 - t) ** 2)`` for a batch of
4 examples with named variables, runs ``loss.backward()``, prints every parameter's gradient,
checks them against central differences (``minigrad.gradient_check.numerical_grad``), and
writes the computational graph as DOT text (``graph.dot``) and, where Graphviz is installed,
as a picture (``graph.svg``).

Command (about a second on a CPU)::

    python examples/demo.py --out result

Expected: the loss, four gradients, ``numerical check: max |backprop - numeric| = ...`` with a
difference below 1e-8, and as the last line the folder the files went to.
"""

import argparse
import os

import numpy

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad.graph import build_computational_graph


def dense(x, W, b):
    """``x . W + b`` with broadcasting and a sum: (B, I) x (I, O) -> (B, O)."""
    B, I = x.shape
    return F.sum(x.reshape(B, I, 1) * W, axis=1) + b


def forward(x, t, params):
    W1, b1, W2, b2 = params
    h = dense(x, W1, b1)
    h.name = 'h'
    a = F.log(F.exp(h) + 1.0)       # softplus, built from exp and log
    a.name = 'softplus(h)'
    y = dense(a, W2, b2)
    y.name = 'y'
    d = y - t
    loss = F.sum(d * d) / float(d.size)
    loss.name = 'loss'
    return loss


def main():
    parser = argparse.ArgumentParser(
        description='Backpropagate through a tiny two-layer network, print the gradients, '
                    'and write its computational graph (graph.dot, plus graph.svg when '
                    'Graphviz is installed).')
    parser.add_argument('--out', default='result',
                        help='directory for graph.dot and graph.svg (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random data and weights (default: %(default)s)')
    args = parser.parse_args()

    rs = numpy.random.RandomState(args.seed)
    x = minigrad.Variable(rs.uniform(-1, 1, (4, 3)), name='x')     # gets a gradient too
    t = minigrad.Variable(rs.uniform(-1, 1, (4, 1)), name='t', requires_grad=False)
    params = [minigrad.Variable(rs.uniform(-1, 1, shape), name=name)
              for name, shape in [('W1', (3, 5)), ('b1', (5,)), ('W2', (5, 1)), ('b2', (1,))]]

    loss = forward(x, t, params)
    loss.backward()
    print('loss %.6f' % loss.item())
    with numpy.printoptions(precision=4, suppress=True):
        for p in params:
            print('grad %-2s %-7s %s' % (p.name, p.shape, str(p.grad).replace('\n', '')))

    # the same gradients by central differences, perturbing each parameter in place
    def f():
        with minigrad.no_backprop_mode():
            return forward(x, t, params).array,
    numeric = gradient_check.numerical_grad(f, [p.array for p in params],
                                            (numpy.ones(()),), eps=1e-6)
    diff = max(float(numpy.abs(p.grad - g).max()) for p, g in zip(params, numeric))
    print('numerical check: max |backprop - numeric| = %.1e' % diff)

    os.makedirs(args.out, exist_ok=True)
    graph = build_computational_graph(loss, show_grad=True)
    written = [os.path.join(args.out, 'graph.dot')]
    with open(written[0], 'w') as f:
        f.write(graph.dump())
    try:
        written.append(graph.render(os.path.join(args.out, 'graph.svg'), format='svg'))
    except (ImportError, RuntimeError) as e:
        print('graph.svg not written: %s' % e)
    print('results in %s: %s' % (args.out, ', '.join(os.path.basename(p) for p in written)))


if __name__ == '__main__':
    main()
