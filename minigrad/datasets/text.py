"""Character-level text: read a file as an int32 array of character ids, and clean Aozora Bunko.

Datasets layer. :func:`get_text_chars` reads any text file (UTF-8 or Shift_JIS, told apart
automatically) into ids and a vocabulary, ready for a character-level language model.
:func:`strip_aozora_markup` removes the markup of an Aozora Bunko (青空文庫) file: the header,
the footer, ruby readings and editorial notes, so that a model learns the novel's own text.
:func:`get_aozora_path` finds such a file, in order, in

1. the ``root`` argument (a folder holding the file),
2. ``$MINIGRAD_DATASET_ROOT/aozora``,
3. the user cache folder (``$XDG_CACHE_HOME/minigrad/aozora``, by default
   ``~/.cache/minigrad/aozora``),

and checks its SHA-256 where the file is one whose checksum is known. Nothing is downloaded
(Aozora Bunko distributes the text inside a zip file): the error says where to put the file.
"""

import os
import re

import numpy

from minigrad.datasets import download

UNK = '<unk>'

# SHA-256 of the known files: the Aozora Bunko distribution of 吾輩は猫である (card 789,
# 789_ruby_5639.zip, revised 2018-02-05) as is (Shift_JIS, CRLF), and the same text in UTF-8 with
# LF line endings (made by ``raw.decode('cp932').replace('\r\n', '\n')``)
_SHA256 = {
    'wagahaiwa_nekodearu.sjis.txt':
        'f8c511ab3e69e3a1ccfea475783c2e4d64917a2cdedfb67441ea27655aca5f75',
    'wagahaiwa_nekodearu.txt':
        '325d3ac3c1e90a94a914a3c507a5c4d77fea5a7d7f3c5ca17f7fef76cb1d4248',
}

# cp932 is Microsoft's Shift_JIS, the codec Aozora files are written in; Python's plain
# 'shift_jis' decodes a few symbols differently (0x817C becomes U+2212 instead of U+FF0D)
_AUTO_ENCODINGS = ('utf-8', 'cp932')

_RULE = re.compile(r'^-{10,}[ \t]*$', re.MULTILINE)     # the dashes around the header's legend
_LEGEND = '記号について'      # from the legend's title 【テキスト中に現れる記号について】
_FOOTER = re.compile(r'^底本：', re.MULTILINE)
_RUBY = re.compile(r'《[^《》]*》')


def get_aozora_path(name='wagahaiwa_nekodearu.txt', root=None, check=True):
    """Path of the Aozora Bunko text file ``name``, checked by SHA-256 when its sum is known.

    The file is looked for in ``root``, then in ``$MINIGRAD_DATASET_ROOT/aozora``, then in the
    user cache folder ``$XDG_CACHE_HOME/minigrad/aozora`` (``~/.cache/minigrad/aozora``). The
    project never holds a copy of the text.

    Args:
        name (str): the file name, e.g. ``'wagahaiwa_nekodearu.txt'`` (UTF-8) or
            ``'wagahaiwa_nekodearu.sjis.txt'`` (the original Shift_JIS file).
        root (str, os.PathLike or None): a folder holding the file, tried first.
        check (bool): compare the file's SHA-256 with the known one (files of other names are
            not checked).

    Returns:
        str: the path of the first file found.

    Raises:
        OSError: the file is in none of the folders; the message lists them and says where to
            put the file.
        ValueError: the file was found but its SHA-256 is not the known one.

    Example:
        >>> get_aozora_path(root='../shared/data/aozora')       # doctest: +SKIP
        '../shared/data/aozora/wagahaiwa_nekodearu.txt'
    """
    folders = []
    if root is not None:
        folders.append(os.fspath(root))
    env = os.environ.get('MINIGRAD_DATASET_ROOT')
    if env:
        folders.append(os.path.join(env, 'aozora'))
    folders.append(os.path.join(download.cache_root(), 'aozora'))
    for folder in folders:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        if check and name in _SHA256:
            digest = download.sha256(path)
            if digest != _SHA256[name]:
                raise ValueError(
                    'get_aozora_path: %s has SHA-256 %s, not the known %s: it is another '
                    'revision of the text, or an edited or truncated copy; pass check=False '
                    'to use it anyway' % (path, digest, _SHA256[name]))
        return path
    raise OSError(
        'get_aozora_path: %s was not found in %s. Put the file in one of those folders, pass '
        'root= (a folder holding it), or set MINIGRAD_DATASET_ROOT to a folder holding '
        'aozora/%s. The text is 吾輩は猫である by 夏目漱石 from Aozora Bunko '
        '(https://www.aozora.gr.jp/cards/000148/card789.html, the ruby zip 789_ruby_5639.zip).'
        % (name, ', '.join(folders), name))


