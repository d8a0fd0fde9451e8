"""Character-level language model of 吾輩は猫である (Natsume Sōseki), with an LSTM or an SCRN.

What it trains: the Aozora Bunko text of the novel, its markup stripped
(``minigrad.datasets.text.get_text_chars(path, strip_aozora=True)``: 321,139 characters, 3,045
distinct), is read one character per step. Each character id goes through an ``EmbedID(V, 64)``,
a recurrent layer and a ``Linear`` to scores over the V characters, trained to predict the next
character with the softmax cross entropy. The recurrent layer is ``--model lstm``
(``minigrad_rnn.LSTM(64, 128)``) or ``--model scrn`` (``minigrad_rnn.SCRN(64, 112, 40)``, whose
output concat(h, s) has 152 units). The sizes are chosen so that both models have about the
same number of parameters (LSTM 686,501, SCRN 687,629; see README.md). The last 5% of the text
is held out and scored in bits per character (bpc: the cross entropy in bits; lower is better).

Training: 32 parallel streams cut from the text, truncated backpropagation through time over
50 steps (``loss.unchain_backward()`` after each update keeps the recurrent state but frees the
graph behind it), Adam (alpha 0.002) with the global gradient norm clipped to 5
(``minigrad.optimizer_hooks.GradientClipping``). A simple loop, no trainer.

Commands (the first takes a few seconds; ``OPENBLAS_NUM_THREADS=1`` because OpenBLAS threads
slow the small matrix products down many times over on a machine with 2 busy cores)::

    python examples/char_lm/train_char_lm.py ../shared/data/aozora/wagahaiwa_nekodearu.txt --test
    OPENBLAS_NUM_THREADS=1 python examples/char_lm/train_char_lm.py \\
        ../shared/data/aozora/wagahaiwa_nekodearu.txt --model lstm --iterations 1000 \\
        --out result_lstm
    python examples/char_lm/train_char_lm.py --generate --out result_lstm --start 吾輩は

(the path may be left out when ``$MINIGRAD_DATASET_ROOT/aozora`` holds the file, see
``minigrad.datasets.text.get_aozora_path``).

Expected: 1,000 iterations (5.3 epochs) took 9 minutes on a busy 2-core CPU (the two models
side by side, ``OPENBLAS_NUM_THREADS=1``) and ended at 5.49 held-out bpc for the LSTM and 5.62
for the SCRN (README.md has the table and the commands). Every ``--log-interval``
iterations one line ``epoch 1  iter 100/1000  loss 5.464  bpc 7.88  val bpc 6.95  56.2s``
(the mean training loss in nats and in bits since the last line, then the held-out bpc), then
a sampled text, and as the last line the folder where ``model.npz``
(``minigrad.serializers.save_npz``), ``model.json`` (sizes and characters) and
``results.json`` went. ``--generate`` loads them again and samples more text.
"""

import argparse
import json
import math
import os
import time

import numpy

import minigrad
import minigrad.functions as F
from minigrad import backend, optimizer_hooks, optimizers, serializers
from minigrad import links as L
from minigrad.datasets.text import get_aozora_path, get_text_chars
from minigrad_rnn import LSTM, SCRN

# hidden sizes giving both models about the same number of parameters with 64-unit embeddings
DEFAULT_SIZES = {'lstm': dict(hidden=128, context=0), 'scrn': dict(hidden=112, context=40)}
TEST_CHARS = 2000   # --test reads only this many characters from the start of the text


class CharLM(minigrad.Chain):
    """Embedding -> recurrent layer -> Linear scores over the characters.

    Shape letters: T time (steps of a chunk), B batch (parallel streams), V vocabulary size,
    E embedding size, N output size of the recurrent layer (H for an LSTM, H + S for an SCRN).
    """

    def __init__(self, model, n_vocab, embed=64, hidden=128, context=40):
        super().__init__()
        self.model = model
        with self.init_scope():
            self.embed = L.EmbedID(n_vocab, embed)
            if model == 'lstm':
                self.rnn = LSTM(embed, hidden)
                n_out = hidden
            elif model == 'scrn':
                self.rnn = SCRN(embed, hidden, context)
                n_out = hidden + context
            else:
                raise ValueError("CharLM: model must be 'lstm' or 'scrn', got %r" % (model,))
            self.out = L.Linear(n_out, n_vocab)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, chunk):
        """chunk (T, B) int32 ids -> scores (T * B, V) for the character after each one."""
        T, B = chunk.shape
        xs = F.separate(self.embed(chunk), axis=0)          # T steps of (B, E), one op each way
        hs = [self.rnn(x) for x in xs]
        h = F.stack(hs, axis=0).reshape(T * B, -1)           # all steps in one matmul below
        return self.out(h)


