"""The sum-counting example (examples/sum_counting): its data, and a short run as a user would."""

import importlib.util
import json
import os
import re
import subprocess
import sys

import numpy

import minigrad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'examples', 'sum_counting', 'train_sum_counting.py')


def _load_module():
    spec = importlib.util.spec_from_file_location('train_sum_counting', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run([sys.executable, SCRIPT, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, 'exit %d\nstdout:\n%s\nstderr:\n%s' % (
        proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def test_make_data_targets_count_the_ones():
    S = _load_module()
    x, t = S.make_data(50, 13, numpy.random.RandomState(1))
    assert x.shape == (50, 13) and t.shape == (50, 1)
    assert x.dtype == numpy.float32 and t.dtype == numpy.float32
    assert set(numpy.unique(x)) == {0.0, 1.0}
    expected = [[str(row.astype(int).tolist()).count('1')] for row in x]
    numpy.testing.assert_array_equal(t, expected)
    assert 0 < t.min() < t.max() < 13          # both kinds of bits appear


def test_model_output_shape_and_accuracy():
    S = _load_module()
    numpy.random.seed(0)
    model = S.SumCounter(4)
    x, t = S.make_data(6, 5, numpy.random.RandomState(0))
    y = model(x)
    assert y.shape == (6, 1) and y.dtype == numpy.float32
    # a prediction equal to the count plus 0.01 is right, plus 0.1 is wrong
    with minigrad.no_backprop_mode():
        y0 = model(x).array
    acc, error = S.evaluate(model, x, y0 + 0.01)
    assert acc == 1.0 and abs(error - 0.01) < 1e-6
    acc, error = S.evaluate(model, x, y0 + numpy.float32([[0.1]] * 3 + [[-0.02]] * 3))
    assert acc == 0.5 and abs(error - 0.06) < 1e-6


def test_short_run_writes_model_and_results(tmp_path):
    out = _run('--test', '--out', 'res', cwd=tmp_path)
    lines = out.strip().splitlines()
    progress = [line for line in lines if line.startswith('epoch ')]
    assert len(progress) == 3
    assert re.fullmatch(r'epoch 3  iter 6/6  loss \d+\.\d{4}  \d+\.\ds', progress[-1])
    acc = {int(m.group(1)): float(m.group(2)) for m in
           re.finditer(r'accuracy on 100 sequences of length (\d+): (\d\.\d\d)  '
                       r'\(mean \|prediction - count\| \d+\.\d\d', out)}
    assert sorted(acc) == [10, 20, 50]
    assert lines[-1] == 'results in res: model.npz, results.json'

    results = json.loads((tmp_path / 'res' / 'results.json').read_text())
    assert results['optimizer'] == 'sgd' and results['epochs'] == 3
    assert {int(k): round(v, 2) for k, v in results['accuracy'].items()} == acc
    assert sorted(results['mean_error']) == ['10', '20', '50']
    assert len(results['loss_history']) == 3
    # the three loss lines go down: even 6 SGD steps learn something
    losses = [h['loss'] for h in results['loss_history']]
    assert losses[0] > losses[-1]

    S = _load_module()
    model = S.SumCounter(80)
    minigrad.serializers.load_npz(str(tmp_path / 'res' / 'model.npz'), model)
    assert float(abs(model.out.W.array).sum()) > 0


def test_adam_option_and_help(tmp_path):
    out = _run('--test', '--optimizer', 'adam', '--hidden', '8', '--out', 'a', cwd=tmp_path)
    assert out.startswith('adam, lr 0.001:')
    assert json.loads((tmp_path / 'a' / 'results.json').read_text())['hidden'] == 8
    usage = ' '.join(_run('--help', cwd=tmp_path).split())     # argparse wraps lines
    for option in ['--optimizer', '--epochs', '--hidden', '--seed', '--device', '--test',
                   '--out', 'default: sgd', 'default: result']:
        assert option in usage, option
