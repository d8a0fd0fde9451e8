"""Tests of minigrad.serializers: NPZ round trips, refusals, all-or-nothing loads, atomic writes.

Most tests use small fake objects with a ``serialize(serializer)`` method (the whole protocol);
the last ones save and load a real Link and an Adam optimizer.
"""

import doctest
import io
import os
import pathlib
import zipfile

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import backend, serializers
from minigrad.serializers import (
    DictionarySerializer,
    NpzDeserializer,
    SerializationError,
    load_npz,
    save_npz,
)
from minigrad.serializers import npz as npz_module


class Leaf:
    """Arrays of several dtypes, Python and NumPy scalars, a str and a lazy (None) value."""

    def __init__(self, seed, lazy=False):
        rs = numpy.random.RandomState(seed)
        self.w16 = rs.randn(2, 3).astype(numpy.float16)
        self.w32 = rs.randn(4).astype(numpy.float32)
        self.w64 = rs.randn(3, 1, 2)
        self.idx = rs.randint(0, 100, (5,)).astype(numpy.int32)
        self.mask = rs.rand(3) > 0.5
        self.zero_d = numpy.asarray(rs.randn())
        self.count = int(rs.randint(1000))
        self.lr = float(rs.rand())
        self.flag = bool(seed % 2)
        self.label = 'leaf%d' % seed
        self.beta = numpy.float32(rs.rand())
        self.lazy = rs.randn(2, 2).astype(numpy.float32) if lazy else None

    def serialize(self, serializer):
        for name in ('w16', 'w32', 'w64', 'idx', 'mask', 'zero_d'):
            serializer(name, getattr(self, name))       # arrays: loaded in place
        for name in ('count', 'lr', 'flag', 'label', 'beta'):
            setattr(self, name, serializer(name, getattr(self, name)))
        lazy = serializer('lazy', self.lazy)
        if self.lazy is None and lazy is not None:      # initialise from the loaded array
            self.lazy = lazy


class Tree:
    """A root with a scalar, two leaves and a nested sub-tree: keys like 'sub/left/w32'."""

    def __init__(self, seed, lazy=False, depth=1):
        self.step = seed * 10
        self.left = Leaf(seed, lazy)
        self.right = Leaf(seed + 1, lazy)
        self.sub = Tree(seed + 2, lazy, depth - 1) if depth > 0 else None

    def serialize(self, serializer):
        self.step = serializer('step', self.step)
        self.left.serialize(serializer['left'])
        self.right.serialize(serializer['/right/'])     # slashes around a name are dropped
        if self.sub is not None:
            self.sub.serialize(serializer['sub'])


class Wrapper:
    """Puts an object under a path, as a trainer snapshot puts the model under 'updater/...'."""

    def __init__(self, obj, *names):
        self.obj, self.names = obj, names

    def serialize(self, serializer):
        for name in self.names:
            serializer = serializer[name]
        self.obj.serialize(serializer)


class Items:
    """Serializes a dict of name -> value (handy to build files with chosen contents)."""

    def __init__(self, **items):
        self.items = items

    def serialize(self, serializer):
        for key, value in self.items.items():
            self.items[key] = serializer(key, value)


def snapshot(obj):
    """key -> (type, dtype, shape, bytes) of everything obj serializes: bit-exact comparisons."""
    s = DictionarySerializer()
    obj.serialize(s)
    # the saver keeps arrays by reference: copy the bytes now
    return {k: (v.dtype, v.shape, v.tobytes()) for k, v in s.target.items()}


def python_types(obj):
    """key -> type of the values obj holds (the saver sees the objects themselves)."""
    types = {}

    class Spy:
        def __init__(self, path=''):
            self.path = path

        def __getitem__(self, key):
            return Spy(self.path + key.strip('/') + '/')

        def __call__(self, key, value):
            types[self.path + key] = type(value)
            return value

    obj.serialize(Spy())
    return types


def save_bytes(obj, compression=True):
    buf = io.BytesIO()
    save_npz(buf, obj, compression=compression)
    return buf.getvalue()


def no_temp_files(folder):
    return [name for name in os.listdir(folder) if name.endswith('.tmp')] == []


# ---- round trips --------------------------------------------------------------------------

