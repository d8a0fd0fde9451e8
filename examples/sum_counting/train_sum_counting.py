"""Sum counting: an LSTM learns to output the number of ones in a binary sequence.

What it trains: sequences of 0/1 bits are fed one bit per step into an LSTM of 80 units
(``minigrad_rnn.LSTM(1, 80, forget_bias_init=0.8)``); a ``Linear(80, 1)`` reads the hidden
state after the last step and is trained with the mean squared error against the count of ones.
Defaults follow the classic setup: 1,000 random training sequences of length 10, mini-batches
of 100, plain SGD with lr 0.01. A prediction counts as right when ``|prediction - count| <
0.05``; the accuracy is measured on 100 fresh sequences of length 10, and on sequences of length
20 and 50, longer than any seen in training.

Commands::

    python examples/sum_counting/train_sum_counting.py                      # SGD, 1,000 epochs
    python examples/sum_counting/train_sum_counting.py --optimizer adam --epochs 200
    python examples/sum_counting/train_sum_counting.py --test               # a second or so

Expected (measured on a 2-core CPU shared with other jobs): SGD's 1,000 epochs (10,000
iterations) take about 100 s and reach accuracy 0.98 on length 10 (final loss 0.0005); Adam
reaches 0.98 in 200 epochs, about 18 s. On lengths 20 and 50 the accuracy is 0.00 for both:
the network has learnt counts up to 10, and its predictions stay in that range (mean error
about 4 and 18), so it does not extrapolate to longer sequences.

Every 100 iterations one line ``epoch 500  iter 5000/10000  loss 0.0009  53.5s`` (the mean loss
of those iterations), then the three accuracies, and as the last line the folder where
``model.npz`` (``minigrad.serializers.save_npz``) and ``results.json`` went.
"""

import argparse
import json
import os
import time

# One BLAS thread unless you say otherwise: the products here are tiny ((100, 80) x (80, 320)),
# and OpenBLAS's threads, spinning while other programs hold the cores, made each product ~100x
# slower on a busy 2-core machine. This must run before NumPy is imported.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
os.environ.setdefault('MKL_NUM_THREADS', '1')

import numpy  # noqa: E402

import minigrad  # noqa: E402
import minigrad.functions as F  # noqa: E402
from minigrad import backend, optimizers, serializers  # noqa: E402
from minigrad import links as L  # noqa: E402
from minigrad_rnn import LSTM  # noqa: E402

TOLERANCE = 0.05    # a prediction is right when it is this close to the count


def make_data(n, length, rs, dtype=numpy.float32):
    """Random bit sequences and their sums.

    Args:
        n (int): the number of sequences.
        length (int): the number of bits in each.
        rs (numpy.random.RandomState): the source of the bits.
        dtype: the dtype of both arrays.

    Returns:
        ``(x, t)``: ``x`` of shape (n, length) holding 0s and 1s, ``t`` of shape (n, 1) holding
        the number of ones in each row.
    """
    x = rs.randint(0, 2, size=(n, length)).astype(dtype)
    t = x.sum(axis=1, keepdims=True)
    return x, t


class SumCounter(minigrad.Chain):
    """An LSTM reading one bit per step, then a linear read-out of the last hidden state.

    Shape letters: B batch, T time (sequence length), N units.
    """

    def __init__(self, n_units=80):
        super().__init__()
        with self.init_scope():
            self.lstm = LSTM(1, n_units, forget_bias_init=0.8)
            self.out = L.Linear(n_units, 1)

    def forward(self, x):
        """x (B, T) bits -> predicted counts (B, 1); the LSTM state starts from zeros."""
        self.lstm.reset_state()
        B, T = x.shape
        for k in range(T):
            h = self.lstm(x[:, k:k + 1])        # the whole batch takes step k at once: (B, 1)
        return self.out(h)