def _remove_notes(text):
    """Remove every editorial note ``［＃...］``, with any ``［...］`` nested inside it."""
    pieces = []
    done = 0
    start = text.find('［＃')
    while start >= 0:
        depth, i = 1, start + 2
        while depth:
            close = text.find('］', i)
            if close < 0:                   # never closed: leave the rest as it is
                pieces.append(text[done:])
                return ''.join(pieces)
            opening = text.find('［', i, close)
            if opening >= 0:
                depth, i = depth + 1, opening + 1
            else:
                depth, i = depth - 1, close + 1
        pieces.append(text[done:start])
        done = i
        start = text.find('［＃', done)
    pieces.append(text[done:])
    return ''.join(pieces)


def strip_aozora_markup(text):
    """Remove the markup of an Aozora Bunko text, keeping the work's own text.

    The rules, in the order applied:

    1. Line endings become ``\\n``.
    2. Header: when the first two lines made of dashes (``-----...``, ten or more) enclose
       the legend of symbols (【テキスト中に現れる記号について】), everything up to the second
       of them goes: title, author and legend. Blank lines right after it go too. A text
       without such a legend keeps its beginning.
    3. Footer: from the first line starting with ``底本：`` (the bibliographic notes) to the
       end. Blank lines right before it go too.
    4. Editorial notes ``［＃...］`` (indents, headings, emphasis, descriptions of
       characters that are not in JIS), including brackets nested inside them. The ``※``
       that stands for such a missing character before its description stays.
    5. Ruby readings ``《...》``, then the ruby start markers ``｜``: ``一番｜獰悪《どうあく》``
       becomes ``一番獰悪``.

    Other symbols (``〔...〕`` around decomposed accented letters, ``※``) are kept. A text
    with none of the markup comes back unchanged (but for its line endings).

    Args:
        text (str): the decoded text of the file.

    Returns:
        str: the text without the markup.

    Example:
        >>> strip_aozora_markup('一番｜獰悪《どうあく》な［＃「な」に傍点］種族')
        '一番獰悪な種族'
    """
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    rules = [m for m, _ in zip(_RULE.finditer(text), range(2))]
    if len(rules) == 2 and _LEGEND in text[rules[0].end():rules[1].start()]:
        text = text[rules[1].end():].lstrip('\n')
    footer = _FOOTER.search(text)
    if footer is not None:
        body = text[:footer.start()].rstrip('\n')
        text = body + '\n' if body else ''
    if '［＃' in text:
        text = _remove_notes(text)
    n = 1
    while n:                                # inner readings first, should any be nested
        text, n = _RUBY.subn('', text)
    return text.replace('｜', '')


def read_text(path, encoding=None):
    """Read a text file into a str with ``\\n`` line endings, telling UTF-8 from Shift_JIS.

    Args:
        path (str or os.PathLike): the file.
        encoding (str or None): a codec name; None tries UTF-8 (a byte order mark is dropped),
            then cp932 (Shift_JIS as Windows and Aozora Bunko write it).

    Returns:
        str: the text.

    Raises:
        ValueError: the file decodes with none of the encodings tried; the message names the
            file and where each one failed.
    """
    with open(path, 'rb') as f:
        raw = f.read()
    if encoding is not None:
        text = raw.decode(encoding)
    else:
        failures = []
        for name in _AUTO_ENCODINGS:
            try:
                text = raw.decode(name)
                break
            except UnicodeDecodeError as e:
                failures.append('%s (byte 0x%02x at offset %d)' % (name, raw[e.start], e.start))
        else:
            raise ValueError(
                'read_text: %s is neither UTF-8 nor Shift_JIS text: decoding failed as %s; '
                'pass encoding= with the right codec' % (os.fspath(path), ', '.join(failures)))
        if text.startswith('\ufeff'):
            text = text[1:]
    return text.replace('\r\n', '\n').replace('\r', '\n')


