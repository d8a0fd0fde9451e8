"""Run the example scripts as a user would (a subprocess in a fresh folder) and check results."""

import os
import re
import shutil
import subprocess
import sys

import numpy
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, 'examples')


def _env():
    # works from a plain checkout too, not only after `pip install -e .`
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))


def _run(script, *args, cwd):
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args], cwd=cwd,
                          env=_env(), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, 'exit %d\nstdout:\n%s\nstderr:\n%s' % (
        proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def _graphviz_works():
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which('dot') is not None


def _demo_reference(seed=0):
    """The demo's loss and b2 gradient, recomputed with plain NumPy from the same seed."""
    rs = numpy.random.RandomState(seed)
    x, t = rs.uniform(-1, 1, (4, 3)), rs.uniform(-1, 1, (4, 1))
    W1, b1, W2, b2 = (rs.uniform(-1, 1, s) for s in [(3, 5), (5,), (5, 1), (1,)])
    y = numpy.logaddexp(0, x @ W1 + b1) @ W2 + b2
    return ((y - t) ** 2).mean(), 2 * (y - t).mean()


def test_demo(tmp_path):
    out = _run('demo.py', cwd=tmp_path)
    lines = out.strip().splitlines()
    loss, gb2 = _demo_reference()
    assert lines[0] == 'loss %.6f' % loss
    grads = [line.split()[1] for line in lines if line.startswith('grad ')]
    assert grads == ['W1', 'b1', 'W2', 'b2']
    b2_line = [line for line in lines if line.startswith('grad b2')][0]
    assert float(b2_line.split('[')[1].rstrip(']')) == pytest.approx(gb2, abs=1e-4)
    diff = re.search(r'numerical check: max \|backprop - numeric\| = (\S+)', out)
    assert diff and float(diff.group(1)) < 1e-7

    dot = (tmp_path / 'result' / 'graph.dot').read_text()
    assert dot.startswith('digraph minigrad {') and dot.rstrip().endswith('}')
    for label in [r'x\n(4, 3) float64', r'W1\n(3, 5) float64', r'b2\n(1,) float64',
                  r'h\n(4, 5) float64', r'loss\n() float64\ngrad norm 1']:
        assert label in dot, label
    for func in ['exp', 'log', 'mul', 'add', 'sum', 'sub']:
        assert 'label="%s"' % func in dot, func
    assert dot.count(' -> ') > 20

    svg = tmp_path / 'result' / 'graph.svg'
    if _graphviz_works():
        assert '<svg' in svg.read_text()
        assert lines[-1] == 'results in result: graph.dot, graph.svg'
    else:
        assert not svg.exists() and 'graph.svg not written' in out
        assert lines[-1] == 'results in result: graph.dot'


def test_demo_out_option_and_help(tmp_path):
    out = _run('demo.py', '--out', 'elsewhere', '--seed', '3', cwd=tmp_path)
    assert out.strip().splitlines()[0] == 'loss %.6f' % _demo_reference(3)[0]
    assert (tmp_path / 'elsewhere' / 'graph.dot').exists()
    assert out.strip().splitlines()[-1].startswith('results in elsewhere: graph.dot')
    usage = _run('demo.py', '--help', cwd=tmp_path)
    assert '--out' in usage and 'default: result' in usage and '--seed' in usage


def test_readme_snippet_prints_what_the_readme_says(tmp_path):
    readme = open(os.path.join(ROOT, 'README.md')).read()
    code, printed = re.search(r'```python\n(.*?)```\s*prints\s*```\n(.*?)```', readme,
                              re.S).groups()
    (tmp_path / 'snippet.py').write_text(code)
    proc = subprocess.run([sys.executable, 'snippet.py'], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == printed
