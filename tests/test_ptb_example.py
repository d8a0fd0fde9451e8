"""Runs examples/ptb/train_ptb.py in --test mode (seconds) and checks what it writes."""

import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PTB = os.path.join(os.path.dirname(ROOT), 'shared', 'data', 'ptb')
SCRIPT = os.path.join(ROOT, 'examples', 'ptb', 'train_ptb.py')

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(PTB, 'ptb.train.txt')),
                                reason='the PTB files are not in ../shared/data/ptb')


def _run(tmp_path, *args):
    out = tmp_path / 'out'
    proc = subprocess.run([sys.executable, SCRIPT, '--test', '--data', PTB, '--out', str(out)]
                          + list(args), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


@pytest.mark.parametrize('model', ['srn'] + [
    pytest.param(m, marks=pytest.mark.slow) for m in ('lstm', 'nstep', 'scrn', 'gru', 'peephole')])
def test_test_mode_trains_and_writes_results(tmp_path, model):
    out, stdout = _run(tmp_path, '--model', model)
    assert 'val ppl' in stdout and 'test ppl' in stdout
    assert stdout.strip().splitlines()[-1].startswith('results in ')
    results = json.loads((out / 'results.json').read_text())
    assert results['vocabulary'] == 10000
    assert 1 < results['test_perplexity'] < 10000
    log = [json.loads(line) for line in (out / 'log').read_text().splitlines()]
    assert [e['epoch'] for e in log] == [1, 2]
    assert (out / 'model.npz').exists()


def test_resume_continues_from_the_checkpoint(tmp_path):
    out, _ = _run(tmp_path, '--epochs', '1')
    out, stdout = _run(tmp_path, '--epochs', '2', '--resume', str(out / 'checkpoint'))
    assert 'resumed from' in stdout
    log = [json.loads(line) for line in (out / 'log').read_text().splitlines()]
    assert [e['epoch'] for e in log] == [1, 2]


def test_generate_samples_and_lists_nearest_words(tmp_path):
    out, _ = _run(tmp_path, '--epochs', '1')
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'examples', 'ptb', 'generate.py'), '--model-dir',
         str(out), '--data', PTB, '--start', 'the company', '--length', '5', '--nearest',
         'money'], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith('the company ')
    assert len(lines[0].split()) >= 7 or '\n' in proc.stdout
    assert lines[-1].startswith('money: ') and lines[-1].count(',') == 4


def test_streams_pair_every_word_with_its_successor():
    sys.path.insert(0, os.path.join(ROOT, 'examples', 'ptb'))
    try:
        from train_ptb import stream_batches
    finally:
        sys.path.pop(0)
    import numpy
    for length in (21, 40, 41, 1000):        # (length - 1) % batchsize == 0 included
        words = numpy.arange(length)
        x, t = stream_batches(words, 4)
        assert x.shape == t.shape == ((length - 1) // 4, 4)
        numpy.testing.assert_array_equal(t, x + 1)
        assert len(numpy.unique(x)) == x.size


def test_resume_takes_the_runs_own_settings(tmp_path):
    # only --resume (and --epochs to extend): the model was the tiny preset with 50 units; the
    # default small preset's shapes made load_npz fail before
    out, _ = _run(tmp_path, '--units', '50', '--epochs', '1')
    proc = subprocess.run([sys.executable, SCRIPT, '--data', PTB, '--out', str(out),
                           '--resume', str(out / 'checkpoint'), '--epochs', '2'],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert 'resumed from' in proc.stdout
    assert "preset tiny: {'model': 'srn'" in proc.stdout and "'units': 50" in proc.stdout
    log = [json.loads(line) for line in (out / 'log').read_text().splitlines()]
    assert [e['epoch'] for e in log] == [1, 2]


def test_generate_finds_the_data_the_model_was_trained_on(tmp_path):
    out, _ = _run(tmp_path, '--epochs', '1')
    assert json.loads((out / 'results.json').read_text())['data'] == os.path.abspath(PTB)
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'examples', 'ptb', 'generate.py'), '--model-dir',
         str(out), '--start', 'the', '--length', '3'], capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('the ')


@pytest.mark.parametrize('args, message', [
    (['--bproplen', '0'], 'argument --bproplen: must be a positive integer, got 0'),
    (['--dropout', '1.5'], r'argument --dropout: must be in \[0, 1\), got 1.5'),
    (['--max-words', '5'], '--max-words 5 is too few'),
    (['--resume', 'nothere'], '--resume nothere: cannot read nothere.json'),
])
def test_bad_options_are_refused_with_a_message(tmp_path, args, message):
    proc = subprocess.run([sys.executable, SCRIPT, '--test', '--data', PTB, '--out',
                           str(tmp_path / 'out')] + args, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 2
    assert re.search(message, proc.stderr), proc.stderr
    assert 'Traceback' not in proc.stderr
