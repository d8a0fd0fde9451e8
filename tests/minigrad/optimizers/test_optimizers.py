"""Tests of the optimizers (minigrad/optimizers/): SGD, MomentumSGD, NesterovAG, AdaGrad, RMSprop,
Adam, AdamW, AMSGrad.

Each optimizer takes three steps and is compared after each with its rule written out in plain
NumPy (float64) here; the third step runs after a hyperparameter change, which must take effect.
Also: the update(lossfun) path, lazily initialized parameters and parameters without a gradient,
per-parameter overrides, Adam's lr, defaults, and a save/load round trip with a dict-based
serializer giving bit-identical next updates.
"""

import math

import numpy
import pytest

import minigrad
from minigrad import backend, optimizers
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import away_from_zero, cpu, uniform


class _Model:
    """A stand-in for a Link: anything with params() (and namedparams(), cleargrads())."""

    def __init__(self, **params):
        self._params = params

    def params(self):
        yield from self._params.values()

    def namedparams(self):
        for name, p in self._params.items():
            yield '/' + name, p

    def cleargrads(self):
        for p in self._params.values():
            p.cleargrad()


# ---- plain NumPy references: p, g are float64 arrays, s the state dict, t the step (1-based) --

def _ref_sgd(p, g, s, t, hp):
    return p - hp['lr'] * g


def _ref_momentum(p, g, s, t, hp):
    s['v'] = hp['momentum'] * s.get('v', 0.0) - hp['lr'] * g
    return p + s['v']


def _ref_nesterov(p, g, s, t, hp):
    s['v'] = hp['momentum'] * s.get('v', 0.0) - hp['lr'] * g
    return p + hp['momentum'] ** 2 * s['v'] - (1 + hp['momentum']) * hp['lr'] * g


def _ref_adagrad(p, g, s, t, hp):
    s['h'] = s.get('h', 0.0) + g ** 2
    return p - hp['lr'] * g / (numpy.sqrt(s['h']) + hp['eps'])


def _ref_rmsprop(p, g, s, t, hp):
    s['ms'] = hp['alpha'] * s.get('ms', 0.0) + (1 - hp['alpha']) * g ** 2
    if hp.get('eps_inside_sqrt'):
        denom = numpy.sqrt(s['ms'] + hp['eps'])
    else:
        denom = numpy.sqrt(s['ms']) + hp['eps']
    return p - hp['lr'] * g / denom


def _ref_adam(p, g, s, t, hp):
    hp = dict(dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
                   weight_decay_rate=0.0, amsgrad=False), **hp)
    s['m'] = hp['beta1'] * s.get('m', 0.0) + (1 - hp['beta1']) * g
    s['v'] = hp['beta2'] * s.get('v', 0.0) + (1 - hp['beta2']) * g ** 2
    v = s['v']
    if hp['amsgrad']:
        s['vhat'] = v = numpy.maximum(s.get('vhat', 0.0), v)
    lr_t = hp['alpha'] * math.sqrt(1 - hp['beta2'] ** t) / (1 - hp['beta1'] ** t)
    return p - hp['eta'] * (lr_t * s['m'] / (numpy.sqrt(v) + hp['eps'])
                            + hp['weight_decay_rate'] * p)


