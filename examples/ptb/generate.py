"""Sample text from a PTB language model saved by train_ptb.py, and list nearest words.

Command (after training):
    python examples/ptb/generate.py --model-dir result/ptb --start "the company" --length 30
    python examples/ptb/generate.py --model-dir result/ptb --nearest money,stock,june

The model's shape (preset, model type, sizes) is read from ``results.json`` in the folder
that train_ptb.py wrote. Sampling draws each next word from ``softmax(logits / temperature)``;
nearest words are ranked by the cosine similarity of the rows of the embedding matrix.
"""

import argparse
import json
import os
import sys

import numpy

import minigrad
import minigrad.functions as F
from minigrad import datasets, serializers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_ptb import RNNLM, _positive_int  # noqa: E402


def load_model(model_dir):
    with open(os.path.join(model_dir, 'results.json')) as f:
        results = json.load(f)
    cfg = results['config']
    model = RNNLM(results['vocabulary'], cfg['units'], cfg['layers'], cfg['model'], 0.0,
                  results.get('context', 40))
    serializers.load_npz(os.path.join(model_dir, 'model.npz'), model)
    return model


def sample(model, vocab, start_words, length, temperature, rng):
    """Feed ``start_words`` then draw ``length`` words; returns the list of words."""
    words = {i: w for w, i in vocab.items()}
    unknown = [w for w in start_words if w not in vocab]
    if unknown:
        raise ValueError('generate: %s not in the PTB vocabulary (lowercase words, numbers '
                         'written as N)' % unknown)
    model.reset_state()
    out = list(start_words)
    with minigrad.no_backprop_mode(), minigrad.using_config('train', False):
        ids = [vocab[w] for w in start_words] or [vocab['<eos>']]
        for i in ids:
            logits = model(numpy.array([[i]], dtype=numpy.int32))
        for _ in range(length):
            p = F.softmax(logits * (1.0 / temperature)).array[0].astype(numpy.float64)
            nxt = int(rng.choice(len(p), p=p / p.sum()))
            out.append(words[nxt])
            logits = model(numpy.array([[nxt]], dtype=numpy.int32))
    return out


def nearest(model, vocab, word, k=5):
    """The ``k`` words whose embeddings have the largest cosine similarity with ``word``'s."""
    if word not in vocab:
        raise ValueError('generate: %r is not in the PTB vocabulary' % word)
    W = minigrad.backend.to_cpu(model.embed.W.array).astype(numpy.float64)
    W = W / numpy.maximum(numpy.linalg.norm(W, axis=1, keepdims=True), 1e-12)
    sims = W @ W[vocab[word]]
    words = {i: w for w, i in vocab.items()}
    order = [i for i in numpy.argsort(-sims) if i != vocab[word]][:k]
    return [(words[i], float(sims[i])) for i in order]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Sample from a trained PTB model and list nearest words.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--model-dir', default='result/ptb',
                        help='folder with model.npz and results.json from train_ptb.py')
    parser.add_argument('--data', default=None,
                        help='folder with the PTB files (default: the one the model was '
                             'trained on, as results.json records it)')
    parser.add_argument('--start', default='the', help='start words, space separated')
    parser.add_argument('--length', type=_positive_int, default=30, help='words to draw')
    parser.add_argument('--temperature', type=float, default=1.0, help='sampling temperature')
    parser.add_argument('--nearest', default='', help='comma-separated words to query')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    args = parser.parse_args(argv)
    if args.temperature <= 0:
        parser.error('--temperature must be positive')
    results_path = os.path.join(args.model_dir, 'results.json')
    if not os.path.exists(results_path):
        parser.error('--model-dir %s has no results.json: give the --out folder of a finished '
                     'train_ptb.py run' % args.model_dir)
    if args.data is None:
        with open(results_path) as f:
            args.data = json.load(f).get('data')
    vocab = datasets.get_ptb_words_vocabulary(args.data)
    model = load_model(args.model_dir)
    rng = numpy.random.RandomState(args.seed)
    text = sample(model, vocab, args.start.split(), args.length, args.temperature, rng)
    print(' '.join(text).replace(' <eos> ', '\n'))
    for word in filter(None, args.nearest.split(',')):
        pairs = nearest(model, vocab, word.strip())
        print('%s: %s' % (word, ', '.join('%s %.2f' % p for p in pairs)))


if __name__ == '__main__':
    main()
