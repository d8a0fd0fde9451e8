"""Word-level Penn Treebank language model with truncated BPTT (Zaremba et al. 2014 setups).

What it trains: an embedding, L recurrent layers and a 10,000-way softmax, on the PTB training
words, with truncated backpropagation through time (``loss.unchain_backward()`` after every
window of ``--bproplen`` steps), global-norm gradient clipping and plain SGD whose learning rate
is divided by ``--lr-decay`` each epoch after ``--decay-start``. It reports the validation
perplexity after every epoch and the test perplexity at the end.

Presets (``--preset``):
    tiny    the first 1,000 words, one SimpleRNN of 100 units, BPTT 5, batch 10, SGD lr 0.1;
            runs in seconds (what ``--test`` and the test suite use)
    small   2 x 200 LSTM, BPTT 20, batch 20, SGD lr 1 halved each epoch after epoch 4,
            13 epochs, clip 5, uniform init +-0.1 (Zaremba's small: test perplexity ~115)
    medium  2 x 650 LSTM, dropout 0.5, BPTT 35, 39 epochs, lr 1 divided by 1.2 after epoch 6,
            init +-0.05 (Zaremba's medium: 82.7)

Models (``--model``): lstm (minigrad_rnn.LSTM per layer), peephole (StatefulPeepholeLSTM),
nstep (one NStepLSTM over each window), scrn (SCRN, ``--context`` context units), srn
(SimpleRNN, tanh) and gru (StatefulGRU).

Speed: the output layer is computed once per window on the stacked hidden states (one
(T*B, N) x (N, 10000) product) rather than once per step.

Commands:
    python examples/ptb/train_ptb.py --preset small --data ../shared/data/ptb
    python examples/ptb/train_ptb.py --resume result/ptb/checkpoint   # the run's own settings
    python examples/ptb/train_ptb.py --test          # a few seconds
Results and timings measured on the 2-core development machine are in examples/ptb/README.md.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy

import minigrad
import minigrad.functions as F
import minigrad.links as L
from minigrad import datasets, initializers, optimizer_hooks, optimizers, serializers
from minigrad_rnn import LSTM as LSTMLink
from minigrad_rnn import SCRN, NStepLSTM, SimpleRNN, StatefulGRU, StatefulPeepholeLSTM

PRESETS = {
    'tiny': dict(model='srn', layers=1, units=100, bproplen=5, batchsize=10, lr=0.1,
                 lr_decay=1.0, decay_start=1000, epochs=3, clip=5.0, init_scale=0.1,
                 dropout=0.0, max_words=1000),
    'small': dict(model='lstm', layers=2, units=200, bproplen=20, batchsize=20, lr=1.0,
                  lr_decay=2.0, decay_start=4, epochs=13, clip=5.0, init_scale=0.1,
                  dropout=0.0, max_words=None),
    'medium': dict(model='lstm', layers=2, units=650, bproplen=35, batchsize=20, lr=1.0,
                   lr_decay=1.2, decay_start=6, epochs=39, clip=5.0, init_scale=0.05,
                   dropout=0.5, max_words=None),
}


class RNNLM(minigrad.Chain):
    """Embedding -> L recurrent layers (dropout on every non-recurrent connection) -> Linear."""

    def __init__(self, n_vocab, units, layers, model='lstm', dropout=0.0, context=40):
        super().__init__()
        self.model = model
        self.dropout = dropout
        with self.init_scope():
            self.embed = L.EmbedID(n_vocab, units)
            if model == 'nstep':
                self.rnn = NStepLSTM(layers, units, units, dropout)
                out_size = units
            else:
                self.rnn = minigrad.ChainList()
                in_size = units
                for _ in range(layers):
                    link, out_size = self._make_layer(model, in_size, units, context)
                    self.rnn.append(link)
                    in_size = out_size
            self.out = L.Linear(out_size, n_vocab)
        self.reset_state()

    @staticmethod
    def _make_layer(model, in_size, units, context):
        if model == 'lstm':
            return LSTMLink(in_size, units), units
        if model == 'peephole':
            return StatefulPeepholeLSTM(in_size, units), units
        if model == 'srn':
            return SimpleRNN(in_size, units), units
        if model == 'gru':
            return StatefulGRU(in_size, units), units
        if model == 'scrn':
            return SCRN(in_size, hidden_size=units, context_size=context), units + context
        raise ValueError('unknown model %r' % model)

    def reset_state(self):
        self.hx = self.cx = None
        if self.model != 'nstep':
            for link in self.rnn:
                link.reset_state()

    def truncate(self):
        """Keep the state's values but forget its history (the BPTT cut for NStep states)."""
        for v in (self.hx, self.cx):
            if v is not None:
                v.unchain_backward()

    def forward(self, xs):
        """xs: (T, B) int array of word ids -> logits (T * B, n_vocab)."""
        T, B = xs.shape
        h = F.dropout(self.embed(xs.reshape(-1)), self.dropout)        # (T * B, N)
        if self.model == 'nstep':
            # one call over the window: B streams of length T, state carried across windows
            seqs = F.separate(F.reshape(h, (T, B, -1)), axis=1)
            self.hx, self.cx, ys = self.rnn(self.hx, self.cx, list(seqs))
            h = F.reshape(F.stack(ys, axis=1), (T * B, -1))            # back to time-major
        else:
            steps = F.split_axis(h, T, axis=0) if T > 1 else (h,)
            outs = []
            for x in steps:
                for k, link in enumerate(self.rnn):
                    x = link(x if k == 0 else F.dropout(x, self.dropout))
                outs.append(x)
            h = F.concat(outs, axis=0) if T > 1 else outs[0]
        return self.out(F.dropout(h, self.dropout))