# (id, optimizer class, constructor kwargs, (hyperparameter changed before step 3, new value),
#  reference)
CASES = [
    ('SGD', optimizers.SGD, dict(lr=0.1), ('lr', 0.03), _ref_sgd),
    ('MomentumSGD', optimizers.MomentumSGD, dict(lr=0.1, momentum=0.8), ('momentum', 0.5),
     _ref_momentum),
    ('NesterovAG', optimizers.NesterovAG, dict(lr=0.1, momentum=0.8), ('lr', 0.02),
     _ref_nesterov),
    ('AdaGrad', optimizers.AdaGrad, dict(lr=0.1, eps=1e-8), ('lr', 0.05), _ref_adagrad),
    ('RMSprop', optimizers.RMSprop, dict(lr=0.05, alpha=0.9, eps=1e-8), ('lr', 0.01),
     _ref_rmsprop),
    ('RMSprop-eps-inside', optimizers.RMSprop,
     dict(lr=0.05, alpha=0.9, eps=1e-2, eps_inside_sqrt=True), ('alpha', 0.5), _ref_rmsprop),
    ('Adam', optimizers.Adam, dict(alpha=0.05), ('alpha', 0.01), _ref_adam),
    ('Adam-decoupled-decay', optimizers.Adam,
     dict(alpha=0.05, beta1=0.8, beta2=0.9, eta=0.5, weight_decay_rate=0.1), ('eta', 0.25),
     _ref_adam),
    ('Adam-amsgrad', optimizers.Adam, dict(alpha=0.05, beta2=0.5, amsgrad=True),
     ('alpha', 0.02), _ref_adam),
    ('AdamW', optimizers.AdamW, dict(alpha=0.05, weight_decay_rate=0.2),
     ('weight_decay_rate', 0.05), _ref_adam),
    ('AMSGrad', optimizers.AMSGrad, dict(alpha=0.05, beta2=0.5), ('alpha', 0.02), _ref_adam),
]
CASE_IDS = [c[0] for c in CASES]


def _ref_hp(case):
    name, cls, kwargs, change, ref = case
    hp = dict(kwargs)
    if cls is optimizers.AMSGrad:
        hp['amsgrad'] = True
    return hp


def _grads(shape, n, seed=10):
    # gradients of very different sizes from step to step, so that AMSGrad's max matters; away
    # from zero (the float16 parameter itself cannot take tiny steps)
    return [away_from_zero(shape, seed=seed + i) * (3.0 if i == 0 else 0.1) for i in range(n)]


@pytest.mark.parametrize('case', CASES, ids=CASE_IDS)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_three_steps_match_numpy(xp, case, dtype):
    name, cls, kwargs, (hp_name, hp_value), ref = case
    p0 = uniform((3, 4), seed=1).astype(dtype)
    w = minigrad.Parameter(xp.asarray(p0), name='w')
    data = w.array
    opt = cls(**kwargs).setup(_Model(w=w))
    hp = _ref_hp(case)
    expected, state = p0.astype(numpy.float64), {}
    for t, g in enumerate(_grads((3, 4), 3), 1):
        if t == 3:                       # takes effect at the next update
            setattr(opt, hp_name, hp_value)
            hp[hp_name] = hp_value
        g = g.astype(dtype)
        w.grad = xp.asarray(g)
        opt.update()
        expected = ref(expected, g.astype(numpy.float64), state, t, hp)
        assert w.array is data           # updated in place
        assert w.array.dtype == dtype
        assert backend.get_array_module(w.array) is xp
        numpy.testing.assert_allclose(cpu(w), expected, **TOL[dtype])
    assert opt.t == 3
    assert w.update_rule.t == 3
    assert getattr(opt, hp_name) == hp_value


