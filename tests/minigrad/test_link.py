"""Tests of Link, Chain and ChainList (minigrad/link.py).

Registration inside init_scope (and not outside), paths of namedparams / namedlinks, deletion,
add_param / add_persistent / register_persistent and their errors, cleargrads, the copy modes,
count_params, repr, serialize with a dict-based serializer (lazy parameters included),
copyparams, and moving between devices.
"""

import numpy
import pytest

import minigrad
import minigrad.links as L
from minigrad import initializers
from tests.helpers import cpu


class Leaf(minigrad.Link):
    """A link with one parameter, one lazy parameter and one persistent array."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.W = minigrad.Parameter(initializers.Normal(1.0), (2, 3))
            self.lazy = minigrad.Parameter(initializers.Constant(0.5))
        self.add_persistent('stat', numpy.arange(3, dtype=numpy.float32))
        self.add_persistent('count', 0)

    def forward(self, x):
        return x * 2


class Inner(minigrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.lstm = Leaf()
            self.out = L.Linear(3, 2)


class Outer(minigrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.encoder = Inner()
            self.bias = minigrad.Parameter(numpy.zeros(4, dtype=numpy.float32))
            self.layers = minigrad.ChainList(L.Linear(4, 4), L.Linear(4, 1, nobias=True))


# ---- registration ------------------------------------------------------------------------

def test_init_scope_registers_params_and_children():
    model = Outer()
    names = [name for name, _ in model.namedparams()]
    assert names == ['/bias', '/encoder/lstm/W', '/encoder/lstm/lazy', '/encoder/out/W',
                     '/encoder/out/b', '/layers/0/W', '/layers/0/b', '/layers/1/W']
    assert [p.name for p in model.params()] == [n.rsplit('/', 1)[1] for n in names]
    assert [n for n, _ in model.namedparams(include_uninit=False)] == [
        n for n in names if n != '/encoder/lstm/lazy']
    assert len(list(model.params(include_uninit=False))) == 7
    assert [path for path, _ in model.namedlinks()] == [
        '/', '/encoder', '/encoder/lstm', '/encoder/out', '/layers', '/layers/0', '/layers/1']
    assert [path for path, _ in model.namedlinks(skipself=True)][0] == '/encoder'
    assert [type(link).__name__ for link in model.links()] == [
        'Outer', 'Inner', 'Leaf', 'Linear', 'ChainList', 'Linear', 'Linear']
    assert list(model.children()) == [model.encoder, model.layers]
    assert model.encoder.name == 'encoder' and model.layers[1].name == '1'
    assert model['encoder'] is model.encoder


def test_assignment_outside_init_scope_is_not_registered():
    chain = minigrad.Chain()
    chain.p = minigrad.Parameter(numpy.zeros(2))
    chain.child = L.Linear(2, 2)
    assert list(chain.params()) == [] and list(chain.children()) == []
    assert not chain.within_init_scope
    with chain.init_scope():
        assert chain.within_init_scope
        chain.q = minigrad.Parameter(numpy.zeros(2))
    assert [name for name, _ in chain.namedparams()] == ['/q']


def test_delete_removes_registration():
    model = Outer()
    del model.bias
    del model.encoder.lstm
    names = [name for name, _ in model.namedparams()]
    assert '/bias' not in names and not any(n.startswith('/encoder/lstm') for n in names)
    assert not hasattr(model, 'bias')
    leaf = Leaf()
    del leaf.stat
    ser = {}
    leaf.serialize(_Saver(ser))
    assert 'stat' not in ser and 'count' in ser


def test_chain_kwargs_add_link_and_errors():
    a, b = L.Linear(2, 3), L.Linear(3, 1)
    chain = minigrad.Chain(l1=a)
    chain.add_link('l2', b)
    assert list(chain.children()) == [a, b] and b.name == 'l2'
    with pytest.raises(AttributeError, match="cannot register a new link 'l1'"):
        chain.add_link('l1', L.Linear(1, 1))
    with pytest.raises(AttributeError, match="cannot register a new link 'l2'"):
        with chain.init_scope():
            chain.l2 = L.Linear(1, 1)
    with pytest.raises(TypeError, match="'l3' must be a Link, got int"):
        chain.add_link('l3', 3)


def test_chainlist():
    cl = minigrad.ChainList(L.Linear(2, 3))
    cl.append(L.Linear(3, 4))
    cl.add_link(L.Linear(4, 5))
    assert len(cl) == 3 and [l.out_size for l in cl] == [3, 4, 5]
    assert cl[-1].out_size == 5 and cl[1].name == '1'
    assert [n for n, _ in cl.namedparams()][-2:] == ['/2/W', '/2/b']
    with pytest.raises(TypeError, match='append'):
        with cl.init_scope():
            cl.extra = L.Linear(1, 1)
    with pytest.raises(TypeError, match='expected a Link, got str'):
        cl.append('layer')


def test_forgotten_super_init_is_explained():
    class Broken(minigrad.Chain):
        def __init__(self):
            with self.init_scope():
                self.l1 = L.Linear(2, 2)

    with pytest.raises(AttributeError, match=r'call super\(\).__init__\(\) at the start'):
        Broken()
    with pytest.raises(AttributeError, match="'Link' object has no attribute 'missing'"):
        minigrad.Link().missing


def test_call_runs_forward():
    leaf = Leaf()
    assert leaf(3) == 6
    with pytest.raises(NotImplementedError, match='Chain defines no forward'):
        minigrad.Chain()(1)


# ---- add_param / add_persistent ----------------------------------------------------------

def test_add_param():
    link = minigrad.Link()
    link.add_param('W', (2, 3))
    link.add_param('b', 3, initializer=0.0)
    link.add_param('v', (2,), dtype=numpy.float64, initializer=initializers.One())
    link.add_param('late')
    value = numpy.arange(3.)
    link.add_param('given', value)
    assert link.given.array is value and link.given.name == 'given'
    assert numpy.isnan(link.W.array).all() and link.W.shape == (2, 3)
    assert (link.b.array == 0).all() and link.b.dtype == numpy.float32
    assert link.v.dtype == numpy.float64 and (link.v.array == 1).all()
    assert link.late.array is None
    assert [n for n, _ in link.namedparams()] == ['/W', '/b', '/v', '/late', '/given']
    with pytest.raises(AttributeError, match="cannot register a new parameter 'W'"):
        link.add_param('W', (1,))
    with pytest.raises(TypeError, match='initializer must be .* got str'):
        link.add_param('c', (1,), initializer='zeros')


def test_add_persistent_and_type_errors():
    link = minigrad.Link()
    link.add_persistent('a', numpy.zeros(3))
    link.add_persistent('n', 5)
    link.add_persistent('f', numpy.float32(0.5))
    link.add_persistent('later', None)
    with pytest.raises(TypeError, match="persistent value 's' must be an array, a number or "
                                        "None, got str"):
        link.add_persistent('s', 'text')
    with pytest.raises(TypeError, match='got list'):
        link.add_persistent('lst', [1, 2])
    with pytest.raises(TypeError, match='got Variable; a trained value is a Parameter'):
        link.add_persistent('v', minigrad.Variable(numpy.zeros(1)))
    with pytest.raises(AttributeError, match="cannot register a new persistent value 'a'"):
        link.add_persistent('a', 1)
    link.existing = 3
    link.register_persistent('existing')
    link.bad = object()
    with pytest.raises(TypeError, match="'bad' must be an array"):
        link.register_persistent('bad')
    with pytest.raises(AttributeError, match='no such attribute'):
        link.register_persistent('missing')
    saved = {}
    link.serialize(_Saver(saved))
    assert sorted(saved) == ['a', 'existing', 'f', 'later', 'n']


def test_cleargrads_and_zerograds():
    model = Outer()
    for p in model.params(include_uninit=False):
        p.grad = numpy.ones_like(p.array)
    model.zerograds()
    assert all((p.grad == 0).all() for p in model.params(include_uninit=False))
    model.cleargrads()
    assert all(p.grad is None for p in model.params())


# ---- copies ------------------------------------------------------------------------------

def _arrays(link):
    return {n: p.array for n, p in link.namedparams()}


def test_copy_share():
    model = Outer()
    model.encoder.lstm.W.grad = numpy.ones((2, 3), dtype=numpy.float32)
    c = model.copy()
    assert c.name is None and c is not model
    for (n, p), (n2, q) in zip(model.namedparams(), c.namedparams()):
        assert n == n2 and p is not q and p.array is q.array and p.name == q.name
        assert q.grad is None
    assert c.encoder is not model.encoder and c.encoder.name == 'encoder'
    assert c.layers[0] is not model.layers[0] and c.layers[0].name == '0'
    assert c.encoder.lstm.stat is model.encoder.lstm.stat
    model.encoder.out.W.array[0, 0] = 42.0      # shared arrays: the copy sees it
    assert c.encoder.out.W.array[0, 0] == 42.0
    with c.init_scope():                         # registrations are independent
        c.extra = minigrad.Parameter(numpy.zeros(1))
    assert '/extra' not in dict(model.namedparams())


def test_copy_copy():
    model = Outer()
    model.encoder.lstm.W.grad = numpy.full((2, 3), 3, dtype=numpy.float32)
    c = model.copy(mode='copy')
    for (n, p), (_, q) in zip(model.namedparams(), c.namedparams()):
        assert p is not q
        if p.array is None:
            assert q.array is None
        else:
            assert p.array is not q.array
            numpy.testing.assert_array_equal(p.array, q.array)
    numpy.testing.assert_array_equal(c.encoder.lstm.W.grad, 3)
    assert c.encoder.lstm.W.grad is not model.encoder.lstm.W.grad
    assert c.encoder.lstm.stat is not model.encoder.lstm.stat
    numpy.testing.assert_array_equal(c.encoder.lstm.stat, model.encoder.lstm.stat)
    model.encoder.out.W.array[...] = 0
    assert (c.encoder.out.W.array != 0).any()


def test_copy_init():
    model = Outer()
    model.encoder.out.b.array[...] = 7
    c = model.copy(mode='init')
    W0, W1 = model.encoder.lstm.W, c.encoder.lstm.W
    assert W1.shape == W0.shape and W1.dtype == W0.dtype
    assert not numpy.allclose(W0.array, W1.array)           # re-drawn from Normal(1.0)
    assert abs(W1.array).max() > 0.1
    numpy.testing.assert_array_equal(c.encoder.out.b.array, 0)   # bias re-initialised to 0
    assert c.bias.array is not model.bias.array             # made from an array: copied
    numpy.testing.assert_array_equal(c.bias.array, model.bias.array)
    assert c.encoder.lstm.lazy.array is None
    assert c.encoder.lstm.stat is not model.encoder.lstm.stat
    with pytest.raises(ValueError, match="mode must be 'share', 'copy' or 'init'"):
        model.copy(mode='deep')


def test_copyparams():
    a, b = Outer(), Outer()
    a.encoder.lstm.stat[...] = 9
    a.encoder.lstm.count = 4
    b.copyparams(a)
    for (_, p), (_, q) in zip(a.namedparams(), b.namedparams()):
        if p.array is not None:
            assert p.array is not q.array
            numpy.testing.assert_array_equal(p.array, q.array)
    numpy.testing.assert_array_equal(b.encoder.lstm.stat, 9)
    assert b.encoder.lstm.count == 4
    with pytest.raises(ValueError, match='Chain has no parameter /bias'):
        b.copyparams(minigrad.Chain())
    other = Outer()
    del other.encoder
    with pytest.raises(ValueError, match='Outer has no link /encoder'):
        b.copyparams(other)


def test_copyparams_checks_every_shape_before_copying():
    src = minigrad.ChainList(L.Linear(3, 2), L.Linear(3, 2))
    dst = minigrad.ChainList(L.Linear(3, 2), L.Linear(4, 2))
    before = [p.array.copy() for p in dst.params()]
    with pytest.raises(ValueError, match=r'copyparams: parameter /1/W has shape \(2, 4\) here '
                                         r'and \(2, 3\) in ChainList'):
        dst.copyparams(src)
    for p, old in zip(dst.params(), before):           # the first child was not copied either
        numpy.testing.assert_array_equal(p.array, old)


# ---- counting and printing ---------------------------------------------------------------

def test_count_params():
    model = Outer()
    # bias 4, W 6, Linear(3, 2) 8, Linear(4, 4) 20, Linear(4, 1, nobias) 4
    with pytest.warns(UserWarning, match='/encoder/lstm/lazy is not initialized'):
        assert model.count_params() == 4 + 6 + 8 + 20 + 4
    model.encoder.lstm.lazy.initialize((5,))
    assert model.count_params() == 42 + 5


def test_repr():
    model = Outer()
    expected = '\n'.join([
        'Outer(',
        '  bias: (4,) float32',
        '  (encoder): Inner(',
        '    (lstm): Leaf() {W: (2, 3) float32, lazy: uninitialized}',
        '    (out): Linear(in_size=3, out_size=2, nobias=False) '
        '{W: (2, 3) float32, b: (2,) float32}',
        '  )',
        '  (layers): ChainList(',
        '    (0): Linear(in_size=4, out_size=4, nobias=False) '
        '{W: (4, 4) float32, b: (4,) float32}',
        '    (1): Linear(in_size=4, out_size=1, nobias=True) {W: (1, 4) float32}',
        '  )',
        ')'])
    assert repr(model) == expected
    assert repr(minigrad.Chain()) == 'Chain()'
    assert repr(minigrad.Link()) == 'Link()'


# ---- serialization -----------------------------------------------------------------------

class _Saver:
    """Chainer's serializer protocol, writing into a dict with '/'-joined keys."""

    def __init__(self, target, prefix=''):
        self.target = target
        self.prefix = prefix

    def __getitem__(self, name):
        return _Saver(self.target, self.prefix + name + '/')

    def __call__(self, key, value):
        self.target[self.prefix + key] = None if value is None else numpy.array(cpu(value))
        return value