def stream_batches(words, batchsize):
    """Cut the corpus into ``batchsize`` parallel streams of inputs and next-word targets.

    Returns:
        (x, t): two (n_steps, batchsize) arrays; stream b reads ``words[b*n : (b+1)*n]`` and
        ``t`` holds each input's next word.
    """
    n = (len(words) - 1) // batchsize
    x = words[:n * batchsize].reshape(batchsize, n).T
    t = words[1:n * batchsize + 1].reshape(batchsize, n).T
    return x, t


def evaluate(model, words, batchsize, bproplen, xp):
    """Perplexity of ``model`` on ``words`` (no dropout, no graph; the state is reset)."""
    data, targets = stream_batches(words, batchsize)
    n = len(data)
    model.reset_state()
    total = 0.0
    with minigrad.no_backprop_mode(), minigrad.using_config('train', False):
        for i in range(0, n, bproplen):
            x = xp.asarray(data[i:i + bproplen])
            t = xp.asarray(targets[i:i + bproplen])
            loss = F.softmax_cross_entropy(model(x), t.reshape(-1), reduce='no')
            total += float(loss.array.sum())
    model.reset_state()
    return math.exp(total / (n * batchsize))


def _save_checkpoint(path, model, optimizer, state):
    # uncompressed: zlib on every epoch's checkpoint costs more than the disk it saves
    serializers.save_npz(path + '.model.npz', model, compression=False)
    serializers.save_npz(path + '.optimizer.npz', optimizer, compression=False)
    tmp = path + '.json.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f)
    os.replace(tmp, path + '.json')


def _plot(log, path):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    epochs = [e['epoch'] for e in log]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [e['train_perplexity'] for e in log], 'o-', label='train')
    ax.plot(epochs, [e['val_perplexity'] for e in log], 's-', label='validation')
    ax.set_xlabel('epoch')
    ax.set_ylabel('perplexity')
    ax.set_yscale('log')
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('must be a positive integer, got %s' % text)
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError('must be positive, got %s' % text)
    return value


