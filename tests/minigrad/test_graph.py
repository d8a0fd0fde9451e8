"""Tests of minigrad.graph: the walked graph, its DOT text, and rendering with Graphviz."""

import re
import shutil
import sys

import numpy
import pytest

import minigrad
from minigrad import backend
from minigrad.graph import ComputationalGraph, build_computational_graph

_NODE = re.compile(r'^\s*(\w+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$')
_EDGE = re.compile(r'^\s*(\w+) -> (\w+);$')


def _parse(dot):
    """({id: label}, [(src id, dst id)]) of a DOT text written by dump()."""
    labels, edges = {}, []
    for line in dot.splitlines():
        m = _NODE.match(line)
        if m:
            labels[m.group(1)] = m.group(2)
            continue
        m = _EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2)))
    return labels, edges


def _id_of(labels, label):
    found = [k for k, v in labels.items() if v == label]
    assert len(found) == 1, (label, labels)
    return found[0]


def _affine(xp, dtype=numpy.float32):
    rs = numpy.random.RandomState(0)
    x = minigrad.Variable(xp.asarray(rs.uniform(-1, 1, (2, 3)).astype(dtype)), name='x')
    w = minigrad.Variable(xp.asarray(rs.uniform(-1, 1, (2, 3)).astype(dtype)), name='w')
    b = minigrad.Variable(xp.asarray(rs.uniform(-1, 1, (3,)).astype(dtype)), name='b')
    y = x * w + b
    y.name = 'y'
    return x, w, b, y


def test_affine_nodes_and_edges(xp):
    x, w, b, y = _affine(xp)
    labels, edges = _parse(build_computational_graph(y).dump())
    funcs = sorted(v for k, v in labels.items() if k.startswith('f'))
    assert funcs == ['add', 'mul']
    assert len([k for k in labels if k.startswith('v')]) == 5      # x, w, b, x*w, y
    vx = _id_of(labels, r'x\n(2, 3) float32')
    vw = _id_of(labels, r'w\n(2, 3) float32')
    vb = _id_of(labels, r'b\n(3,) float32')
    vh = _id_of(labels, '(2, 3) float32')                         # the unnamed x * w
    vy = _id_of(labels, r'y\n(2, 3) float32')
    fmul = _id_of(labels, 'mul')
    fadd = _id_of(labels, 'add')
    # edges run input -> function -> output, never backwards
    assert sorted(edges) == sorted([(vx, fmul), (vw, fmul), (fmul, vh),
                                    (vh, fadd), (vb, fadd), (fadd, vy)])


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float64])
def test_shape_and_dtype_text(xp, dtype):
    x = minigrad.Variable(xp.ones((4, 1, 2), dtype=dtype), name='h')
    dot = build_computational_graph(minigrad.functions.sum(x)).dump()
    assert r'label="h\n(4, 1, 2) %s"' % numpy.dtype(dtype).name in dot
    assert 'label="() %s"' % numpy.dtype(dtype).name in dot
    assert 'label="sum"' in dot


def test_show_grad_shows_the_l2_norm(xp):
    x, w, b, y = _affine(xp, numpy.float64)
    loss = minigrad.functions.sum(y * y)
    loss.backward()
    # independent reference: d/dx sum((x*w + b)^2) = 2 (x*w + b) w
    xa, wa, ba = (backend.to_cpu(v.array) for v in (x, w, b))
    expected = numpy.sqrt(((2 * (xa * wa + ba) * wa) ** 2).sum())
    labels, _ = _parse(build_computational_graph(loss, show_grad=True).dump())
    x_label = [v for v in labels.values() if v.startswith('x\\n')][0]
    assert x_label == r'x\n(2, 3) float64\ngrad norm %.3g' % expected
    # y is intermediate: no .grad without retain_grad, so no norm is shown
    assert [v for v in labels.values() if v.startswith('y\\n')] == [r'y\n(2, 3) float64']
    assert 'grad norm' not in build_computational_graph(loss).dump()


