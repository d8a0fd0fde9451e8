"""Tests of the character-level text reader and the Aozora Bunko markup stripper.

The real-file tests use the facts in ../shared/data/aozora/README.md and skip when the files are
not there.
"""

import doctest
import hashlib
import os
import re
import shutil

import numpy
import pytest

from minigrad.datasets import text
from minigrad.datasets.text import (
    get_aozora_path,
    get_text_chars,
    read_text,
    strip_aozora_markup,
    text_to_ids,
)

AOZORA = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'shared', 'data',
                      'aozora')
UTF8 = 'wagahaiwa_nekodearu.txt'
SJIS = 'wagahaiwa_nekodearu.sjis.txt'
needs_aozora = pytest.mark.skipif(
    not all(os.path.exists(os.path.join(AOZORA, name)) for name in (UTF8, SJIS)),
    reason='the Aozora files are not in ../shared/data/aozora')

HEADER = ('題名\n著者\n\n'
          '-------------------------------------------------------\n'
          '【テキスト中に現れる記号について】\n\n《》：ルビ\n（例）吾輩《わがはい》\n'
          '-------------------------------------------------------\n\n')
FOOTER = ('\n\n\n底本：「全集」文庫、書房\n　　　1987年9月29日第1刷発行\n'
          '入力：誰か\n青空文庫作成ファイル：\nこのファイルは、青空文庫で作られました。\n')


# ---- strip_aozora_markup on hand-written text, one rule at a time

def test_ruby_readings_and_markers():
    assert strip_aozora_markup('吾輩《わがはい》は猫である。') == '吾輩は猫である。'
    assert strip_aozora_markup('一番｜獰悪《どうあく》な種族') == '一番獰悪な種族'
    assert strip_aozora_markup('一｜疋《ぴき》も《》見えぬ') == '一疋も見えぬ'


def test_editorial_notes():
    assert strip_aozora_markup('［＃８字下げ］一［＃「一」は中見出し］\n') == '一\n'
    assert strip_aozora_markup('おくび［＃「おくび」に傍点］にも') == 'おくびにも'
    # the ※ standing for a character outside JIS stays, its description goes
    assert strip_aozora_markup('※［＃「言＋墟のつくり」、第4水準2-88-74］《いつ》わられた') == \
        '※わられた'


def test_nested_markup():
    # brackets inside a note, a ruby inside a note, a note inside a ruby reading
    assert strip_aozora_markup('甲［＃「［Ａ］」に傍点］乙') == '甲乙'
    assert strip_aozora_markup('甲［＃「吾輩《わがはい》」に傍点］乙') == '甲乙'
    assert strip_aozora_markup('甲｜乙《※［＃「言＋墟のつくり」］》丙') == '甲乙丙'
    assert strip_aozora_markup('甲《あ《い》う》乙') == '甲乙'
    assert strip_aozora_markup('甲［＃外［＃内］外］乙［＃次］丙') == '甲乙丙'


def test_header_and_footer():
    body = '［＃８字下げ］一［＃「一」は中見出し］\n\n　吾輩《わがはい》は猫である。\n'
    assert strip_aozora_markup(HEADER + body + FOOTER) == '一\n\n　吾輩は猫である。\n'
    assert strip_aozora_markup(HEADER + body) == '一\n\n　吾輩は猫である。\n'
    assert strip_aozora_markup(body + FOOTER) == '一\n\n　吾輩は猫である。\n'
    crlf = (HEADER + body + FOOTER).replace('\n', '\r\n')
    assert strip_aozora_markup(crlf) == '一\n\n　吾輩は猫である。\n'


def test_text_without_markup_is_unchanged():
    plain = 'The cat sat.\n-----\n\n猫である。名前はまだ無い。（例）\n\n'
    assert strip_aozora_markup(plain) == plain
    assert strip_aozora_markup('') == ''
    # two rules that do not enclose the legend are text, not a header
    ruled = 'a\n' + '-' * 20 + '\nb\n' + '-' * 20 + '\nc\n'
    assert strip_aozora_markup(ruled) == ruled
    # 底本： inside a line is not the footer
    assert strip_aozora_markup('その底本：は\n') == 'その底本：は\n'


def test_unclosed_note_is_left_alone():
    assert strip_aozora_markup('甲［＃閉じない') == '甲［＃閉じない'