def make_streams(ids, n_streams):
    """Cut ``ids`` into ``n_streams`` consecutive pieces side by side: shape (M, n_streams).

    Column ``b`` holds ``ids[b * M:(b + 1) * M]``; the last ``len(ids) % n_streams`` ids are
    dropped. Reading the rows in order runs through every piece in parallel.
    """
    M = len(ids) // n_streams
    return numpy.ascontiguousarray(ids[:M * n_streams].reshape(n_streams, M).T)


def evaluate(model, streams, bprop_len):
    """Mean cross entropy (nats per character) of ``model`` on the (M, B) streams.

    The streams are read from a fresh state in chunks of ``bprop_len`` steps, carrying the
    state over (a copy of the model is used, so the training state is left as it was).
    """
    model = model.copy('share')
    model.reset_state()
    total, count = 0.0, 0
    with minigrad.no_backprop_mode():
        for k in range(0, len(streams) - 1, bprop_len):
            chunk = streams[k:k + bprop_len + 1]
            scores = model(chunk[:-1])
            t = chunk[1:].reshape(-1)
            loss = F.softmax_cross_entropy(scores, t, enable_double_backprop=False)
            total += float(loss.array) * len(t)
            count += len(t)
    return total / count


def generate(model, vocab, start, length, temperature, rs):
    """Sample ``length`` characters after ``start`` from ``softmax(scores / temperature)``."""
    chars = {i: c for c, i in vocab.items()}
    missing = sorted(set(c for c in start if c not in vocab))
    if not start or missing:
        raise ValueError('generate: the start string must be non-empty and made of characters '
                         'seen in training; %r has unknown characters %s' % (start, missing))
    xp = model.xp
    ids = [vocab[c] for c in start]
    model = model.copy('share')
    model.reset_state()
    out = []
    with minigrad.no_backprop_mode():
        scores = model(xp.asarray(ids, dtype=numpy.int32).reshape(-1, 1)).array[-1]
        for _ in range(length):
            z = backend.to_cpu(scores).astype(numpy.float64) / temperature
            p = numpy.exp(z - z.max())
            i = int(rs.choice(len(p), p=p / p.sum()))
            out.append(chars[i])
            scores = model(xp.asarray([[i]], dtype=numpy.int32)).array[-1]
    return start + ''.join(out)


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('must be a positive integer, got %s' % text)
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError('must be a positive number, got %s' % text)
    return value


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train a character-level language model (LSTM or SCRN) on the Aozora '
                    'Bunko text of 吾輩は猫である, report bits per character on a held-out tail '
                    'and sample text; or, with --generate, sample from a saved model.')
    parser.add_argument('path', nargs='?', default=None,
                        help='the text file (UTF-8 or Shift_JIS); default: '
                             'wagahaiwa_nekodearu.txt found by '
                             'minigrad.datasets.text.get_aozora_path ($MINIGRAD_DATASET_ROOT/'
                             'aozora or ~/.cache/minigrad/aozora)')
    parser.add_argument('--model', choices=['lstm', 'scrn'], default='lstm',
                        help='the recurrent layer (default: %(default)s)')
    parser.add_argument('--embed', type=_positive_int, default=64,
                        help='embedding size (default: %(default)s)')
    parser.add_argument('--hidden', type=_positive_int, default=None,
                        help='LSTM units, or SCRN hidden units (default: 128 for lstm, 112 for '
                             'scrn: about the same number of parameters)')
    parser.add_argument('--context', type=_positive_int, default=None,
                        help='SCRN context units (default: 40)')
    parser.add_argument('--no-strip', action='store_true',
                        help='keep the Aozora markup (ruby, notes, header and footer)')
    parser.add_argument('--batchsize', type=_positive_int, default=32,
                        help='parallel streams (default: %(default)s)')
    parser.add_argument('--bprop-len', type=_positive_int, default=50,
                        help='steps of truncated backpropagation (default: %(default)s)')
    parser.add_argument('--epochs', type=_positive_int, default=3,
                        help='passes over the training text (default: %(default)s)')
    parser.add_argument('--iterations', type=_positive_int, default=None,
                        help='number of updates; overrides --epochs')
    parser.add_argument('--lr', type=_positive_float, default=0.002,
                        help="Adam's alpha (default: %(default)s)")
    parser.add_argument('--clip', type=_positive_float, default=5.0,
                        help='largest global L2 norm of the gradients (default: %(default)s)')
    parser.add_argument('--val-fraction', type=float, default=0.05,
                        help='held-out share at the end of the text (default: %(default)s)')
    parser.add_argument('--log-interval', type=_positive_int, default=100,
                        help='print a line and score the held-out text every this many '
                             'iterations (default: %(default)s)')
    parser.add_argument('--start', default='吾輩は',
                        help='the text generation starts from (default: %(default)s)')
    parser.add_argument('--length', type=int, default=200,
                        help='characters to generate (default: %(default)s)')
    parser.add_argument('--temperature', type=_positive_float, default=0.8,
                        help='sampling temperature: below 1 safer, above 1 wilder '
                             '(default: %(default)s)')
    parser.add_argument('--generate', action='store_true',
                        help='do not train: load model.npz and model.json from --out and '
                             'sample --length characters after --start')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the initial weights and of the sampling '
                             '(default: %(default)s)')
    parser.add_argument('--device', type=int, default=-1,
                        help='-1 for the CPU, 0 or more for that GPU (needs CuPy) '
                             '(default: %(default)s)')
    parser.add_argument('--out', default='result',
                        help='directory of model.npz, model.json and results.json '
                             '(default: %(default)s)')
    parser.add_argument('--test', action='store_true',
                        help='a run of a few seconds to check that everything works: the first '
                             '%d characters, 12 iterations of 4 streams x 20 steps, a line '
                             'every 4 iterations, 30 generated characters' % TEST_CHARS)
    args = parser.parse_args(argv)
    if not 0 < args.val_fraction < 1:
        parser.error('--val-fraction must lie strictly between 0 and 1, got %g'
                     % args.val_fraction)
    if args.test:
        args.batchsize, args.bprop_len, args.iterations = 4, 20, 12
        args.log_interval, args.length = 4, 30
    for name, value in DEFAULT_SIZES[args.model].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def _load(args):
    with open(os.path.join(args.out, 'model.json'), encoding='utf-8') as f:
        config = json.load(f)
    vocab = {c: i for i, c in enumerate(config['chars'])}
    model = CharLM(config['model'], len(vocab), config['embed'], config['hidden'],
                   config['context'])
    serializers.load_npz(os.path.join(args.out, 'model.npz'), model)
    return model, vocab