def test_show_grad_of_intermediate_with_retain_grad():
    x = minigrad.Variable(numpy.array([3.0, 4.0]), name='x')
    h = x * 2.0
    h.name = 'h'
    minigrad.functions.sum(h).backward(retain_grad=True)
    dot = build_computational_graph(h, show_grad=True).dump()
    assert r'h\n(2,) float64\ngrad norm %.3g' % numpy.sqrt(2.0) in dot
    assert r'x\n(2,) float64\ngrad norm %.3g' % numpy.sqrt(8.0) in dot


def test_quotes_and_backslashes_are_escaped():
    x = minigrad.Variable(numpy.ones(2), name='say "hi"\\')
    dot = build_computational_graph(x * 2.0).dump()
    assert r'label="say \"hi\"\\\n(2,) float64"' in dot
    labels, _ = _parse(dot)
    assert len(labels) == 3


def test_single_variable_list_and_tuple_agree():
    x, w, b, y = _affine(numpy)
    g1 = build_computational_graph(y).dump()
    assert build_computational_graph([y]).dump() == g1
    assert build_computational_graph((y,)).dump() == g1
    assert build_computational_graph(y.node).dump() == g1


def test_several_outputs_share_their_graph():
    x = minigrad.Variable(numpy.ones(3), name='x')
    h = minigrad.functions.exp(x)
    a = h * 2.0
    c = minigrad.functions.log(h)
    labels, edges = _parse(build_computational_graph([a, c]).dump())
    assert sorted(v for k, v in labels.items() if k.startswith('f')) == ['exp', 'log', 'mul']
    fexp = _id_of(labels, 'exp')
    assert len([e for e in edges if e[0] == fexp]) == 1       # exp's output drawn once


def test_reused_variable_gives_two_edges():
    x = minigrad.Variable(numpy.ones(3), name='x')
    labels, edges = _parse(build_computational_graph(x * x).dump())
    vx, fmul = _id_of(labels, r'x\n(3,) float64'), _id_of(labels, 'mul')
    assert edges.count((vx, fmul)) == 2


def test_output_is_deterministic():
    dumps = []
    for _ in range(2):
        x, w, b, y = _affine(numpy)
        dumps.append(build_computational_graph(y).dump())
        assert build_computational_graph(y).dump() == dumps[-1]
    assert dumps[0] == dumps[1]             # ids depend on the graph, not on memory addresses
    assert dumps[0].index('v0 [') < dumps[0].index('f0 [')


def test_deep_graph_needs_no_recursion():
    x = minigrad.Variable(numpy.ones(1), name='x')
    y = x
    depth = sys.getrecursionlimit() + 500
    for _ in range(depth):
        y = y + 1.0
    g = build_computational_graph(y)
    assert sum(1 for n in g.nodes if isinstance(n, minigrad.Function)) == depth
    assert len(g.edges) == 2 * depth
    assert g.dump().count(' -> ') == 2 * depth


def test_leaf_alone_and_unchained_graph():
    x = minigrad.Variable(numpy.ones(2), name='x')
    labels, edges = _parse(build_computational_graph(x).dump())
    assert list(labels.values()) == [r'x\n(2,) float64'] and edges == []
    y = minigrad.functions.exp(x) * 3.0
    y.unchain_backward()
    labels, edges = _parse(build_computational_graph(y).dump())
    assert len(labels) == 1 and edges == []


def test_styles_and_rankdir():
    x = minigrad.Variable(numpy.ones(2), name='x')
    dot = build_computational_graph(x * 2.0, rankdir='LR', variable_style={'shape': 'box'},
                                    function_style={'color': 'red'}).dump()
    assert 'rankdir=LR;' in dot
    assert r'v0 [label="x\n(2,) float64", shape="box"];' in dot
    assert 'f0 [label="mul", color="red"];' in dot


