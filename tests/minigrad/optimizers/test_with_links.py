"""Optimizers on real links (minigrad.links.Linear, Chain): lazily initialized layers, an Adam
state saved with save_npz and loaded into a fresh optimizer (bit-identical next updates), and an
end-to-end run: a two-layer MLP trained by Adam learns XOR.
"""

import time

import numpy
import pytest

import minigrad
import minigrad.functions as F
import minigrad.links as L
from minigrad import optimizer_hooks, optimizers, serializers

XOR_X = numpy.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=numpy.float32)
XOR_T = numpy.array([0, 1, 1, 0], dtype=numpy.int32)


class MLP(minigrad.link.Chain):
    def __init__(self, n_in=2, n_hidden=8, n_out=2):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(n_in, n_hidden)
            self.l2 = L.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.l2(F.tanh(self.l1(x)))


def _loss(model, x, t):
    return F.softmax_cross_entropy(model(x), t)


def test_lazy_linear_gets_state_at_first_update():
    layer = L.Linear(None, 3)
    opt = optimizers.Adam(alpha=0.01).setup(layer)
    assert layer.W.array is None and layer.W.update_rule is not None
    x = numpy.random.RandomState(0).randn(4, 5).astype(numpy.float32)
    opt.update(lambda: F.sum(layer(x) * layer(x)))
    assert layer.W.shape == (3, 5)
    state = layer.W.update_rule.state
    assert state['m'].shape == (3, 5) and state['v'].dtype == numpy.float32
    assert layer.W.update_rule.t == 1 and layer.b.update_rule.t == 1


@pytest.mark.parametrize('lazy', [False, True])
def test_adam_state_round_trip_through_save_npz(tmp_path, lazy):
    rng = numpy.random.RandomState(1)
    x = rng.randn(6, 3).astype(numpy.float32)
    t = rng.randint(0, 2, size=6).astype(numpy.int32)
    numpy.random.seed(2)
    model = MLP(3, 4, 2)
    opt = optimizers.Adam(alpha=0.01, amsgrad=True).setup(model)
    opt.add_hook(optimizer_hooks.WeightDecay(1e-3))
    for _ in range(3):
        opt.update(_loss, model, x, t)
    serializers.save_npz(tmp_path / 'model.npz', model)
    serializers.save_npz(tmp_path / 'opt.npz', opt)

    numpy.random.seed(3)
    model2 = MLP(None if lazy else 3, 4, 2)            # different weights (or none yet)
    opt2 = optimizers.Adam(alpha=0.01, amsgrad=True).setup(model2)
    opt2.add_hook(optimizer_hooks.WeightDecay(1e-3))
    serializers.load_npz(tmp_path / 'model.npz', model2)
    serializers.load_npz(tmp_path / 'opt.npz', opt2)
    assert (opt2.t, model2.l1.W.update_rule.t) == (3, 3)

    for _ in range(2):
        opt.update(_loss, model, x, t)
        opt2.update(_loss, model2, x, t)
    for (name, p), (name2, p2) in zip(model.namedparams(), model2.namedparams()):
        assert name == name2
        numpy.testing.assert_array_equal(p2.array, p.array)
        for key in ('m', 'v', 'vhat'):
            numpy.testing.assert_array_equal(p2.update_rule.state[key], p.update_rule.state[key])


def test_load_npz_before_first_update(tmp_path):
    model = MLP()
    opt = optimizers.Adam().setup(model)
    serializers.save_npz(tmp_path / 'opt.npz', opt)
    opt2 = optimizers.Adam().setup(MLP())
    serializers.load_npz(tmp_path / 'opt.npz', opt2)
    assert all(p.update_rule.state is None for p in opt2.target.params())


def test_strict_load_refuses_a_partial_optimizer_state(tmp_path):
    # Adam saves m and v; AMSGrad also needs vhat. A strict load used to take t and drop the
    # moments without a word, so the next step ran with t=4 and zero moments
    rng = numpy.random.RandomState(1)
    x, t = rng.randn(4, 2).astype(numpy.float32), numpy.array([0, 1, 1, 0], numpy.int32)
    model = MLP()
    opt = optimizers.Adam().setup(model)
    for _ in range(3):
        opt.update(_loss, model, x, t)
    serializers.save_npz(tmp_path / 'adam.npz', opt)
    opt2 = optimizers.Adam(amsgrad=True).setup(MLP())
    missing = r'missing from the file \(4\).*l1/W/vhat'
    with pytest.raises(serializers.SerializationError, match=missing):
        serializers.load_npz(tmp_path / 'adam.npz', opt2)
    assert opt2.t == 0
    assert all(p.update_rule.t == 0 and p.update_rule.state is None
               for p in opt2.target.params())
    serializers.load_npz(tmp_path / 'adam.npz', opt2, strict=False)   # asked for: no state
    assert all(p.update_rule.state is None for p in opt2.target.params())


def test_mlp_with_adam_learns_xor():
    numpy.random.seed(0)
    model = MLP()
    opt = optimizers.Adam(alpha=0.05).setup(model)
    start = time.perf_counter()
    for _ in range(150):
        opt.update(_loss, model, XOR_X, XOR_T)
    elapsed = time.perf_counter() - start
    y = model(XOR_X)
    assert float(F.accuracy(y, XOR_T).array) == 1.0
    assert float(_loss(model, XOR_X, XOR_T).array) < 0.01
    assert elapsed < 2.0, 'training XOR took %.2f s' % elapsed