def main(argv=None):
    args = _parse_args(argv)
    numpy.random.seed(args.seed)                # the initializers draw from numpy.random
    rs = numpy.random.RandomState(args.seed)
    if args.generate:
        model, vocab = _load(args)
        if args.device >= 0:
            model.to_gpu(args.device)
        print(generate(model, vocab, args.start, args.length, args.temperature, rs))
        return

    path = args.path if args.path is not None else get_aozora_path()
    ids, vocab = get_text_chars(path, strip_aozora=not args.no_strip)
    if args.test:
        ids = ids[:TEST_CHARS]                  # the vocabulary stays that of the whole text
    n_val = int(len(ids) * args.val_fraction)
    train, val = ids[:-n_val], ids[-n_val:]
    train_streams = make_streams(train, args.batchsize)
    val_streams = make_streams(val, min(args.batchsize, 16))
    per_epoch = (len(train_streams) - 1) // args.bprop_len
    if per_epoch < 1 or len(val_streams) < 2:
        raise SystemExit('train_char_lm: the text (%d characters) is too short for %d streams of '
                         '%d steps and a held-out tail of %d' % (len(ids), args.batchsize,
                                                                args.bprop_len, n_val))
    n_iter = args.iterations if args.iterations is not None else args.epochs * per_epoch

    model = CharLM(args.model, len(vocab), args.embed, args.hidden, args.context)
    n_params = model.count_params()
    n_rnn = model.rnn.count_params()
    if args.device >= 0:
        model.to_gpu(args.device)
        train_streams = backend.to_gpu(train_streams, args.device)
        val_streams = backend.to_gpu(val_streams, args.device)
    optimizer = optimizers.Adam(alpha=args.lr)
    optimizer.setup(model)
    clipping = optimizer_hooks.GradientClipping(args.clip)
    optimizer.add_hook(clipping)

    print('%s: %d characters (%d distinct) from %s; train %d, held-out %d'
          % (args.model, len(ids), len(vocab), os.path.basename(path), len(train), len(val)))
    print('parameters: %d in all, %d in the recurrent layer; %d iterations (%d per epoch) of '
          '%d streams x %d steps' % (n_params, n_rnn, n_iter, per_epoch, args.batchsize,
                                     args.bprop_len), flush=True)
    start = time.time()
    history, losses = [], []
    iteration = epoch = 0
    while iteration < n_iter:
        epoch += 1
        model.reset_state()                     # each epoch reads the streams from the start
        for k in range(per_epoch):
            chunk = train_streams[k * args.bprop_len:(k + 1) * args.bprop_len + 1]
            scores = model(chunk[:-1])
            loss = F.softmax_cross_entropy(scores, chunk[1:].reshape(-1),
                                           enable_double_backprop=False)
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()             # truncate: the state stays, its history goes
            optimizer.update()
            iteration += 1
            losses.append(loss.array)           # kept on the device until printed
            if iteration % args.log_interval == 0 or iteration == n_iter:
                mean_loss = sum(float(v) for v in losses) / len(losses)
                losses = []
                val_loss = evaluate(model, val_streams, args.bprop_len)
                elapsed = time.time() - start
                history.append({'epoch': epoch, 'iteration': iteration, 'loss': mean_loss,
                                'bpc': mean_loss / math.log(2),
                                'val_bpc': val_loss / math.log(2),
                                'elapsed': round(elapsed, 2)})
                print('epoch %d  iter %d/%d  loss %.3f  bpc %.2f  val bpc %.2f  %.1fs'
                      % (epoch, iteration, n_iter, mean_loss, mean_loss / math.log(2),
                         val_loss / math.log(2), elapsed), flush=True)
            if iteration == n_iter:
                break
    train_time = time.time() - start

    sample = generate(model, vocab, args.start, args.length, args.temperature, rs)
    print('sample (temperature %g): %s' % (args.temperature, sample))
    os.makedirs(args.out, exist_ok=True)
    serializers.save_npz(os.path.join(args.out, 'model.npz'), model)
    chars = sorted(vocab, key=vocab.get)
    with open(os.path.join(args.out, 'model.json'), 'w', encoding='utf-8') as f:
        json.dump({'model': args.model, 'embed': args.embed, 'hidden': args.hidden,
                   'context': args.context, 'chars': chars}, f, ensure_ascii=False)
    results = {'model': args.model, 'embed': args.embed, 'hidden': args.hidden,
               'context': args.context if args.model == 'scrn' else None,
               'parameters': n_params, 'rnn_parameters': n_rnn, 'n_chars': len(ids),
               'n_vocab': len(vocab), 'n_train': len(train), 'n_val': len(val),
               'batchsize': args.batchsize, 'bprop_len': args.bprop_len,
               'iterations': n_iter, 'lr': args.lr, 'clip': args.clip, 'seed': args.seed,
               'device': args.device, 'train_seconds': round(train_time, 2),
               'final_val_bpc': history[-1]['val_bpc'], 'sample': sample, 'history': history}
    with open(os.path.join(args.out, 'results.json'), 'w', encoding='utf-8') as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    print('results in %s: model.npz, model.json, results.json' % args.out)


if __name__ == '__main__':
    main()