def test_bad_arguments():
    x = minigrad.Variable(numpy.ones(2))
    with pytest.raises(ValueError, match="rankdir must be one of TB, BT, LR, RL, got 'XY'"):
        build_computational_graph(x, rankdir='XY')
    with pytest.raises(TypeError, match='outputs must be a Variable or a list'):
        build_computational_graph(numpy.ones(2))
    with pytest.raises(TypeError, match=r'outputs\[1\] must be a Variable, got ndarray'):
        build_computational_graph([x, numpy.ones(2)])
    with pytest.raises(TypeError, match='variable_style must be a dict'):
        build_computational_graph(x, variable_style='red')
    g = build_computational_graph(x)
    with pytest.raises(ValueError, match="format must be 'dot'"):
        g.dump('png')
    with pytest.raises(ValueError, match='format must be one of svg, png, pdf'):
        g.render('out.gif', format='gif')


@pytest.mark.skipif(shutil.which('dot') is None,
                    reason='Graphviz `dot` program not on PATH (apt-get install graphviz)')
@pytest.mark.parametrize('fmt, magic', [('svg', b'<svg'), ('png', b'\x89PNG')])
def test_render_with_dot(tmp_path, fmt, magic):
    pytest.importorskip('graphviz', reason='graphviz package missing (pip install graphviz)')
    x, w, b, y = _affine(numpy)
    path = tmp_path / ('graph.' + fmt)
    assert build_computational_graph(y).render(path, format=fmt) == path
    data = path.read_bytes()
    assert magic in data[:400]
    if fmt == 'svg':
        text = data.decode()
        assert '>mul<' in text and '>add<' in text and '(2, 3) float32' in text


def test_render_takes_the_format_from_the_suffix(tmp_path):
    # render('graph.png') used to write SVG bytes into the .png file
    pytest.importorskip('graphviz', reason='graphviz package missing (pip install graphviz)')
    g = build_computational_graph(_affine(numpy)[-1])
    try:
        g.render(tmp_path / 'probe.svg')
    except RuntimeError:
        pytest.skip('the Graphviz dot program is not installed')
    for name, magic in (('g.png', b'\x89PNG'), ('g.PDF', b'%PDF'), ('g.svg', b'<svg'),
                        ('g.dot', b'<svg')):          # another suffix: SVG
        g.render(tmp_path / name)
        assert magic in (tmp_path / name).read_bytes()[:400], name
    with pytest.raises(ValueError, match="format 'svg' does not match the file name"):
        g.render(tmp_path / 'h.png', format='svg')
    assert not (tmp_path / 'h.png').exists()


def test_render_without_graphviz_package_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, 'graphviz', None)       # import graphviz now fails
    g = build_computational_graph(minigrad.Variable(numpy.ones(2)) * 2.0)
    with pytest.raises(ImportError, match=r'pip install "minigrad\[viz\]".*apt-get install'):
        g.render(tmp_path / 'g.svg')
    assert not (tmp_path / 'g.svg').exists()


def test_render_without_dot_program_says_how_to_install(monkeypatch, tmp_path):
    pytest.importorskip('graphviz', reason='graphviz package missing (pip install graphviz)')
    monkeypatch.setenv('PATH', str(tmp_path))                 # no `dot` on this PATH
    g = build_computational_graph(minigrad.Variable(numpy.ones(2)) * 2.0)
    with pytest.raises(RuntimeError, match='`dot` program was not found.*apt-get install'):
        g.render(tmp_path / 'g.svg')


def test_graph_object_attributes():
    x = minigrad.Variable(numpy.ones(2), name='x')
    y = minigrad.functions.exp(x)
    g = build_computational_graph(y)
    assert isinstance(g, ComputationalGraph)
    assert g.nodes[0] is x.node and g.nodes[-1] is y.node
    assert g.edges == [(x.node, y.creator), (y.creator, y.node)]