@pytest.mark.parametrize('compression', [True, False])
@pytest.mark.parametrize('kind', ['str', 'pathlib', 'file object'])
def test_round_trip(tmp_path, compression, kind):
    source = Tree(0, lazy=True)
    target = Tree(7, lazy=False)           # other values; its lazy values are uninitialised
    w32 = target.sub.left.w32
    if kind == 'file object':
        buf = io.BytesIO()
        save_npz(buf, source, compression=compression)
        buf.seek(0)
        load_npz(buf, target)
    else:
        path = tmp_path / 'tree.npz'
        path = str(path) if kind == 'str' else path
        save_npz(path, source, compression=compression)
        load_npz(path, target)
    assert snapshot(target) == snapshot(source)
    assert python_types(target) == python_types(source)   # int stays int, float32 stays float32
    assert target.sub.left.w32 is w32                      # arrays are loaded in place
    assert target.left.lazy.dtype == numpy.float32         # lazy values took the file's array
    assert target.left.lazy is not source.left.lazy


def test_round_trip_scalar_types():
    source = Items(i=3, f=0.25, b=True, c=1 + 2j, s='héllo', n16=numpy.float16(1.5),
                   n64=numpy.int64(-4), u8=numpy.uint8(200))
    target = Items(i=0, f=0.0, b=False, c=0j, s='', n16=numpy.float16(0), n64=numpy.int64(0),
                   u8=numpy.uint8(0))
    buf = io.BytesIO(save_bytes(source))
    load_npz(buf, target)
    for key, value in source.items.items():
        assert type(target.items[key]) is type(value), key
        assert target.items[key] == value, key


def test_round_trip_on_device(xp):
    source = Items(w=xp.asarray(numpy.arange(6, dtype=numpy.float32).reshape(2, 3)), n=3)
    target = Items(w=xp.zeros((2, 3), dtype=numpy.float32), n=0, lazy=None)
    w = target.items['w']
    load_npz(io.BytesIO(save_bytes(source)), target)
    assert target.items['w'] is w                          # loaded in place, on its device
    assert type(w) is type(source.items['w'])
    numpy.testing.assert_array_equal(backend.to_cpu(w), numpy.arange(6).reshape(2, 3))
    assert target.items['n'] == 3 and target.items['lazy'] is None


def test_compression_makes_smaller_files():
    tree = Items(zeros=numpy.zeros(10000, dtype=numpy.float32))
    assert len(save_bytes(tree, compression=True)) < len(save_bytes(tree, compression=False)) / 10


def test_save_adds_no_suffix(tmp_path):
    save_npz(tmp_path / 'model', Leaf(0))
    assert os.listdir(tmp_path) == ['model']


def test_none_is_not_stored_and_stays_none():
    source = Leaf(0, lazy=False)
    s = DictionarySerializer()
    source.serialize(s)
    assert 'lazy' not in s.target                    # documented: None is left out
    target = Leaf(1, lazy=False)
    load_npz(io.BytesIO(save_bytes(source)), target)
    assert target.lazy is None


def test_none_saved_but_target_initialised():
    data = save_bytes(Leaf(0, lazy=False))
    target = Leaf(1, lazy=True)
    before = snapshot(target)
    with pytest.raises(SerializationError, match=r"missing from the file \(1\): lazy"):
        load_npz(io.BytesIO(data), target)
    assert snapshot(target) == before
    load_npz(io.BytesIO(data), target, strict=False)  # non-strict: the initialised value stays
    assert snapshot(target)['lazy'] == before['lazy']
    assert snapshot(target)['w32'] == snapshot(Leaf(0))['w32']


def test_dictionary_serializer_paths():
    s = DictionarySerializer(path='root/')
    Tree(0, depth=0).serialize(s['/model/'])
    assert sorted(s.target)[:3] == ['root/model/left/beta', 'root/model/left/count',
                                    'root/model/left/flag']
    assert 'root/model/step' in s.target
    assert s.target['root/model/right/label'].dtype.kind == 'U'


def test_dictionary_serializer_returns_value():
    s = DictionarySerializer()
    w = numpy.ones(3)
    assert s('w', w) is w
    assert s('n', 5) == 5
    assert s('none', None) is None


