"""Tests of the per-thread configuration (minigrad/configuration.py).

``no_backprop_mode`` / ``force_backprop_mode`` / ``using_config`` / ``set_debug``, restoring
settings on exceptions, refusing unknown settings, and thread isolation.
"""

import gc
import threading

import numpy
import pytest

import minigrad
import minigrad.functions as F


def _var(values):
    return minigrad.Variable(numpy.asarray(values, dtype=numpy.float64))


def _run_in_thread(fn):
    result = {}

    def target():
        try:
            result['value'] = fn()
        except BaseException as e:  # reported to the main thread
            result['error'] = e

    t = threading.Thread(target=target)
    t.start()
    t.join(10)
    assert not t.is_alive()
    if 'error' in result:
        raise result['error']
    return result['value']


def test_defaults():
    c = minigrad.config
    assert c.enable_backprop is True
    assert c.train is True
    assert c.debug is False
    assert c.type_check is True
    assert c.show() == {'enable_backprop': True, 'train': True, 'debug': False,
                        'type_check': True, 'function_hooks': None}
    assert repr(c) == ('minigrad.config(enable_backprop=True, train=True, debug=False, '
                       'type_check=True, function_hooks=None)')


def test_no_backprop_mode_records_nothing():
    x = _var([1.0, 2.0])
    with minigrad.no_backprop_mode():
        assert minigrad.config.enable_backprop is False
        y = F.exp(x * x)
        assert y.creator is None
    assert minigrad.config.enable_backprop is True
    numpy.testing.assert_allclose(y.array, numpy.exp([1.0, 4.0]))
    y.backward()  # a leaf now: nothing happens
    assert x.grad is None
    z = x * x
    assert z.creator is not None


def test_no_backprop_mode_does_not_keep_inputs():
    x = _var([1.0, 2.0])
    with minigrad.no_backprop_mode():
        x * x
    assert x.node.data is None  # nothing retained


def test_force_backprop_mode():
    x = _var([1.0, 2.0])
    with minigrad.no_backprop_mode():
        with minigrad.force_backprop_mode():
            assert minigrad.config.enable_backprop is True
            y = x * x
        assert minigrad.config.enable_backprop is False
        z = x * x
    assert y.creator is not None
    assert z.creator is None
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_using_config_sets_and_restores():
    with minigrad.using_config('train', False):
        assert minigrad.config.train is False
        with minigrad.using_config('train', True):
            assert minigrad.config.train is True
        assert minigrad.config.train is False
    assert minigrad.config.train is True


def test_using_config_restores_on_exception():
    with pytest.raises(RuntimeError, match='boom'):
        with minigrad.using_config('enable_backprop', False):
            with minigrad.using_config('debug', True):
                raise RuntimeError('boom')
    assert minigrad.config.enable_backprop is True
    assert minigrad.config.debug is False


def test_using_config_unknown_setting():
    with pytest.raises(ValueError, match=r"unknown setting 'trian'; known settings are "
                                         r"\['debug', 'enable_backprop', 'function_hooks', "
                                         r"'train', 'type_check'\]"):
        with minigrad.using_config('trian', False):
            pass
    assert not hasattr(minigrad.config, 'trian')


def test_set_debug():
    minigrad.set_debug(1)
    assert minigrad.config.debug is True
    assert minigrad.configuration.is_debug()
    minigrad.set_debug(0)
    assert minigrad.config.debug is False


def test_config_is_per_thread():
    def child():
        minigrad.config.train = False
        with minigrad.no_backprop_mode():
            pass
        minigrad.config.enable_backprop = False
        return minigrad.config.train, minigrad.config.enable_backprop

    assert _run_in_thread(child) == (False, False)
    assert minigrad.config.train is True
    assert minigrad.config.enable_backprop is True


def test_new_thread_starts_from_defaults():
    with minigrad.using_config('train', False), minigrad.no_backprop_mode():
        minigrad.set_debug(True)
        seen = _run_in_thread(minigrad.config.show)
        assert minigrad.config.train is False
    minigrad.set_debug(False)
    assert seen == {'enable_backprop': True, 'train': True, 'debug': False, 'type_check': True,
                    'function_hooks': None}


def test_thread_records_graph_while_main_thread_does_not():
    x = _var([3.0])

    def child():
        y = x * x
        return y.creator is not None

    with minigrad.no_backprop_mode():
        assert _run_in_thread(child) is True
        assert (x * x).creator is None


# ---- the count of threads off the defaults (what lets the hot paths skip the reads) ----------
def _off():
    return len(minigrad.configuration._threads_off_defaults)


@pytest.mark.parametrize('name, value', [('enable_backprop', False), ('debug', True),
                                         ('type_check', False), ('function_hooks', {})])
def test_a_hot_setting_off_its_default_counts_this_thread(name, value):
    assert _off() == 0
    with minigrad.using_config(name, value):
        assert _off() == 1
        with minigrad.no_backprop_mode(), minigrad.using_config('debug', True):
            assert _off() == 1           # one thread, however many settings
    assert _off() == 0


def test_train_is_not_a_hot_setting():
    with minigrad.using_config('train', False):
        assert _off() == 0


def test_a_true_but_not_True_value_counts_as_off():
    with minigrad.using_config('enable_backprop', 1):
        assert _off() == 1
        assert (_var([2.0]) * _var([3.0])).creator is not None    # still read as true
    assert _off() == 0


def test_a_thread_that_ends_off_the_defaults_leaves_the_count():
    def child():
        minigrad.config.enable_backprop = False     # never set back
        return _off()

    assert _run_in_thread(child) == 1
    gc.collect()
    assert _off() == 0


def test_another_thread_off_the_defaults_leaves_this_thread_correct():
    # the count is above 0, so this thread reads its own (default) settings, and the other
    # thread, reading its own, records nothing
    ready, done = threading.Event(), threading.Event()

    def child():
        with minigrad.no_backprop_mode():
            ready.set()
            done.wait(10)
            return (_var([2.0]) * _var([3.0])).creator

    result = {}
    t = threading.Thread(target=lambda: result.setdefault('creator', child()))
    t.start()
    assert ready.wait(10)
    assert _off() == 1
    x = _var([2.0])
    y = x * _var([3.0]) + numpy.array([1.0])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [3.0])
    with minigrad.using_config('debug', True), numpy.errstate(divide='ignore'):
        with pytest.raises(FloatingPointError, match='div'):
            _var([1.0]) / numpy.array([0.0])
    done.set()
    t.join(10)
    assert result['creator'] is None