class _Loader(_Saver):
    def __getitem__(self, name):
        return _Loader(self.target, self.prefix + name + '/')

    def __call__(self, key, value):
        data = self.target[self.prefix + key]
        if value is None:
            return data
        if isinstance(value, numpy.ndarray):
            numpy.copyto(value, data)
            return value
        return type(value)(data)


def test_serialize_roundtrip_with_lazy_params():
    src = Outer()
    src.encoder.lstm.lazy.initialize((3,))
    src.encoder.lstm.lazy.array[...] = [1, 2, 3]
    src.encoder.lstm.stat[...] = [5, 6, 7]
    src.encoder.lstm.count = 11
    saved = {}
    src.serialize(_Saver(saved))
    assert 'encoder/lstm/W' in saved and 'layers/1/W' in saved and 'bias' in saved
    assert 'layers/1/b' not in saved
    dst = Outer()
    assert dst.encoder.lstm.lazy.array is None
    stat = dst.encoder.lstm.stat
    dst.serialize(_Loader(saved))
    for (n, p), (_, q) in zip(src.namedparams(), dst.namedparams()):
        numpy.testing.assert_array_equal(p.array, q.array)
    assert dst.encoder.lstm.lazy.dtype == numpy.float32
    assert dst.encoder.lstm.stat is stat                 # loaded in place
    numpy.testing.assert_array_equal(stat, [5, 6, 7])
    assert dst.encoder.lstm.count == 11 and type(dst.encoder.lstm.count) is int