@pytest.mark.parametrize('value,match', [
    (numpy.array([None, 1], dtype=object), 'dtype object'),
    ([1, 2], 'got list'),
    ({'a': 1}, 'got dict'),
    (minigrad.Variable(numpy.ones(2)), r'got Variable; pass its \.array'),
    (numpy.zeros(2, dtype='datetime64[s]'), 'dtype datetime64'),
])
def test_save_refuses_values_needing_pickle(tmp_path, value, match):
    path = tmp_path / 'bad.npz'
    with pytest.raises(TypeError, match="cannot save 'child/x': .*" + match):
        save_npz(path, Wrapper(Items(x=value), 'child'))
    assert os.listdir(tmp_path) == []          # nothing written


def test_save_refuses_clashing_key(tmp_path):
    with pytest.raises(ValueError, match='clash with the arguments of numpy.savez'):
        save_npz(tmp_path / 'm.npz', Items(file=numpy.ones(2)))
    save_npz(tmp_path / 'm.npz', Wrapper(Items(file=numpy.ones(2)), 'child'))  # nested is fine


def test_save_and_load_need_serialize(tmp_path):
    with pytest.raises(TypeError, match='serialize'):
        save_npz(tmp_path / 'm.npz', object())
    save_npz(tmp_path / 'm.npz', Leaf(0))
    with pytest.raises(TypeError, match='serialize'):
        load_npz(tmp_path / 'm.npz', [])


def test_load_missing_file_is_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / 'nope.npz', Leaf(0))


# ---- unreadable files: an error naming the file, the target unchanged ------------------------

def _check_refused(tmp_path, data, match):
    path = tmp_path / 'broken.npz'
    path.write_bytes(data)
    target = Tree(5, lazy=True)
    before = snapshot(target)
    with pytest.raises(SerializationError, match=match) as info:
        load_npz(path, target)
    assert str(path) in str(info.value)
    assert snapshot(target) == before
    return info.value


@pytest.mark.parametrize('cut', [0.5, 0.95])
def test_truncated_file(tmp_path, cut):
    data = save_bytes(Tree(0, lazy=True))
    _check_refused(tmp_path, data[:int(len(data) * cut)], 'truncated')


def test_empty_file(tmp_path):
    _check_refused(tmp_path, b'', 'not a readable npz file')


def test_garbage_file(tmp_path):
    _check_refused(tmp_path, numpy.random.RandomState(0).bytes(500), 'not a readable npz file')


def test_single_npy_file(tmp_path):
    buf = io.BytesIO()
    numpy.save(buf, numpy.ones(3))
    _check_refused(tmp_path, buf.getvalue(), 'single .npy array, not an npz archive')


def test_corrupt_entry_loads_nothing(tmp_path):
    # an uncompressed file whose last entry's bytes are damaged (the zip directory is intact):
    # entries read before it must not have been loaded into the target
    data = bytearray(save_bytes(Tree(0, lazy=True), compression=False))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = sorted(zf.infolist(), key=lambda i: i.header_offset)[-1]
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 128  # past header
    data[start:start + 8] = b'\xff' * 8
    key = info.filename[:-len('.npy')]
    _check_refused(tmp_path, bytes(data), "entry '%s' cannot be read" % key)


def test_object_array_is_refused(tmp_path):
    buf = io.BytesIO()
    numpy.savez(buf, **{'left/w32': numpy.array([1, None], dtype=object)}, allow_pickle=True)
    err = _check_refused(tmp_path, buf.getvalue(), "entry 'left/w32' is an object array")
    assert 'pickle' in str(err)


# ---- strict checks: every problem in one message, nothing loaded ---------------------------