@pytest.mark.parametrize('case', CASES, ids=CASE_IDS)
def test_update_with_lossfun(case):
    name, cls, kwargs, _, ref = case
    p0 = uniform((2, 3), seed=2)
    c = uniform((2, 3), seed=3)
    w = minigrad.Parameter(p0.copy(), name='w')
    w.grad = numpy.full((2, 3), 100.0)   # stale: update(lossfun) must clear it
    model = _Model(w=w)
    opt = cls(**kwargs).setup(model)
    calls = []

    def lossfun(scale, offset=0.0):
        calls.append((scale, offset))
        return minigrad.functions.sum(scale * c * w * w) + offset

    opt.update(lossfun, 0.5, offset=1.0)
    assert calls == [(0.5, 1.0)]
    numpy.testing.assert_allclose(w.grad, c * p0, rtol=1e-12)   # d(0.5 c w^2)/dw
    expected = ref(p0, c * p0, {}, 1, _ref_hp(case))
    numpy.testing.assert_allclose(w.array, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('case', CASES, ids=CASE_IDS)
def test_lazy_parameter_gets_state_at_first_update(xp, case):
    name, cls, kwargs, _, ref = case
    lazy = minigrad.Parameter(name='lazy')              # no shape yet (like Linear(None, 3))
    idle = minigrad.Parameter(xp.ones((2,), dtype=numpy.float32), name='idle')  # never a grad
    opt = cls(**kwargs).setup(_Model(lazy=lazy, idle=idle))
    assert lazy.update_rule is not None and lazy.update_rule.state is None
    opt.update()                                        # nothing to update yet
    assert lazy.update_rule.state is None and lazy.update_rule.t == 0

    p0 = uniform((2, 3), seed=4).astype(numpy.float32)
    g = uniform((2, 3), seed=5).astype(numpy.float32)
    lazy.initialize((2, 3), xp=xp)
    lazy.array[...] = xp.asarray(p0)
    lazy.grad = xp.asarray(g)
    opt.update()
    state = lazy.update_rule.state
    assert state is not None and lazy.update_rule.t == 1
    for value in state.values():
        assert value.shape == (2, 3) and value.dtype == numpy.float32
        assert backend.get_array_module(value) is xp
    expected = ref(p0.astype(numpy.float64), g.astype(numpy.float64), {}, 1, _ref_hp(case))
    numpy.testing.assert_allclose(cpu(lazy), expected, **TOL[numpy.float32])
    # a parameter whose grad is None is skipped: no change, no state, no count
    numpy.testing.assert_array_equal(cpu(idle), numpy.ones(2, dtype=numpy.float32))
    assert idle.update_rule.state is None and idle.update_rule.t == 0


@pytest.mark.parametrize('case', CASES, ids=CASE_IDS)
def test_per_parameter_override(case):
    name, cls, kwargs, (hp_name, hp_value), ref = case
    p0 = uniform((3,), seed=6)
    g = uniform((3,), seed=7)
    a = minigrad.Parameter(p0.copy(), name='a')
    b = minigrad.Parameter(p0.copy(), name='b')
    opt = cls(**kwargs).setup(_Model(a=a, b=b))
    setattr(a.update_rule.hyperparam, hp_name, hp_value)
    a.grad = g.copy()
    b.grad = g.copy()
    opt.update()
    hp = _ref_hp(case)
    numpy.testing.assert_allclose(b.array, ref(p0, g, {}, 1, hp), rtol=1e-12)
    hp[hp_name] = hp_value
    numpy.testing.assert_allclose(a.array, ref(p0, g, {}, 1, hp), rtol=1e-12)
    assert getattr(opt, hp_name) == kwargs.get(hp_name, getattr(opt.hyperparam, hp_name))
    assert getattr(opt, hp_name) != hp_value


def test_parameter_added_after_setup_gets_a_rule():
    w = minigrad.Parameter(numpy.array([1.0, 2.0]))
    model = _Model(w=w)
    opt = optimizers.MomentumSGD(lr=0.5, momentum=0.9).setup(model)
    extra = minigrad.Parameter(numpy.array([3.0]))
    model._params['extra'] = extra
    extra.grad = numpy.array([2.0])
    opt.update()
    assert isinstance(extra.update_rule, optimizers.MomentumSGDRule)
    numpy.testing.assert_allclose(extra.array, [2.0])


def test_float16_adam_keeps_eps_through_float32():
    # 1e-8 underflows to 0 in float16; a zero gradient must still give a finite (zero) step
    w = minigrad.Parameter(numpy.ones(3, dtype=numpy.float16))
    opt = optimizers.Adam().setup(_Model(w=w))
    w.grad = numpy.zeros(3, dtype=numpy.float16)
    opt.update()
    numpy.testing.assert_array_equal(w.array, numpy.ones(3, dtype=numpy.float16))
    assert w.update_rule.state['m'].dtype == numpy.float32


@pytest.mark.parametrize('cls', [optimizers.Adam, optimizers.AMSGrad, optimizers.RMSprop,
                                 optimizers.AdaGrad])
def test_float16_parameters_with_small_gradients_track_float32(cls):
    # a gradient of 1e-3 squares to 1e-6, which (1 - beta2) makes 1e-9: zero in float16. With
    # the state in float16, Adam then divided by eps alone (a step of -13 instead of -0.003)
    grads = numpy.array([[1e-3, 1e-2, 1.0], [2e-3, -1e-2, 0.5], [1e-3, 1e-2, -1.0]])
    result = {}
    for dtype in (numpy.float16, numpy.float32):
        w = minigrad.Parameter(numpy.ones(3, dtype=dtype))
        opt = cls().setup(_Model(w=w))
        for g in grads:
            w.grad = g.astype(dtype)
            opt.update()
        assert w.array.dtype == dtype
        assert all(s.dtype == numpy.float32 for s in w.update_rule.state.values())
        result[dtype] = w.array.astype(numpy.float64)
    numpy.testing.assert_allclose(result[numpy.float16], result[numpy.float32], atol=2e-3)


def test_chainer_defaults():
    assert optimizers.SGD().lr == 0.01
    opt = optimizers.MomentumSGD()
    assert (opt.lr, opt.momentum) == (0.01, 0.9)
    opt = optimizers.NesterovAG()
    assert (opt.lr, opt.momentum) == (0.01, 0.9)
    opt = optimizers.AdaGrad()
    assert (opt.lr, opt.eps) == (0.001, 1e-8)
    opt = optimizers.RMSprop()
    assert (opt.lr, opt.alpha, opt.eps, opt.eps_inside_sqrt) == (0.01, 0.99, 1e-8, False)
    opt = optimizers.Adam()
    assert opt.hyperparam.get_dict() == dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                                             eta=1.0, weight_decay_rate=0, amsgrad=False)
    assert optimizers.AMSGrad().amsgrad is True
    # a rule used without an optimizer falls back to the same defaults
    assert optimizers.AdamRule().hyperparam.alpha == 0.001
    assert optimizers.SGDRule(lr=0.5).hyperparam.lr == 0.5