def test_serialize_saves_uninitialized_as_none():
    saved = {}
    L.Linear(None, 3).serialize(_Saver(saved))
    assert saved['W'] is None and saved['b'].shape == (3,)


# ---- devices -----------------------------------------------------------------------------

def test_to_cpu_and_xp():
    model = Outer()
    assert model.xp is numpy
    assert model.to_cpu() is model
    assert all(type(p.array) is numpy.ndarray for p in model.params(include_uninit=False))


def test_to_gpu_and_back(xp):
    if xp is numpy:
        pytest.skip('the GPU round trip runs with the cupy parameter only')
    model = Outer()
    W = model.encoder.out.W.array.copy()
    model.to_gpu()
    assert model.xp is xp and model.encoder.lstm.xp is xp
    assert all(type(p.array) is xp.ndarray for p in model.params(include_uninit=False))
    assert type(model.encoder.lstm.stat) is xp.ndarray
    assert model.encoder.lstm.count == 0
    y = model.encoder.out(xp.ones((2, 3), dtype=numpy.float32))
    assert type(y.array) is xp.ndarray
    lazy = L.Linear(None, 2).to_gpu()
    lazy(xp.ones((1, 3), dtype=numpy.float32))
    assert type(lazy.W.array) is xp.ndarray
    model.to_cpu()
    assert model.xp is numpy and type(model.encoder.lstm.stat) is numpy.ndarray
    numpy.testing.assert_array_equal(model.encoder.out.W.array, W)