def test_strict_lists_every_problem(tmp_path):
    source = Items(a=numpy.ones((2, 3), dtype=numpy.float32),      # shape mismatch
                   b=numpy.ones(4, dtype=numpy.float64),           # dtype mismatch
                   c=numpy.ones(2, dtype=numpy.float32),           # fine
                   n=2.5,                                          # float into an int: dtype
                   s=numpy.ones(2),                                # array into a str: shape
                   extra=numpy.zeros(1), extra2=3)                 # not used by the target
    target = Items(a=numpy.zeros((3, 2), dtype=numpy.float32),
                   b=numpy.zeros(4, dtype=numpy.float32),
                   c=numpy.zeros(2, dtype=numpy.float32),
                   n=0, s='x',
                   gone=numpy.zeros(1), gone2=numpy.float32(0))    # missing from the file
    path = tmp_path / 'm.npz'
    save_npz(path, source)
    before = snapshot(target)
    with pytest.raises(SerializationError) as info:
        load_npz(path, target)
    text = str(info.value)
    assert "cannot load '%s' into Items: 8 problems; nothing was loaded" % path in text
    assert 'missing from the file (2): gone, gone2' in text
    assert 'in the file but not used by the target (2): extra, extra2' in text
    assert 'shape mismatch: a: file (2, 3), target (3, 2)' in text
    assert 'dtype mismatch: b: file float64, target float32' in text
    assert 'dtype mismatch: n: file float64, target a Python int' in text
    assert 'shape mismatch: s: file (2,) float64, target a Python str' in text
    assert 'strict=False' in text
    assert snapshot(target) == before
    assert target.items['n'] == 0 and target.items['s'] == 'x'


def test_numpy_scalar_dtype_must_match():
    data = save_bytes(Items(x=numpy.float64(1)))
    target = Items(x=numpy.float32(0))
    with pytest.raises(SerializationError, match='dtype mismatch: x: file float64, target a '
                                                 'float32 scalar'):
        load_npz(io.BytesIO(data), target)


def test_int_file_into_float_scalar_is_fine():
    target = Items(x=0.0)
    load_npz(io.BytesIO(save_bytes(Items(x=3))), target)
    assert type(target.items['x']) is float and target.items['x'] == 3.0


def test_cannot_load_into_unsupported_type():
    target = Items(x=[0])
    with pytest.raises(SerializationError, match='type mismatch: x: cannot load into a list'):
        load_npz(io.BytesIO(save_bytes(Items(x=numpy.ones(1)))), target)


def test_non_strict_loads_what_matches():
    source = Items(a=numpy.arange(3.0), extra=numpy.ones(2), n=4)
    target = Items(a=numpy.zeros(3), n=0, gone=numpy.full(2, 7.0), lazy=None)
    load_npz(io.BytesIO(save_bytes(source)), target, strict=False)
    assert numpy.array_equal(target.items['a'], numpy.arange(3.0))
    assert target.items['n'] == 4
    assert numpy.array_equal(target.items['gone'], numpy.full(2, 7.0))  # skipped
    assert target.items['lazy'] is None


def test_non_strict_still_refuses_mismatches():
    target = Items(a=numpy.zeros(4), b=numpy.zeros(2))
    before = snapshot(target)
    with pytest.raises(SerializationError, match=r'1 problem;.*\n.*shape mismatch: a'):
        load_npz(io.BytesIO(save_bytes(Items(a=numpy.ones(3), b=numpy.ones(2)))), target,
                 strict=False)
    assert snapshot(target) == before


def test_lazy_target_accepts_any_shape_and_dtype():
    target = Items(lazy=None)
    load_npz(io.BytesIO(save_bytes(Items(lazy=numpy.arange(6, dtype=numpy.int16)))), target)
    assert target.items['lazy'].dtype == numpy.int16
    assert numpy.array_equal(target.items['lazy'], numpy.arange(6))


# ---- path: a sub-tree of the file ---------------------------------------------------------

@pytest.mark.parametrize('path', ['updater/model:main/', 'updater/model:main',
                                  '/updater/model:main/'])
def test_load_sub_tree(path):
    snap = Wrapper(Tree(0, lazy=True), 'updater', 'model:main')
    other = Items(iteration=5, w=numpy.ones(2))   # outside the path: ignored even when strict

    class Both:
        def serialize(self, serializer):
            snap.serialize(serializer)
            other.serialize(serializer['updater/optimizer'])

    data = save_bytes(Both())
    target = Tree(9)
    load_npz(io.BytesIO(data), target, path=path)
    assert snapshot(target) == snapshot(snap.obj)


def test_load_sub_tree_checks_only_that_tree():
    data = save_bytes(Wrapper(Items(a=numpy.ones(2), b=1), 'model'))
    target = Items(a=numpy.zeros(2))
    with pytest.raises(SerializationError, match=r"under 'model/'.*\n.*used by the target "
                                                 r'\(1\): model/b'):
        load_npz(io.BytesIO(data), target, path='model')
    assert numpy.array_equal(target.items['a'], numpy.zeros(2))


