"""Tests of the PTB loader against the facts in ../shared/data/ptb/README.md."""

import os
import shutil

import numpy
import pytest

from minigrad import datasets

PTB = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'shared', 'data', 'ptb')
needs_ptb = pytest.mark.skipif(not os.path.exists(os.path.join(PTB, 'ptb.train.txt')),
                               reason='the PTB files are not in ../shared/data/ptb')


@needs_ptb
def test_lengths_vocabulary_and_eos():
    train, valid, test = datasets.get_ptb_words(PTB, download=False)
    assert (len(train), len(valid), len(test)) == (929589, 73760, 82430)
    assert train.dtype == numpy.int32
    vocab = datasets.get_ptb_words_vocabulary(PTB, download=False)
    assert len(vocab) == 10000
    words = {i: w for w, i in vocab.items()}
    # the first train line (README), then <eos>
    first = ('aer banknote berlitz calloway centrust cluett fromstein gitano guterman '
             'hydro-quebec ipo kia memotec mlx nahb punts rake regatta rubens sim snack-food '
             'ssangyong swapo wachter').split()
    assert [words[i] for i in train[:len(first) + 1]] == first + ['<eos>']
    eos = vocab['<eos>']
    assert (train == eos).sum() == 42068 and (valid == eos).sum() == 3370
    assert (test == eos).sum() == 3761


@needs_ptb
def test_environment_variable_and_checksum(tmp_path, monkeypatch):
    folder = tmp_path / 'ptb'
    folder.mkdir()
    for split in ('train', 'valid', 'test'):
        shutil.copy(os.path.join(PTB, 'ptb.%s.txt' % split), folder)
    monkeypatch.setenv('MINIGRAD_DATASET_ROOT', str(tmp_path))
    assert datasets.get_ptb_path('valid', download=False) == str(folder / 'ptb.valid.txt')
    with open(folder / 'ptb.valid.txt', 'ab') as f:
        f.write(b' extra \n')
    with pytest.raises(ValueError, match='SHA-256'):
        datasets.get_ptb_path('valid', download=False)


def test_missing_files_say_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv('MINIGRAD_DATASET_ROOT', str(tmp_path / 'none'))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    with pytest.raises(OSError, match='Put the three files'):
        datasets.get_ptb_path('train', root=tmp_path / 'empty', download=False)
    with pytest.raises(ValueError, match='split must be one of'):
        datasets.get_ptb_path('dev')