def test_adam_lr_property():
    w = minigrad.Parameter(numpy.zeros(2))
    opt = optimizers.Adam(alpha=0.01, beta1=0.8, beta2=0.95).setup(_Model(w=w))
    with pytest.raises(ValueError, match='before the first update'):
        opt.lr
    for t in range(1, 4):
        w.grad = numpy.ones(2)
        opt.update()
        expected = 0.01 * math.sqrt(1 - 0.95 ** t) / (1 - 0.8 ** t)
        assert opt.lr == pytest.approx(expected, rel=1e-15)
        assert opt.alpha_t == pytest.approx(expected, rel=1e-15)
        assert w.update_rule.alpha_t == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize('make, message', [
    (lambda: optimizers.SGD(lr=-0.1), 'SGD: lr must be >= 0, got -0.1'),
    (lambda: optimizers.MomentumSGD(momentum=-1), 'MomentumSGD: momentum must be >= 0'),
    (lambda: optimizers.RMSprop(alpha=1.0), r'RMSprop: alpha must be in \[0, 1\), got 1.0'),
    (lambda: optimizers.Adam(beta1=1.5), r'Adam: beta1 must be in \[0, 1\)'),
    (lambda: optimizers.AdamW(weight_decay_rate=float('nan')), 'AdamW: weight_decay_rate'),
    (lambda: optimizers.AdaGrad(eps=-1e-8), 'AdaGrad: eps must be >= 0'),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ---- serialization -------------------------------------------------------------------------

class DictSerializer:
    """Saves into a flat dict, Chainer's protocol: ``s(key, value)``, ``s['child']``."""

    def __init__(self, target=None, path=''):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, name):
        return DictSerializer(self.target, self.path + name.strip('/') + '/')

    def __call__(self, key, value):
        stored = backend.to_cpu(value).copy() if hasattr(value, 'shape') else value
        self.target[self.path + key] = stored
        return value


class DictDeserializer:
    """Loads from a flat dict: copies into arrays in place, returns new arrays for None."""

    def __init__(self, target, path=''):
        self.target = target
        self.path = path

    def __getitem__(self, name):
        return DictDeserializer(self.target, self.path + name.strip('/') + '/')

    def __call__(self, key, value):
        stored = self.target[self.path + key]          # KeyError when missing, as npz does
        if value is None:
            return numpy.array(stored)
        if hasattr(value, 'shape'):
            backend.copyto(value, stored)
            return value
        return type(value)(stored)


def _train(opt, params, grads):
    for g in grads:
        for p in params:
            p.grad = g.copy()
        opt.update()


@pytest.mark.parametrize('case', CASES, ids=CASE_IDS)
@pytest.mark.parametrize('loaded_into', ['fresh', 'stepped', 'uninitialized'])
def test_serialize_round_trip(case, loaded_into):
    name, cls, kwargs, _, ref = case
    p0 = uniform((2, 3), seed=8).astype(numpy.float32)
    grads = [g.astype(numpy.float32) for g in _grads((2, 3), 4, seed=20)]
    w = minigrad.Parameter(p0.copy(), name='w')
    opt = cls(**kwargs).setup(_Model(w=w))
    _train(opt, [w], grads[:2])
    opt.new_epoch()
    saved = {}
    opt.serialize(DictSerializer(saved))
    assert saved['t'] == 2 and saved['epoch'] == 1 and saved['w/t'] == 2
    assert sorted(k for k in saved if k.startswith('w/')) == sorted(
        ['w/t'] + ['w/' + k for k in w.update_rule.state])

    if loaded_into == 'uninitialized':
        w2 = minigrad.Parameter(name='w')
    else:
        w2 = minigrad.Parameter(w.array.copy(), name='w')
    opt2 = cls(**kwargs).setup(_Model(w=w2))
    if loaded_into == 'stepped':                      # state exists: loaded in place
        _train(opt2, [w2], grads[3:])
        w2.array[...] = w.array
    opt2.serialize(DictDeserializer(saved))
    assert (opt2.t, opt2.epoch, w2.update_rule.t) == (2, 1, 2)
    if loaded_into == 'uninitialized':
        w2.initialize((2, 3))
        w2.array[...] = w.array
    _train(opt, [w], grads[2:3])
    _train(opt2, [w2], grads[2:3])
    numpy.testing.assert_array_equal(w2.array, w.array)
    assert w2.array.dtype == numpy.float32
    for key, value in w.update_rule.state.items():
        numpy.testing.assert_array_equal(w2.update_rule.state[key], value)
        assert w2.update_rule.state[key].dtype == value.dtype


def test_serialize_before_first_update_keeps_state_empty():
    w = minigrad.Parameter(numpy.ones(2, dtype=numpy.float32), name='w')
    opt = optimizers.Adam().setup(_Model(w=w))
    saved = {}
    opt.serialize(DictSerializer(saved))
    assert saved == {'t': 0, 'epoch': 0, 'w/t': 0}
    w2 = minigrad.Parameter(numpy.ones(2, dtype=numpy.float32), name='w')
    opt2 = optimizers.Adam().setup(_Model(w=w2))
    opt2.serialize(DictDeserializer(saved))
    assert w2.update_rule.state is None
    w2.grad = numpy.ones(2, dtype=numpy.float32)
    opt2.update()                                     # the state is created as usual
    assert set(w2.update_rule.state) == {'m', 'v'}


def test_serialize_needs_setup():
    with pytest.raises(RuntimeError, match=r'Adam.serialize: call setup\(model\) first'):
        optimizers.Adam().serialize(DictSerializer())


@pytest.mark.parametrize('cls', [optimizers.SGD, optimizers.Adam])
def test_an_integer_parameter_is_refused_with_a_hint(cls):
    # NumPy's "Cannot cast ufunc 'subtract' output" came out of the update before
    w = minigrad.Parameter(numpy.array([1, 2]), name='w')
    opt = cls().setup(_Model(w=w))
    w.grad = numpy.array([1, 1])
    with pytest.raises(TypeError, match=r'Rule: parameter w holds int\d+; an optimizer updates '
                                        r'float arrays only: make it from '
                                        r'data.astype\(numpy.float32\)'):
        opt.update()
    numpy.testing.assert_array_equal(w.array, [1, 2])