def test_load_wrong_path_names_the_top_level():
    data = save_bytes(Wrapper(Items(a=numpy.ones(2)), 'model'))
    with pytest.raises(SerializationError, match="no entry under 'modle/'; its top-level names "
                                                 'are: model/'):
        load_npz(io.BytesIO(data), Items(a=numpy.zeros(2)), path='modle')


# ---- NpzDeserializer used directly --------------------------------------------------------

def test_npz_deserializer_on_npzfile():
    source = Tree(0, lazy=True)
    with numpy.load(io.BytesIO(save_bytes(source)), allow_pickle=False) as npz:
        target = Tree(3, lazy=False)
        target.serialize(NpzDeserializer(npz))             # Chainer's way: no pre-check
        assert snapshot(target) == snapshot(source)
        target = Tree(4)
        NpzDeserializer(npz, path='sub').load(target.sub)   # all-or-nothing
        assert snapshot(target.sub) == snapshot(source.sub)


def test_npz_deserializer_on_dict():
    d = NpzDeserializer({'a/x': numpy.arange(3), 'a/n': numpy.asarray(2)})
    x = numpy.zeros(3, dtype=numpy.int64)
    assert d['a']('x', x) is x and numpy.array_equal(x, numpy.arange(3))
    assert d['a']('n', 0) == 2
    assert d('missing', None) is None
    with pytest.raises(SerializationError, match="has no entry 'a/missing'"):
        d['a']('missing', 1)
    assert NpzDeserializer({}, strict=False)('missing', 1) == 1
    with pytest.raises(SerializationError, match="cannot load 'a/x' .*dtype mismatch"):
        d['a']('x', numpy.zeros(3, dtype=numpy.float32))
    with pytest.raises(SerializationError, match='dtype object'):
        NpzDeserializer({'o': numpy.array([None])})('o', None)


def test_serializer_kinds():
    assert isinstance(DictionarySerializer(), serializers.Serializer)
    assert isinstance(NpzDeserializer({}), serializers.Deserializer)
    assert NpzDeserializer({}).is_deserializer and not DictionarySerializer().is_deserializer
    assert issubclass(SerializationError, ValueError)
    assert minigrad.serializers is serializers


# ---- atomic writes -------------------------------------------------------------------------

class Exploding:
    """Serializes a few keys, then fails."""

    def serialize(self, serializer):
        serializer('a', numpy.ones(3))
        serializer['child']('b', numpy.ones(2))
        raise RuntimeError('boom in serialize')


def test_failing_serialize_keeps_old_file(tmp_path):
    path = tmp_path / 'model.npz'
    save_npz(path, Leaf(0))
    old = path.read_bytes()
    with pytest.raises(RuntimeError, match='boom in serialize'):
        save_npz(path, Exploding())
    assert path.read_bytes() == old
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize('compression', [True, False])
def test_crash_while_writing_keeps_old_file(tmp_path, monkeypatch, compression):
    path = tmp_path / 'model.npz'
    save_npz(path, Leaf(0))
    old = path.read_bytes()

    def crash(file, *args, **kwds):
        file.write(b'PK\x03\x04 half an archive')
        raise KeyboardInterrupt

    monkeypatch.setattr(numpy, 'savez_compressed' if compression else 'savez', crash)
    with pytest.raises(KeyboardInterrupt):
        save_npz(path, Leaf(1), compression=compression)
    assert path.read_bytes() == old
    assert no_temp_files(tmp_path)
    monkeypatch.undo()
    target = Leaf(2)
    load_npz(path, target)
    assert snapshot(target) == snapshot(Leaf(0))


def test_failing_replace_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / 'model.npz'

    def fail(src, dst):
        raise OSError('disk on fire')

    monkeypatch.setattr(os, 'replace', fail)
    with pytest.raises(OSError, match='disk on fire'):
        save_npz(path, Leaf(1))
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_names_the_path(tmp_path):
    path = tmp_path / 'nodir' / 'model.npz'
    with pytest.raises(FileNotFoundError, match=r"save_npz: cannot write .*model\.npz.*the "
                                                r"folder .*nodir' does not exist"):
        save_npz(path, Leaf(1))
    assert os.listdir(tmp_path) == []