# ---- ids and vocabularies

def test_text_to_ids_first_appearance_order():
    ids, vocab = text_to_ids('猫はねこ猫\n')
    assert vocab == {'猫': 0, 'は': 1, 'ね': 2, 'こ': 3, '\n': 4}
    assert list(vocab) == ['猫', 'は', 'ね', 'こ', '\n']
    assert ids.dtype == numpy.int32 and ids.tolist() == [0, 1, 2, 3, 0, 4]
    # characters outside the basic plane (4-byte UTF-8) too
    ids, vocab = text_to_ids('a\U0001F431a')
    assert ids.tolist() == [0, 1, 0] and vocab == {'a': 0, '\U0001F431': 1}
    ids, vocab = text_to_ids('')
    assert ids.shape == (0,) and ids.dtype == numpy.int32 and vocab == {}


def test_text_to_ids_given_vocab_and_unknowns():
    vocab = {'b': 5, 'a': 2, '<unk>': 9}
    ids, same = text_to_ids('abzab?', vocab)
    assert same is vocab and vocab == {'b': 5, 'a': 2, '<unk>': 9}
    assert ids.dtype == numpy.int32 and ids.tolist() == [2, 5, 9, 2, 5, 9]
    with pytest.raises(ValueError, match=r"2 characters are not in vocab, e.g. '\?', 'z'.*<unk>"):
        text_to_ids('abz?', {'a': 0, 'b': 1})
    with pytest.raises(TypeError, match='vocab must be a dict'):
        text_to_ids('ab', ['a', 'b'])
    ids, _ = text_to_ids('xy', {'<unk>': 0})
    assert ids.tolist() == [0, 0]


def test_vocab_round_trip(tmp_path):
    source = '吾輩は猫である。\n名前はまだ無い。\n'
    path = tmp_path / 'neko.txt'
    path.write_text(source, encoding='utf-8')
    ids, vocab = get_text_chars(path)
    chars = {i: c for c, i in vocab.items()}
    assert ''.join(chars[i] for i in ids) == source
    assert sorted(vocab.values()) == list(range(len(vocab)))
    again, same = get_text_chars(path, vocab=vocab)
    assert numpy.array_equal(again, ids) and same is vocab


def test_encodings_and_line_endings(tmp_path):
    source = '吾輩《わがはい》は猫である。\n名前はまだ無い。－\n'
    (tmp_path / 'u.txt').write_bytes(source.encode('utf-8'))
    (tmp_path / 'bom.txt').write_bytes(source.encode('utf-8-sig'))
    (tmp_path / 's.txt').write_bytes(source.replace('\n', '\r\n').encode('cp932'))
    ids, vocab = get_text_chars(tmp_path / 'u.txt')
    for name in ('bom.txt', 's.txt'):
        other, other_vocab = get_text_chars(tmp_path / name)
        assert numpy.array_equal(other, ids) and other_vocab == vocab
    assert read_text(tmp_path / 's.txt', encoding='cp932') == source
    ids, vocab = get_text_chars(tmp_path / 's.txt', strip_aozora=True)
    assert len(ids) == len('吾輩は猫である。\n名前はまだ無い。－\n') and '《' not in vocab


def test_undecodable_file_names_it(tmp_path):
    path = tmp_path / 'binary.dat'
    path.write_bytes(b'abc\x85\x20')          # 0x85 starts no UTF-8 nor Shift_JIS character
    with pytest.raises(ValueError, match=r'binary\.dat is neither UTF-8 nor Shift_JIS.*utf-8 '
                                         r'\(byte 0x85 at offset 3\).*cp932 \(byte 0x85'):
        get_text_chars(path)


# ---- get_aozora_path

def test_missing_file_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv('MINIGRAD_DATASET_ROOT', str(tmp_path / 'env'))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    with pytest.raises(OSError, match=r'wagahaiwa_nekodearu\.txt was not found in .*here.*'
                                      r'env.aozora.*cache.minigrad.aozora.*MINIGRAD_DATASET_ROOT'):
        get_aozora_path(root=tmp_path / 'here')