# ---- a link used twice (tied weights) ---------------------------------------------------------
class _Tied(minigrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.enc = L.Linear(2, 2, initialW=numpy.eye(2, dtype=numpy.float32))
            self.dec = self.enc

    def forward(self, x):
        return self.dec(minigrad.functions.relu(self.enc(x)))


def _tied_models():
    tied = _Tied()
    shared = L.Linear(2, 2, initialW=numpy.eye(2, dtype=numpy.float32))
    seq = L.Sequential(shared, minigrad.functions.relu, shared)
    chain_list = minigrad.ChainList(shared, shared)
    return [(tied, tied.enc, '/enc'), (seq, shared, '/0'), (chain_list, shared, '/0')]


@pytest.mark.parametrize('index', range(3))
def test_a_link_used_twice_is_traversed_once(index):
    model, shared, path = _tied_models()[index]
    assert [name for name, _ in model.namedparams()] == [path + '/W', path + '/b']
    assert list(model.params()) == [shared.W, shared.b]
    assert [p for _, p in model.namedparams()] == list(model.params())
    assert list(model.links()).count(shared) == 1
    assert [name for name, _ in model.namedlinks()] == ['/', path]
    assert model.count_params() == 6


@pytest.mark.parametrize('optimizer', ['SGD', 'Adam'])
def test_a_tied_weight_is_updated_once_per_step(optimizer):
    from minigrad import optimizers
    model = _Tied()
    opt = getattr(optimizers, optimizer)(0.1).setup(model)
    model.cleargrads()
    minigrad.functions.sum(model(numpy.ones((1, 2), numpy.float32))).backward()
    W0, g = model.enc.W.array.copy(), model.enc.W.grad.copy()
    opt.update()
    if optimizer == 'SGD':
        numpy.testing.assert_allclose(model.enc.W.array, W0 - 0.1 * g, rtol=1e-6)
    else:
        # Adam's first step moves each element by alpha (times sign(g)), whatever its size
        assert model.enc.W.update_rule.t == 1
        numpy.testing.assert_allclose(model.enc.W.array, W0 - 0.1 * numpy.sign(g), rtol=1e-4)


# ---- Parameter initializers and registration names (Chainer's rules) ---------------------------
def test_parameter_with_a_shape_fills_it_from_an_array_or_number_in_its_own_dtype():
    # the array used to become the data whatever the shape, and a NumPy scalar set the dtype
    p = minigrad.Parameter(numpy.ones(3), (2, 3))
    assert p.shape == (2, 3) and p.dtype == numpy.float32
    numpy.testing.assert_array_equal(p.array, numpy.ones((2, 3)))
    assert minigrad.Parameter(numpy.array(0.5), (3,)).shape == (3,)
    assert minigrad.Parameter(numpy.float64(0.5), (3,)).dtype == numpy.float32
    assert minigrad.Parameter(numpy.float16(1), (3,), dtype=numpy.float64).dtype == numpy.float64
    link = minigrad.Link()
    link.add_param('W', (2, 3), initializer=numpy.ones(3))
    assert link.W.shape == (2, 3) and link.W.dtype == numpy.float32
    a = numpy.arange(3.0)
    assert minigrad.Parameter(a).array is a                 # no shape: the array is the data


def test_zerograd_before_initialize_gives_zeros_once_the_data_exists():
    p = minigrad.Parameter(initializers.Normal())
    p.zerograd()
    assert p.grad is None
    p.initialize((2,))
    numpy.testing.assert_array_equal(p.grad, numpy.zeros(2, numpy.float32))
    minigrad.functions.sum(p * p).backward()              # (it crashed on an object array)
    numpy.testing.assert_allclose(p.grad, 2 * p.array)


@pytest.mark.parametrize('name', ['children', 'xp', 'params', 'namedlinks'])
def test_a_link_cannot_take_the_name_of_a_method_or_property(name):
    chain = minigrad.Chain()
    with pytest.raises(AttributeError, match="Chain: cannot register '%s': the class has an "
                                             'attribute of that name' % name):
        with chain.init_scope():
            setattr(chain, name, L.Linear(1, 1))
    assert list(chain.namedlinks()) == [('/', chain)]      # nothing left half-registered
    with pytest.raises(AttributeError, match="cannot register '%s'" % name):
        minigrad.Link().add_param(name, (2,))


def test_parameter_str_is_its_repr():
    p = minigrad.Parameter(numpy.zeros(2, numpy.float32), name='W')
    assert str(p) == repr(p) and str(p).startswith('parameter W(')


@pytest.mark.parametrize('mode', ['share', 'copy', 'init'])
def test_copy_keeps_tied_weights_tied(mode):
    # each child used to be copied on its own, so the copy of a tied model was not tied
    model = _Tied()
    shared_param = minigrad.Parameter(numpy.ones(2, numpy.float32))
    chain_list = minigrad.ChainList(minigrad.Link(), minigrad.Link())
    for link in chain_list:
        with link.init_scope():
            link.p = shared_param
    seq = L.Sequential(model.enc, minigrad.functions.relu, model.enc)
    for original, tied in ((model, lambda c: c.enc is c.dec),
                           (chain_list, lambda c: c[0].p is c[1].p),
                           (seq, lambda c: c[0] is c[2])):
        c = original.copy(mode)
        assert tied(c)
        assert c.count_params() == original.count_params()
        assert [n for n, _ in c.namedparams()] == [n for n, _ in original.namedparams()]
    assert (model.copy(mode).enc.W.array is model.enc.W.array) == (mode == 'share')


def test_a_class_level_default_can_be_replaced_by_a_child_or_parameter():
    class Net(minigrad.Chain):
        decoder = None
        W = None

        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.decoder = L.Linear(2, 2)
                self.W = minigrad.Parameter(numpy.zeros(2, numpy.float32))

    assert [n for n, _ in Net().namedparams()] == ['/W', '/decoder/W', '/decoder/b']


def test_copyparams_and_addgrads_from_a_tied_model_into_an_untied_twin():
    class M(minigrad.Chain):
        def __init__(self, tie):
            super().__init__()
            with self.init_scope():
                self.enc = L.Linear(2, 2)
                self.dec = self.enc if tie else L.Linear(2, 2)

    src, dst = M(True), M(False)
    dst.copyparams(src)
    numpy.testing.assert_array_equal(dst.dec.W.array, src.enc.W.array)
    src.enc.W.grad = numpy.ones((2, 2), numpy.float32)
    dst.cleargrads()
    dst.addgrads(src)
    numpy.testing.assert_array_equal(dst.dec.W.grad, numpy.ones((2, 2)))


def test_repeat_keeps_the_links_own_name():
    class M(minigrad.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.fc = L.Linear(2, 2)

    m = M()
    m.fc.repeat(2)
    assert m.fc.name == 'fc'
