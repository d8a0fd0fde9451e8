"""Tests of examples/gradient_flow.py: the script as a user runs it, and its gradient norms.

The script runs in a subprocess in a fresh folder (with and without matplotlib); its functions
are imported from the file, and the SimpleRNN norms are checked against backpropagation through
time written out in plain NumPy.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import numpy
import pytest

import minigrad_rnn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'examples', 'gradient_flow.py')


def _load_example():
    spec = importlib.util.spec_from_file_location('gradient_flow_example', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gradient_flow = _load_example()


def _matplotlib_installed():
    return importlib.util.find_spec('matplotlib') is not None


def _run(args, cwd, block_matplotlib=False):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    if block_matplotlib:
        # run the script as __main__ with every matplotlib import failing
        code = ('import runpy, sys; sys.modules["matplotlib"] = None; '
                'sys.argv = [%r] + %r; runpy.run_path(%r, run_name="__main__")'
                % (SCRIPT, list(args), SCRIPT))
        cmd = [sys.executable, '-c', code]
    else:
        cmd = [sys.executable, SCRIPT, *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, 'exit %d\nstdout:\n%s\nstderr:\n%s' % (
        proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout.splitlines()


def _table(lines):
    """{model: {t: norm}} from the printed table."""
    head = [line for line in lines if line.startswith('model')][0]
    ts = [int(cell[2:]) for cell in head.split()[1:]]
    rows = {}
    for line in lines:
        cells = line.split()
        if cells and cells[0] in gradient_flow.MODELS:
            rows[cells[0]] = dict(zip(ts, map(float, cells[1:])))
    return rows


def test_script_prints_the_table_and_writes_the_png(tmp_path):
    lines = _run(['--steps', '12', '--hidden', '6', '--out', 'pics'], cwd=tmp_path)
    assert lines[0] == ('gradient norm at the state of step t, loss at t = 11 only '
                        '(hidden 6, batch 8, seed 0)')
    table = _table(lines)
    assert list(table) == ['SimpleRNN', 'LSTM', 'SCRN']
    for norms in table.values():
        assert list(norms) == [11, 6, 2, 0]
        assert all(n > 0 for n in norms.values())
    png = tmp_path / 'pics' / 'gradient_flow.png'
    if _matplotlib_installed():
        assert lines[-1] == 'plot written to %s' % os.path.join('pics', 'gradient_flow.png')
        assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    else:
        assert 'plot skipped' in lines[-1] and not png.exists()


def test_script_without_matplotlib_prints_the_table_and_skips_the_plot(tmp_path):
    lines = _run(['--steps', '3', '--hidden', '4'], cwd=tmp_path, block_matplotlib=True)
    assert list(_table(lines)) == ['SimpleRNN', 'LSTM', 'SCRN']
    assert lines[-1] == 'matplotlib is not installed (pip install matplotlib): plot skipped'
    assert not (tmp_path / 'result' / 'gradient_flow.png').exists()


def test_help_and_bad_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        gradient_flow.main(['--help'])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    for option in ('--steps', '--hidden', '--seed', '--out', '--batch', '--device'):
        assert option in usage
    assert 'default: 100' in usage and 'default: result' in usage
    with pytest.raises(SystemExit) as exit_info:
        gradient_flow.main(['--steps', '0'])
    assert exit_info.value.code == 2
    assert '--steps must be at least 1, got 0' in capsys.readouterr().err


def test_report_steps():
    assert gradient_flow.report_steps(100) == [99, 90, 50, 0]
    assert gradient_flow.report_steps(5) == [4, 2, 0]
    assert gradient_flow.report_steps(1) == [0]


def test_simple_rnn_gradient_vanishes_with_the_default_init():
    steps = 30
    norms = gradient_flow.measure(steps=steps, hidden=16, seed=0, batch=4)
    rnn = norms['SimpleRNN']
    assert rnn.shape == (steps,)
    assert rnn[0] < rnn[steps - 1]
    assert rnn[0] < 1e-3 * rnn[steps - 1]
    # the gated / slow models keep far more of it at the first step
    assert norms['LSTM'][0] > 10 * rnn[0] and norms['SCRN'][0] > 10 * rnn[0]


def test_simple_rnn_norms_match_plain_numpy_bptt():
    T, B, N = 6, 3, 5
    rs = numpy.random.RandomState(3)
    xs = rs.standard_normal((T, B, N))
    w = rs.standard_normal((B, N))
    numpy.random.seed(1)
    model = minigrad_rnn.SimpleRNN(N, N)
    for p in model.params():
        p.array = p.array.astype(numpy.float64)
    norms = gradient_flow.state_norms(model, xs, w)

    Wx, b, Wh = model.upward.W.array, model.upward.b.array, model.lateral.W.array
    hs, h = [], numpy.zeros((B, N))
    for x in xs:
        h = numpy.tanh(x @ Wx.T + b + h @ Wh.T)
        hs.append(h)
    g = w                                       # dL/dh_T for L = sum(w * h_T)
    expected = [0.0] * T
    for t in range(T - 1, -1, -1):
        expected[t] = numpy.sqrt((g * g).sum())
        g = (g * (1 - hs[t] ** 2)) @ Wh         # through tanh and the recurrent matrix
    numpy.testing.assert_allclose(norms, expected, rtol=1e-10)


def test_scrn_norm_counts_both_states():
    T, B, N = 4, 2, 3
    rs = numpy.random.RandomState(0)
    xs = rs.standard_normal((T, B, N))
    w = rs.standard_normal((B, 2 * N))
    numpy.random.seed(0)
    model = gradient_flow.make_model('SCRN', N)
    for p in model.params():
        p.array = p.array.astype(numpy.float64)
    norms = gradient_flow.state_norms(model, xs, w)
    # y_T = concat(h_T, s_T) with h_T = sigmoid(... + P(s_T)): s_T gets w's second half
    # directly and the first half through h_T
    h = model.h.array
    gh = w[:, :N]
    gs = w[:, N:] + (gh * h * (1 - h)) @ model.P.W.array
    expected = numpy.sqrt((gh * gh).sum() + (gs * gs).sum())
    assert norms[-1] == pytest.approx(expected, rel=1e-10)
    assert norms[-1] > numpy.sqrt((gh * gh).sum())


def test_make_model_rejects_unknown_names():
    with pytest.raises(ValueError, match=re.escape("make_model: unknown model 'GRU'; choose "
                                                   "one of SimpleRNN, LSTM, SCRN")):
        gradient_flow.make_model('GRU', 4)


def _graphviz_works():
    return importlib.util.find_spec('graphviz') is not None and shutil.which('dot') is not None


def _load_make_figures():
    spec = importlib.util.spec_from_file_location(
        'make_figures', os.path.join(ROOT, 'docs', 'make_figures.py'))
    make_figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_figures)
    return make_figures


def test_make_figures_writes_every_picture_of_the_docs(tmp_path, capsys):
    make_figures = _load_make_figures()
    written = make_figures.main(['--out', str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    names = sorted(os.listdir(tmp_path))
    assert [os.path.basename(p) for p in written] == [n for n in [
        'diamond.svg', 'diamond.dot', 'bptt_before.svg', 'bptt_before.dot', 'bptt_after.svg',
        'bptt_after.dot', 'gradient_flow.png'] if n in names]
    assert out[-1].startswith('%d pictures in %s: ' % (len(written), tmp_path))
    graph_ext = 'svg' if _graphviz_works() else 'dot'
    diamond = (tmp_path / ('diamond.' + graph_ext)).read_text()
    before = (tmp_path / ('bptt_before.' + graph_ext)).read_text()
    after = (tmp_path / ('bptt_after.' + graph_ext)).read_text()
    assert 'grad norm 4' in diamond and 'grad norm 2' in diamond and 'grad norm 1' in diamond
    # before the cut: three steps (three tanh); after it: only loss, the last h and W, alone
    assert before.count('>tanh<' if graph_ext == 'svg' else '"tanh"') == 3
    assert 'tanh' not in after and 'h3' in after and 'loss' in after and 'W' in after
    if graph_ext == 'dot':
        assert any('not rendered' in line for line in out)
    if _matplotlib_installed():
        assert (tmp_path / 'gradient_flow.png').read_bytes()[:4] == b'\x89PNG'
    else:
        assert any('gradient_flow.png skipped' in line for line in out)


def test_make_figures_writes_dot_text_without_graphviz(tmp_path, monkeypatch):
    make_figures = _load_make_figures()

    def no_dot(self, path, format='svg'):
        raise RuntimeError('the Graphviz `dot` program was not found on PATH')

    monkeypatch.setattr(make_figures.minigrad.graph.ComputationalGraph, 'render', no_dot)
    graph, keep = make_figures.diamond_graph()
    written, notes = [], []
    make_figures._write_graph(graph, str(tmp_path), 'diamond', written, notes)
    assert written == [str(tmp_path / 'diamond.dot')] and not (tmp_path / 'diamond.svg').exists()
    assert (tmp_path / 'diamond.dot').read_text() == graph.dump()
    assert notes == ['%s not rendered (the Graphviz `dot` program was not found on PATH); wrote '
                     'its DOT text to %s' % (tmp_path / 'diamond.svg', tmp_path / 'diamond.dot')]