def test_root_env_and_cache_order(tmp_path, monkeypatch):
    for folder in ('here', 'env/aozora', 'cache/minigrad/aozora'):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / 'other.txt').write_text(folder, encoding='utf-8')
    monkeypatch.setenv('MINIGRAD_DATASET_ROOT', str(tmp_path / 'env'))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    assert get_aozora_path('other.txt', root=tmp_path / 'here') == str(tmp_path / 'here' /
                                                                        'other.txt')
    assert get_aozora_path('other.txt') == str(tmp_path / 'env' / 'aozora' / 'other.txt')
    monkeypatch.delenv('MINIGRAD_DATASET_ROOT')
    assert get_aozora_path('other.txt') == str(tmp_path / 'cache' / 'minigrad' / 'aozora' /
                                               'other.txt')


def test_known_sums_are_the_readme_ones():
    assert text._SHA256 == {
        SJIS: 'f8c511ab3e69e3a1ccfea475783c2e4d64917a2cdedfb67441ea27655aca5f75',
        UTF8: '325d3ac3c1e90a94a914a3c507a5c4d77fea5a7d7f3c5ca17f7fef76cb1d4248'}


def test_checksum_mismatch(tmp_path):
    (tmp_path / UTF8).write_text('吾輩は猫である\n', encoding='utf-8')
    with pytest.raises(ValueError, match=r'SHA-256 %s, not the known 325d3ac3'
                       % hashlib.sha256('吾輩は猫である\n'.encode('utf-8')).hexdigest()):
        get_aozora_path(root=tmp_path)
    assert get_aozora_path(root=tmp_path, check=False) == str(tmp_path / UTF8)


def test_docstring_examples():
    result = doctest.testmod(text)
    assert result.attempted >= 3 and result.failed == 0


# ---- the real file

@needs_aozora
def test_real_file_environment_variable(tmp_path, monkeypatch):
    (tmp_path / 'aozora').mkdir()
    shutil.copy(os.path.join(AOZORA, UTF8), tmp_path / 'aozora')
    monkeypatch.setenv('MINIGRAD_DATASET_ROOT', str(tmp_path))
    assert get_aozora_path() == str(tmp_path / 'aozora' / UTF8)
    with open(tmp_path / 'aozora' / UTF8, 'ab') as f:
        f.write('余計\n'.encode('utf-8'))
    with pytest.raises(ValueError, match='not the known'):
        get_aozora_path()


@needs_aozora
def test_real_file_stripped():
    path = get_aozora_path(root=AOZORA)
    raw = read_text(path)
    assert len(raw) == 374949 and len(set(raw)) == 3103        # README counts
    stripped = strip_aozora_markup(raw)
    for mark in ('《', '》', '［＃', '｜', '底本', '青空文庫', '記号について', '-----',
                 '夏目漱石'):
        assert mark not in stripped, mark
    lines = stripped.split('\n')
    assert lines[0] == '一' and lines[2] == '　吾輩は猫である。名前はまだ無い。'
    assert stripped.index('吾輩は猫である。名前はまだ無い。') < 10
    assert stripped.endswith('南無阿弥陀仏南無阿弥陀仏。ありがたいありがたい。\n')
    # the README's recipe on the body (lines 22-2362): the same text, 3,045 distinct characters
    body = '\n'.join(raw.split('\n')[21:2362])
    body = re.sub(r'［＃[^］]*］', '', re.sub(r'《[^》]*》', '', body).replace('｜', ''))
    assert len(body) == 321142 and len(set(body)) == 3045
    assert stripped == body.strip('\n') + '\n'
    assert stripped.count('※') == 34


@needs_aozora
def test_real_file_sjis_and_utf8_give_the_same_ids():
    ids, vocab = get_text_chars(get_aozora_path(root=AOZORA), strip_aozora=True)
    sjis_ids, sjis_vocab = get_text_chars(get_aozora_path(SJIS, root=AOZORA), strip_aozora=True)
    assert ids.dtype == numpy.int32 and len(ids) == 321139 and len(vocab) == 3045
    assert numpy.array_equal(ids, sjis_ids) and list(vocab.items()) == list(sjis_vocab.items())
    chars = {i: c for c, i in vocab.items()}
    assert ''.join(chars[i] for i in ids[:20]) == '一\n\n　吾輩は猫である。名前はまだ無い。'
    # the raw files too, CRLF and all
    raw_ids, _ = get_text_chars(get_aozora_path(SJIS, root=AOZORA))
    assert numpy.array_equal(raw_ids, get_text_chars(get_aozora_path(root=AOZORA))[0])