def evaluate(model, x, t):
    """Predict the counts of ``x`` (B, T) and compare them with ``t`` (B, 1).

    Returns:
        ``(accuracy, mean_error)``: the share of predictions within TOLERANCE of the count, and
        the mean of ``|prediction - count|``.
    """
    with minigrad.no_backprop_mode():
        y = model(x).array
    xp = backend.get_array_module(y)
    error = xp.abs(y - t)
    return float(xp.mean(error < TOLERANCE)), float(xp.mean(error))


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('must be a positive integer, got %s' % text)
    return value


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train an LSTM to count the ones in random 0/1 sequences; report the '
                    'accuracy (|prediction - count| < %g) on fresh sequences of the training '
                    'length and of two longer lengths.' % TOLERANCE)
    parser.add_argument('--optimizer', choices=['sgd', 'adam'], default='sgd',
                        help='plain SGD or Adam (default: %(default)s)')
    parser.add_argument('--lr', type=float, default=None,
                        help='learning rate (default: 0.01 for sgd, 0.001 for adam, as '
                             'Chainer\'s defaults)')
    parser.add_argument('--epochs', type=_positive_int, default=1000,
                        help='passes over the training set (default: %(default)s)')
    parser.add_argument('--hidden', type=_positive_int, default=80,
                        help='number of LSTM units (default: %(default)s)')
    parser.add_argument('--batchsize', type=_positive_int, default=100,
                        help='sequences per mini-batch (default: %(default)s)')
    parser.add_argument('--n-train', type=_positive_int, default=1000,
                        help='number of training sequences (default: %(default)s)')
    parser.add_argument('--n-test', type=_positive_int, default=100,
                        help='number of fresh test sequences of each length '
                             '(default: %(default)s)')
    parser.add_argument('--length', type=_positive_int, default=10,
                        help='length of the training sequences (default: %(default)s)')
    parser.add_argument('--test-lengths', type=_positive_int, nargs='+', default=[20, 50],
                        help='longer lengths, never seen in training, also tested '
                             '(default: 20 50)')
    parser.add_argument('--log-interval', type=_positive_int, default=100,
                        help='print the mean loss every this many iterations '
                             '(default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the data, the initial weights and the shuffling '
                             '(default: %(default)s)')
    parser.add_argument('--device', type=int, default=-1,
                        help='-1 for the CPU, 0 or more for that GPU (needs CuPy) '
                             '(default: %(default)s)')
    parser.add_argument('--out', default='result',
                        help='directory for model.npz and results.json (default: %(default)s)')
    parser.add_argument('--test', action='store_true',
                        help='a run of a few seconds to check that everything works: 3 epochs '
                             'over 200 sequences, a loss line every 2 iterations')
    args = parser.parse_args(argv)
    if args.lr is None:
        args.lr = 0.01 if args.optimizer == 'sgd' else 0.001
    if args.test:
        args.epochs, args.n_train, args.log_interval = 3, 200, 2
    if args.device >= 0 and not backend.is_cupy_available():
        parser.error('--device %d needs CuPy and a GPU (pip install -e ".[gpu]"); '
                     'use --device -1 for the CPU' % args.device)
    return args


def main(argv=None):
    args = _parse_args(argv)
    numpy.random.seed(args.seed)                # the initializers draw from numpy.random
    rs = numpy.random.RandomState(args.seed)
    x_train, t_train = make_data(args.n_train, args.length, rs)
    tests = [(n, make_data(args.n_test, n, rs)) for n in [args.length] + args.test_lengths]

    model = SumCounter(args.hidden)
    if args.device >= 0:
        import cupy
        cupy.cuda.Device(args.device).use()     # new arrays (the LSTM's zero state) go there
        model.to_gpu(args.device)
        x_train, t_train = backend.to_gpu(x_train, args.device), backend.to_gpu(t_train,
                                                                              args.device)
        tests = [(n, (backend.to_gpu(x, args.device), backend.to_gpu(t, args.device)))
                 for n, (x, t) in tests]
    xp = backend.get_array_module(x_train)
    if args.optimizer == 'sgd':
        optimizer = optimizers.SGD(lr=args.lr)
    else:
        optimizer = optimizers.Adam(alpha=args.lr)
    optimizer.setup(model)

    n_batches = -(-args.n_train // args.batchsize)
    n_iter = args.epochs * n_batches
    print('%s, lr %g: %d sequences of length %d, %d epochs of %d iterations'
          % (args.optimizer, args.lr, args.n_train, args.length, args.epochs, n_batches))
    start = time.time()
    iteration, losses, history = 0, [], []
    for epoch in range(1, args.epochs + 1):
        order = rs.permutation(args.n_train)
        for i in range(0, args.n_train, args.batchsize):
            index = order[i:i + args.batchsize]
            if xp is not numpy:
                index = xp.asarray(index)
            loss = F.mean_squared_error(model(x_train[index]), t_train[index])
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            optimizer.update()
            iteration += 1
            losses.append(loss.array)           # kept on the device until printed
            if iteration % args.log_interval == 0 or iteration == n_iter:
                mean_loss = float(sum(float(v) for v in losses) / len(losses))
                losses = []
                elapsed = time.time() - start
                history.append({'epoch': epoch, 'iteration': iteration, 'loss': mean_loss,
                                'elapsed': round(elapsed, 2)})
                print('epoch %d  iter %d/%d  loss %.4f  %.1fs'
                      % (epoch, iteration, n_iter, mean_loss, elapsed), flush=True)
    train_time = time.time() - start

    results = {'optimizer': args.optimizer, 'lr': args.lr, 'epochs': args.epochs,
               'hidden': args.hidden, 'batchsize': args.batchsize, 'n_train': args.n_train,
               'length': args.length, 'seed': args.seed, 'device': args.device,
               'tolerance': TOLERANCE, 'train_seconds': round(train_time, 2),
               'final_loss': history[-1]['loss'], 'accuracy': {}, 'mean_error': {},
               'loss_history': history}
    for n, (x, t) in tests:
        acc, error = evaluate(model, x, t)
        results['accuracy'][str(n)] = acc
        results['mean_error'][str(n)] = error
        note = '' if n == args.length else ', longer than in training'
        print('accuracy on %d sequences of length %d: %.2f  (mean |prediction - count| %.2f%s)'
              % (args.n_test, n, acc, error, note))

    os.makedirs(args.out, exist_ok=True)
    serializers.save_npz(os.path.join(args.out, 'model.npz'), model)
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print('results in %s: model.npz, results.json' % args.out)


if __name__ == '__main__':
    main()
