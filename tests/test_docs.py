"""Run the code of the guides in docs/ and check that it prints what the guides say it prints.

Every ```python block of a docs/*.md file runs, in the order of the file, in one namespace per
file, in a fresh temporary directory. A ```text block right after a python block (only blank
lines between) is the output that block must print, exactly (trailing spaces of each line are
ignored); a python block with no ```text block after it must print nothing. docs/README.md
states the same convention for writers of guides.

Two more tests check that docs/README.md links every guide and that every relative link and
picture of a guide points to a file that exists.
"""

import contextlib
import io
import os
import re
import warnings

import numpy
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, 'docs')
GUIDES = sorted(name for name in os.listdir(DOCS) if name.endswith('.md')) \
    if os.path.isdir(DOCS) else []


class Block:
    """A python code block: its source, its first line in the file, its expected output."""

    def __init__(self, source, line, expected):
        self.source = source
        self.line = line
        self.expected = expected        # None: the block must print nothing


def _read_fence(lines, i):
    # lines[i] opens a fence; return (body, index after the closing fence)
    body = []
    j = i + 1
    while j < len(lines) and lines[j].rstrip() != '```':
        body.append(lines[j])
        j += 1
    if j == len(lines):
        raise ValueError('line %d: the fence %r is never closed' % (i + 1, lines[i].strip()))
    return '\n'.join(body) + '\n', j + 1


def parse_blocks(text):
    """The python blocks of a Markdown text, each with the ```text block that follows it."""
    lines = text.split('\n')
    blocks = []
    i = 0
    while i < len(lines):
        fence = lines[i].rstrip()
        if not fence.startswith('```'):
            i += 1
            continue
        first_line = i + 2              # 1-based number of the first line inside the fence
        body, i = _read_fence(lines, i)
        if fence != '```python':
            continue
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        expected = None
        if j < len(lines) and lines[j].rstrip() == '```text':
            expected, i = _read_fence(lines, j)
        blocks.append(Block(body, first_line, expected))
    return blocks


def _normalize(text):
    return '\n'.join(line.rstrip() for line in text.strip('\n').split('\n'))


def run_blocks(path):
    """Run the python blocks of ``path`` in order; return a list of (block, printed text)."""
    with open(path, encoding='utf-8') as f:
        blocks = parse_blocks(f.read())
    namespace = {'__name__': 'docs_' + os.path.splitext(os.path.basename(path))[0]}
    results = []
    for block in blocks:
        out = io.StringIO()
        code = compile('\n' * (block.line - 1) + block.source, path, 'exec')
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter('error')          # a guide must not warn either
            exec(code, namespace)
        results.append((block, out.getvalue()))
    return results


@pytest.mark.parametrize('name', GUIDES)
def test_guide_runs_and_prints_what_it_says(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    numpy.random.seed(0)
    path = os.path.join(DOCS, name)
    results = run_blocks(path)
    for block, printed in results:
        where = '%s, the python block at line %d' % (name, block.line)
        if block.expected is None:
            assert printed == '', '%s prints output but no ```text block follows it:\n%s' % (
                where, printed)
        else:
            assert _normalize(printed) == _normalize(block.expected), (
                '%s printed\n%s\nbut the guide says\n%s' % (where, printed, block.expected))


def test_parse_blocks_pairs_code_with_its_output():
    text = ('# t\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n\n```\ndiagram\n```\n\n'
            '```python\nx = 2\n```\nprose\n```text\nnot output\n```\n')
    blocks = parse_blocks(text)
    assert [(b.source, b.line, b.expected) for b in blocks] == [
        ('print(1)\n', 4, '1\n'), ('x = 2\n', 16, None)]


def test_guides_exist_and_index_links_each():
    assert {'tour.md', 'custom_function.md', 'custom_link.md', 'rnn.md'} <= set(GUIDES)
    with open(os.path.join(DOCS, 'README.md'), encoding='utf-8') as f:
        index = f.read()
    for name in GUIDES:
        if name != 'README.md':
            assert '(%s)' % name in index, 'docs/README.md does not link %s' % name


@pytest.mark.parametrize('name', GUIDES)
def test_relative_links_point_to_files(name):
    with open(os.path.join(DOCS, name), encoding='utf-8') as f:
        text = f.read()
    # [text](target) and ![alt](target); the pictures in figures/ come from docs/make_figures.py
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if '://' in target or target.startswith('#'):
            continue
        path = os.path.normpath(os.path.join(DOCS, target.split('#')[0]))
        assert os.path.exists(path), '%s links %s, which does not exist' % (name, target)