def _code_points(text):
    return numpy.frombuffer(text.encode('utf-32-le'), dtype=numpy.uint32)


def text_to_ids(text, vocab=None):
    """Turn a str into an int32 array of character ids.

    Args:
        text (str): the characters.
        vocab (dict or None): {character: id}. None builds one with ids in order of first
            appearance. With a given vocabulary a character it lacks becomes the id of
            ``'<unk>'`` when the vocabulary has that key, and is an error otherwise.

    Returns:
        tuple: ``(ids, vocab)``: int32 array of shape (len(text),) and the vocabulary (the one
        given, unchanged, or the new one).

    Raises:
        ValueError: a character is missing from a given vocabulary that has no ``'<unk>'``.

    Example:
        >>> ids, vocab = text_to_ids('abcab')
        >>> ids, vocab
        (array([0, 1, 2, 0, 1], dtype=int32), {'a': 0, 'b': 1, 'c': 2})
        >>> text_to_ids('abz', {'a': 0, 'b': 1, '<unk>': 2})[0]
        array([0, 1, 2], dtype=int32)
    """
    codes = _code_points(text)
    if vocab is None:
        # sorted unique code points, then renumbered by where each first appears
        uniq, first, inverse = numpy.unique(codes, return_index=True, return_inverse=True)
        order = numpy.argsort(first, kind='stable')
        rank = numpy.empty(len(uniq), dtype=numpy.int32)
        rank[order] = numpy.arange(len(uniq), dtype=numpy.int32)
        vocab = {chr(int(uniq[k])): int(rank[k]) for k in order}
        return rank[inverse.ravel()], vocab
    if not isinstance(vocab, dict):
        raise TypeError('text_to_ids: vocab must be a dict {character: id}, got %s'
                        % type(vocab).__name__)
    chars = [c for c in vocab if isinstance(c, str) and len(c) == 1]
    keys = _code_points(''.join(chars))
    values = numpy.array([vocab[c] for c in chars], dtype=numpy.int32)
    order = numpy.argsort(keys)
    keys, values = keys[order], values[order]
    pos = numpy.searchsorted(keys, codes)
    pos[pos == len(keys)] = 0
    known = keys[pos] == codes if len(keys) else numpy.zeros(len(codes), dtype=bool)
    ids = values[pos] if len(keys) else numpy.zeros(len(codes), dtype=numpy.int32)
    if not known.all():
        if UNK not in vocab:
            missing = sorted(set(text[i] for i in numpy.flatnonzero(~known)[:1000]))
            raise ValueError(
                'text_to_ids: %d characters are not in vocab, e.g. %s; add %r to vocab to map '
                'them to it' % (int((~known).sum()), ', '.join(map(repr, missing[:10])), UNK))
        ids[~known] = vocab[UNK]
    return ids, vocab


def get_text_chars(path, encoding=None, vocab=None, strip_aozora=False):
    """Read a text file as an int32 array of character ids, and its vocabulary.

    Line endings become ``\\n`` first, so a CRLF file and its LF copy give the same ids.

    Args:
        path (str or os.PathLike): the text file (see :func:`get_aozora_path`).
        encoding (str or None): a codec name; None tries UTF-8, then cp932 (Shift_JIS), and
            raises ``ValueError`` naming the file when neither decodes it.
        vocab (dict or None): {character: id}. None builds it in order of first appearance. A
            given vocabulary is used unchanged: characters it lacks become the id of
            ``'<unk>'`` when it has that key, and raise ``ValueError`` otherwise.
        strip_aozora (bool): remove Aozora Bunko markup first (:func:`strip_aozora_markup`).

    Returns:
        tuple: ``(ids, vocab)``, ids an int32 array of shape (number of characters,).

    Example:
        >>> path = get_aozora_path(root='../shared/data/aozora')          # doctest: +SKIP
        >>> ids, vocab = get_text_chars(path, strip_aozora=True)           # doctest: +SKIP
        >>> len(ids), len(vocab)                                           # doctest: +SKIP
        (321139, 3045)
    """
    text = read_text(path, encoding)
    if strip_aozora:
        text = strip_aozora_markup(text)
    return text_to_ids(text, vocab)
