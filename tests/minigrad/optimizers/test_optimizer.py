"""Tests of the optimizer machinery (minigrad/optimizer.py): Hyperparameter chains, hooks on
optimizers and update rules, setup/update errors, epochs, disabled rules and Chainer-style rules
that define update_core_cpu.
"""

import numpy
import pytest

import minigrad
from minigrad import optimizer, optimizers


class _Model:
    """A stand-in for a Link: anything with params() will do."""

    def __init__(self, *params):
        self._params = list(params)

    def params(self):
        yield from self._params


def _setup(opt, value=(1.0, 2.0)):
    w = minigrad.Parameter(numpy.array(value), name='w')
    opt.setup(_Model(w))
    return w


def test_hyperparameter_chain():
    root = optimizer.Hyperparameter()
    root.lr = 0.1
    root.momentum = 0.9
    child = optimizer.Hyperparameter(root)
    assert child.parent is root
    assert child.lr == 0.1
    child.lr = 0.5
    assert (child.lr, root.lr, child.momentum) == (0.5, 0.1, 0.9)
    root.momentum = 0.8                                # seen through the chain at once
    assert child.momentum == 0.8
    assert child.get_dict() == {'lr': 0.5, 'momentum': 0.8}
    assert repr(child) == 'Hyperparameter(lr=0.5, momentum=0.8)'
    with pytest.raises(AttributeError, match="hyperparameter 'beta' is not defined"):
        child.beta


def test_optimizer_attribute_sets_root_hyperparameter():
    opt = optimizers.MomentumSGD(lr=0.1)
    w = _setup(opt)
    opt.lr = 0.2
    assert opt.hyperparam.lr == 0.2 and w.update_rule.hyperparam.lr == 0.2
    assert isinstance(optimizers.MomentumSGD.lr, optimizer.HyperparameterProxy)


def test_setup_returns_self_and_resets_counts():
    opt = optimizers.SGD()
    w = _setup(opt)
    w.grad = numpy.ones(2)
    opt.update()
    opt.new_epoch()
    assert (opt.t, opt.epoch) == (1, 1)
    model = _Model(w)
    assert opt.setup(model) is opt
    assert opt.target is model and (opt.t, opt.epoch) == (0, 0)


def test_setup_rejects_objects_without_params():
    with pytest.raises(TypeError, match='SGD.setup: the target must be a Link .* got int'):
        optimizers.SGD().setup(3)


def test_update_before_setup():
    with pytest.raises(RuntimeError, match=r'Adam.update: call setup\(model\) first'):
        optimizers.Adam().update()


def test_hooks_order_and_timing():
    opt = optimizers.SGD(lr=1.0)
    w = _setup(opt)
    seen = []

    def before(o):
        seen.append(('pre', o.t, w.array.copy()))

    class After:
        name = 'after'
        timing = 'post'

        def __call__(self, o):
            seen.append(('post', o.t, w.array.copy()))

    opt.add_hook(before)                               # name from __name__, timing 'pre'
    opt.add_hook(After())                              # name and timing from attributes
    w.grad = numpy.array([1.0, 1.0])
    opt.update()
    assert [(s[0], s[1]) for s in seen] == [('pre', 0), ('post', 1)]
    numpy.testing.assert_array_equal(seen[0][2], [1.0, 2.0])
    numpy.testing.assert_array_equal(seen[1][2], [0.0, 1.0])
    opt.remove_hook('before')
    opt.remove_hook('after')
    opt.update()
    assert len(seen) == 2


def test_hook_with_explicit_name_and_timing():
    opt = optimizers.SGD()
    _setup(opt)
    calls = []
    opt.add_hook(lambda o: calls.append(o.t), name='count', timing='post')
    opt.update()
    assert calls == [1]


def test_hook_errors():
    opt = optimizers.SGD()
    _setup(opt)

    def hook(o):
        pass

    with pytest.raises(TypeError, match='SGD.add_hook: hook must be callable, got int'):
        opt.add_hook(3)
    with pytest.raises(ValueError, match="timing must be 'pre', 'post' or 'auto', got 'late'"):
        opt.add_hook(hook, timing='late')
    opt.add_hook(hook)
    with pytest.raises(KeyError, match="a hook named 'hook' already exists"):
        opt.add_hook(hook)
    with pytest.raises(KeyError, match="no hook named 'other'"):
        opt.remove_hook('other')


def test_call_for_each_param_hook():
    opt = optimizers.SGD()
    w = _setup(opt)
    calls = []

    class PerParam:
        name = 'per_param'
        call_for_each_param = True

        def __call__(self, rule, param):
            calls.append((rule, param))

    opt.add_hook(PerParam())
    opt.update()
    assert calls == [(w.update_rule, w)]


def test_update_rule_hooks():
    opt = optimizers.SGD(lr=1.0)
    w = _setup(opt)
    calls = []
    w.update_rule.add_hook(lambda rule, p: calls.append(('pre', p.array.copy())), name='a')
    w.update_rule.add_hook(lambda rule, p: calls.append(('post', p.array.copy())), name='b',
                           timing='post')
    w.grad = numpy.array([1.0, 1.0])
    opt.update()
    assert [c[0] for c in calls] == ['pre', 'post']
    numpy.testing.assert_array_equal(calls[1][1], [0.0, 1.0])
    w.update_rule.remove_hook('a')
    with pytest.raises(KeyError):
        w.update_rule.remove_hook('a')


def test_disabled_rule_freezes_parameter():
    opt = optimizers.Adam()
    w = _setup(opt)
    w.update_rule.enabled = False
    w.grad = numpy.ones(2)
    opt.update()
    numpy.testing.assert_array_equal(w.array, [1.0, 2.0])
    assert w.update_rule.t == 0 and opt.t == 1


def test_new_epoch_and_auto():
    opt = optimizers.SGD()
    _setup(opt)
    opt.new_epoch()
    assert opt.epoch == 1
    with pytest.raises(RuntimeError, match='use_auto_new_epoch is False'):
        opt.new_epoch(auto=True)
    opt.use_auto_new_epoch = True
    opt.new_epoch(auto=True)
    assert opt.epoch == 2
    with pytest.raises(RuntimeError, match='use_auto_new_epoch is True'):
        opt.new_epoch()


def test_chainer_style_rule_with_update_core_cpu():
    class HalfRule(optimizer.UpdateRule):
        def update_core_cpu(self, param):
            param.array *= 0.5

    class Half(optimizer.GradientMethod):
        def create_update_rule(self):
            return HalfRule(self.hyperparam)

    opt = Half()
    w = _setup(opt)
    w.grad = numpy.ones(2)
    opt.update()
    numpy.testing.assert_array_equal(w.array, [0.5, 1.0])


def test_rule_without_update_core():
    rule = optimizer.UpdateRule()
    w = minigrad.Parameter(numpy.ones(2))
    w.grad = numpy.ones(2)
    with pytest.raises(NotImplementedError, match='UpdateRule implements neither update_core'):
        rule.update(w)