def _ratio(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError('must be in [0, 1), got %s' % text)
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Penn Treebank word-level language model with truncated BPTT.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--preset', choices=sorted(PRESETS), default='small',
                        help='hyperparameter set; the options below override it')
    parser.add_argument('--model', choices=['lstm', 'peephole', 'nstep', 'scrn', 'srn', 'gru'],
                        help='recurrent layer type (preset: lstm, srn for tiny)')
    parser.add_argument('--layers', type=_positive_int, help='number of recurrent layers')
    parser.add_argument('--units', type=_positive_int,
                        help='units per layer (and embedding size)')
    parser.add_argument('--context', type=_positive_int, default=40, help='SCRN context units')
    parser.add_argument('--epochs', type=_positive_int, help='number of epochs')
    parser.add_argument('--batchsize', type=_positive_int, help='parallel streams')
    parser.add_argument('--bproplen', type=_positive_int, help='truncated BPTT length')
    parser.add_argument('--lr', type=_positive_float, help='initial SGD learning rate')
    parser.add_argument('--lr-decay', type=_positive_float,
                        help='divide lr by this each epoch after ...')
    parser.add_argument('--decay-start', type=int, help='... this epoch')
    parser.add_argument('--clip', type=_positive_float, help='global gradient norm threshold')
    parser.add_argument('--init-scale', type=_positive_float, help='uniform init range (+-)')
    parser.add_argument('--dropout', type=_ratio, help='dropout on non-recurrent connections')
    parser.add_argument('--max-words', type=_positive_int,
                        help='use only the first N training words')
    parser.add_argument('--data', default=None,
                        help='folder with ptb.{train,valid,test}.txt (default: '
                             '$MINIGRAD_DATASET_ROOT/ptb, then the cache, then download)')
    parser.add_argument('--device', type=int, default=-1, help='-1: CPU, 0: first GPU')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--out', default='result/ptb', help='output folder')
    parser.add_argument('--resume', default=None,
                        help='checkpoint prefix to continue from (e.g. result/ptb/checkpoint); '
                             "the run's preset, model, sizes and schedule come from it")
    parser.add_argument('--log-interval', type=_positive_int, default=200,
                        help='iterations per line')
    parser.add_argument('--test', action='store_true',
                        help='a seconds-long run: tiny preset, 2 epochs, small eval sets')
    args = parser.parse_args(argv)
    if args.device >= 0:
        try:
            import cupy  # noqa: F401
        except ImportError:
            parser.error('--device %d needs CuPy (pip install -e ".[gpu]"); use --device -1 '
                         'for the CPU' % args.device)
    resume_state = None
    if args.resume:
        try:
            with open(args.resume + '.json') as f:
                resume_state = json.load(f)
        except OSError as e:
            parser.error('--resume %s: cannot read %s.json (%s); give the checkpoint prefix, '
                         'such as result/ptb/checkpoint' % (args.resume, args.resume,
                                                           e.strerror or e))
    if args.test:
        args.preset = 'tiny'
    if resume_state is not None and 'config' in resume_state:
        # the model and its schedule are the run's own; --epochs may extend it
        args.preset = resume_state['preset']
        args.context = resume_state['context']
        cfg = dict(resume_state['config'])
        if args.epochs is not None:
            cfg['epochs'] = args.epochs
    else:
        cfg = dict(PRESETS[args.preset])
        for key in list(cfg):
            value = getattr(args, key, None)
            if value is not None:
                cfg[key] = value
        if args.test:
            cfg['epochs'] = min(cfg['epochs'], 2)

    numpy.random.seed(args.seed)
    xp = numpy
    if args.device >= 0:
        import cupy as xp
        xp.cuda.Device(args.device).use()
        xp.random.seed(args.seed)
    train, valid, test = datasets.get_ptb_words(args.data)
    n_vocab = int(max(train.max(), valid.max(), test.max())) + 1
    if cfg['max_words']:
        train = train[:cfg['max_words']]
        valid = valid[:cfg['max_words'] // 2]
        test = test[:cfg['max_words'] // 2]
        if len(valid) <= 10 or len(train) <= cfg['batchsize']:
            parser.error('--max-words %d is too few: it must be more than --batchsize (%d), '
                         'and at least 22 (the validation and test sets take half of it each, '
                         'read as 10 streams)' % (cfg['max_words'], cfg['batchsize']))
    os.makedirs(args.out, exist_ok=True)

    model = RNNLM(n_vocab, cfg['units'], cfg['layers'], cfg['model'], cfg['dropout'],
                  args.context)
    init = initializers.Uniform(cfg['init_scale'])
    for p in model.params():
        init(p.array)
    if args.device >= 0:
        model.to_gpu(args.device)
    optimizer = optimizers.SGD(lr=cfg['lr']).setup(model)
    clip = optimizer_hooks.GradientClipping(cfg['clip'])
    optimizer.add_hook(clip)

    data, targets = stream_batches(train, cfg['batchsize'])
    n_steps = len(data)
    windows = list(range(0, n_steps, cfg['bproplen']))
    log, start_epoch = [], 0
    ckpt = os.path.join(args.out, 'checkpoint')
    if args.resume:
        serializers.load_npz(args.resume + '.model.npz', model)
        serializers.load_npz(args.resume + '.optimizer.npz', optimizer)
        state = resume_state
        log, start_epoch = state['log'], state['epoch']
        optimizer.lr = state['lr']
        numpy.random.set_state(tuple(state['rng'][:1]) + (numpy.array(state['rng'][1]),)
                               + tuple(state['rng'][2:]))
        print('resumed from %s at epoch %d' % (args.resume, start_epoch))
    print('preset %s: %s; %d training words, vocabulary %d, %d parameters'
          % (args.preset, cfg, len(train), n_vocab, model.count_params()))
    sys.stdout.flush()
    t0 = time.time()
    words_seen = 0
    for epoch in range(start_epoch + 1, cfg['epochs'] + 1):
        if epoch > cfg['decay_start']:
            optimizer.lr /= cfg['lr_decay']
        model.reset_state()
        total_loss, total_words = 0.0, 0
        t_epoch = time.time()
        for it, i in enumerate(windows, 1):
            x = xp.asarray(data[i:i + cfg['bproplen']])
            t = xp.asarray(targets[i:i + cfg['bproplen']])
            T = len(x)
            mean_loss = F.softmax_cross_entropy(model(x), t.reshape(-1))
            # Zaremba's scale: the sum over the window of the per-step batch means
            loss = mean_loss * float(T)
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            model.truncate()
            optimizer.update()
            total_loss += float(mean_loss.array) * T * cfg['batchsize']
            total_words += T * cfg['batchsize']
            words_seen += T * cfg['batchsize']
            if it % args.log_interval == 0 or it == len(windows):
                elapsed = time.time() - t0
                print('epoch %d  iter %d/%d  loss %.3f  ppl %.1f  lr %.4g  %.0f words/s  %.1fs'
                      % (epoch, it, len(windows), total_loss / total_words,
                         math.exp(total_loss / total_words), optimizer.lr,
                         words_seen / max(elapsed, 1e-9), elapsed))
                sys.stdout.flush()
        val_ppl = evaluate(model, valid, 10, 35, xp)
        entry = dict(epoch=epoch, iteration=epoch * len(windows), lr=optimizer.lr,
                     train_perplexity=math.exp(total_loss / total_words),
                     val_perplexity=val_ppl, epoch_seconds=time.time() - t_epoch,
                     elapsed=time.time() - t0)
        log.append(entry)
        print('epoch %d  val ppl %.2f  train ppl %.2f  %.1fs'
              % (epoch, val_ppl, entry['train_perplexity'], entry['epoch_seconds']))
        sys.stdout.flush()
        with open(os.path.join(args.out, 'log'), 'w') as f:
            for e in log:
                f.write(json.dumps(e) + '\n')
        rng = numpy.random.get_state()
        _save_checkpoint(ckpt, model, optimizer,
                         dict(log=log, epoch=epoch, lr=optimizer.lr,
                              rng=[rng[0], rng[1].tolist(), rng[2], rng[3], rng[4]],
                              preset=args.preset, config=cfg, context=args.context))
    test_ppl = evaluate(model, test, 10, 35, xp)
    print('test ppl %.2f' % test_ppl)
    serializers.save_npz(os.path.join(args.out, 'model.npz'), model)
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(dict(preset=args.preset, config=cfg, test_perplexity=test_ppl,
                       val_perplexity=log[-1]['val_perplexity'] if log else None,
                       seconds=time.time() - t0, vocabulary=n_vocab, context=args.context,
                       data=None if args.data is None else os.path.abspath(args.data)),
                  f, indent=1)
    plotted = _plot(log, os.path.join(args.out, 'perplexity.png')) if log else False
    print('results in %s: model.npz, log, results.json, checkpoint.*%s'
          % (args.out, ', perplexity.png' if plotted else ''))
    return test_ppl


if __name__ == '__main__':
    main()