def test_crash_into_new_path_leaves_nothing(tmp_path, monkeypatch):
    def crash(file, *args, **kwds):
        raise OSError('no space left')

    monkeypatch.setattr(numpy, 'savez_compressed', crash)
    with pytest.raises(OSError, match='no space left'):
        save_npz(tmp_path / 'new.npz', Leaf(1))
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != 'posix', reason='POSIX permission bits')
def test_file_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        path = tmp_path / 'model.npz'
        save_npz(path, Leaf(0))
        assert path.stat().st_mode & 0o777 == 0o644         # as open() would make it
        path.chmod(0o600)
        save_npz(path, Leaf(1))
        assert path.stat().st_mode & 0o777 == 0o600         # an existing file keeps its mode
    finally:
        os.umask(umask)


def test_overwrite_replaces_content(tmp_path):
    path = pathlib.Path(tmp_path) / 'model.npz'
    save_npz(path, Leaf(0))
    save_npz(path, Leaf(1))
    target = Leaf(2)
    load_npz(path, target)
    assert snapshot(target) == snapshot(Leaf(1))


def test_docstring_examples():
    result = doctest.testmod(npz_module)
    assert result.attempted >= 2 and result.failed == 0


# ---- real links and optimizers ------------------------------------------------------------

def _make_model(seed):
    """A Chain with Linear(3, 4) and a lazy Linear(None, 2), initialised from ``seed``."""
    linear = pytest.importorskip('minigrad.links.linear')
    from minigrad import initializers, link
    rs = numpy.random.RandomState(seed)

    def init(a):
        a[...] = rs.uniform(-1, 1, a.shape)

    model = link.Chain()
    with model.init_scope():
        model.l1 = linear.Linear(3, 4, initialW=init)
        model.l2 = linear.Linear(None, 2, initialW=init, initial_bias=initializers.Constant(0.1))
    return model


def _loss(model, x):
    h = model.l2(F.tanh(model.l1(x)))
    return F.sum(h * h)


def _params(model):
    return {name: None if p.array is None else (p.array.dtype, p.array.shape, p.array.tobytes())
            for name, p in model.namedparams()}


@pytest.mark.parametrize('updates', [0, 2])
def test_link_and_adam_round_trip(tmp_path, updates):
    from minigrad import optimizers
    x = numpy.random.RandomState(1).uniform(-1, 1, (5, 3)).astype(numpy.float32)
    model = _make_model(0)
    opt = optimizers.Adam(alpha=0.01).setup(model)
    if updates:
        for _ in range(updates):
            opt.update(_loss, model, x)
    else:
        _loss(model, x)                      # initialise l2 without updating
    save_npz(tmp_path / 'model.npz', model)
    save_npz(tmp_path / 'opt.npz', opt)

    model2 = _make_model(1)                  # other values, l2 not initialised
    assert model2.l2.W.array is None
    opt2 = optimizers.Adam(alpha=0.01).setup(model2)
    load_npz(tmp_path / 'model.npz', model2)
    load_npz(tmp_path / 'opt.npz', opt2)
    assert _params(model2) == _params(model)
    assert (opt2.t, opt2.epoch) == (opt.t, opt.epoch)

    opt.update(_loss, model, x)
    opt2.update(_loss, model2, x)
    assert _params(model2) == _params(model)  # the next update is bit-identical


def test_link_strict_errors_leave_model_unchanged(tmp_path):
    model = _make_model(0)
    _loss(model, numpy.ones((2, 3), dtype=numpy.float32))
    save_npz(tmp_path / 'model.npz', model)
    linear = pytest.importorskip('minigrad.links.linear')
    from minigrad import link
    other = link.Chain()
    with other.init_scope():
        other.l1 = linear.Linear(3, 5)
        other.l3 = linear.Linear(None, 2)
    before = _params(other)
    with pytest.raises(SerializationError) as info:
        load_npz(tmp_path / 'model.npz', other)
    text = str(info.value)
    assert 'shape mismatch: l1/W: file (4, 3), target (5, 3)' in text
    assert 'not used by the target (2): l2/W, l2/b' in text
    assert 'missing from the file (1): l3/b' in text    # l3/W is lazy: may be absent
    assert _params(other) == before and other.l3.W.array is None
