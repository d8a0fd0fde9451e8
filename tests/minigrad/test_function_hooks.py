"""Tests of the function hooks (minigrad/function_hooks): FunctionHook, TimerHook, PrintHook and
CallCounter.

Activation and removal (also on exceptions, nested and out of order), thread isolation, call
counts on computations whose function calls are known by hand, the order of the PrintHook lines
(forward in program order, backward from the highest generation down), and the report format.
"""

import doctest
import io
import re
import threading

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import function_hooks
from minigrad.function_hooks import (
    CallCounter,
    FunctionHook,
    PrintHook,
    TimerHook,
    get_function_hooks,
)
from minigrad.function_hooks import call_counter as call_counter_module
from minigrad.function_hooks import function_hook as function_hook_module
from minigrad.function_hooks import print_hook as print_hook_module
from minigrad.function_hooks import timer as timer_module


def _var(shape, seed=0, name=None, xp=numpy):
    data = numpy.random.RandomState(seed).uniform(0.5, 1.5, shape)
    return minigrad.Variable(xp.asarray(data), name=name)


def _three_muls_one_sum(xp=numpy):
    """sum(a * b * c * d) on four different leaves: 3 mul, 1 sum; no variable used twice."""
    a, b, c, d = [_var((2, 3), seed=i, xp=xp) for i in range(4)]
    y = F.sum(a * b * c * d)
    y.backward()
    return y


def _two_sins_one_sum():
    """sum(sin(sin(x))): each Sin.backward applies a cos and a mul (gy * cos(x)), nested calls."""
    y = F.sum(F.sin(F.sin(_var((2, 3)))))
    y.backward()
    return y


class _Recorder(FunctionHook):
    """Records every callback with its arguments."""

    name = 'recorder'

    def __init__(self):
        self.events = []

    def added(self, function=None):
        self.events.append(('added', function))

    def deleted(self, function=None):
        self.events.append(('deleted', function))

    def forward_preprocess(self, function, in_data):
        self.events.append(('forward_pre', function.label, [x.shape for x in in_data]))

    def forward_postprocess(self, function, in_data):
        self.events.append(('forward_post', function.label, [x.shape for x in in_data]))

    def backward_preprocess(self, function, indexes, grad_outputs):
        self.events.append(('backward_pre', function.label, indexes,
                            [g.shape for g in grad_outputs]))

    def backward_postprocess(self, function, indexes, grad_outputs):
        self.events.append(('backward_post', function.label, indexes,
                            [g.shape for g in grad_outputs]))


class _Fails(minigrad.Function):
    """A function whose forward or backward raises, to test the clean-up."""

    def __init__(self, where):
        self.where = where

    def forward(self, inputs):
        if self.where == 'forward':
            raise ValueError('forward failed on purpose')
        return inputs[0] * 2,

    def backward(self, indexes, grad_outputs):
        raise ValueError('backward failed on purpose')


# ---- activation -------------------------------------------------------------------------------

def test_no_hooks_means_none():
    assert minigrad.config.function_hooks is None
    with TimerHook():
        assert isinstance(minigrad.config.function_hooks, dict)
    # None again (not {}): the engine then skips the hook code with one test
    assert minigrad.config.function_hooks is None
    assert get_function_hooks() == {}


def test_callbacks_receive_the_documented_arguments():
    x = _var((2, 3), name='x')
    with _Recorder() as rec:
        y = F.sum(x * x)
        y.backward()
    events = rec.events
    assert events[0] == ('added', None) and events[-1] == ('deleted', None)
    fwd = [e for e in events if e[0].startswith('forward')]
    # only the program's two calls: x * x is one function, whatever backward applies is after
    assert fwd[:4] == [('forward_pre', 'mul', [(2, 3), (2, 3)]),
                       ('forward_post', 'mul', [(2, 3), (2, 3)]),
                       ('forward_pre', 'sum', [(2, 3)]), ('forward_post', 'sum', [(2, 3)])]
    bwd = [e for e in events if e[0].startswith('backward')]
    assert bwd == [('backward_pre', 'sum', (0,), [()]), ('backward_post', 'sum', (0,), [()]),
                   ('backward_pre', 'mul', (0, 1), [(2, 3)]),
                   ('backward_post', 'mul', (0, 1), [(2, 3)])]


def test_hook_is_removed_on_exception():
    with pytest.raises(RuntimeError, match='boom'):
        with CallCounter() as counter:
            F.exp(_var((2,)))
            raise RuntimeError('boom')
    assert minigrad.config.function_hooks is None
    F.exp(_var((2,)))                       # not seen any more
    assert counter.forward_calls == {'exp': 1}


def test_nested_hooks_and_copied_dicts():
    with CallCounter() as outer:
        outer_dict = minigrad.config.function_hooks
        with TimerHook() as timer:
            inner_dict = minigrad.config.function_hooks
            assert inner_dict == {'CallCounter': outer, 'TimerHook': timer}
            F.exp(_var((2,)))
        assert outer_dict == {'CallCounter': outer}     # entering did not change it in place
        assert minigrad.config.function_hooks == {'CallCounter': outer}
        assert inner_dict == {'CallCounter': outer, 'TimerHook': timer}   # nor did leaving
        F.tanh(_var((2,)))
    assert minigrad.config.function_hooks is None
    assert outer.forward_calls == {'exp': 1, 'tanh': 1}
    assert list(timer.summary()) == ['exp']


def test_hooks_left_out_of_order():
    a, b = CallCounter(), TimerHook()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    assert minigrad.config.function_hooks == {'TimerHook': b}
    b.__exit__(None, None, None)
    assert minigrad.config.function_hooks is None


def test_two_hooks_with_one_name_are_refused():
    with CallCounter() as first:
        with pytest.raises(ValueError, match="CallCounter: a function hook named 'CallCounter' "
                                             "is already active in this thread"):
            with CallCounter():
                pass
        assert minigrad.config.function_hooks == {'CallCounter': first}
        second = CallCounter()
        second.name = 'second'
        with second:
            F.exp(_var((2,)))
    assert first.forward_calls == second.forward_calls == {'exp': 1}
    assert minigrad.config.function_hooks is None


def test_hooks_are_per_thread():
    started, main_done = threading.Event(), threading.Event()
    seen_in_thread = {}

    def other_thread():
        seen_in_thread['hooks'] = minigrad.config.function_hooks
        with CallCounter() as own:
            started.set()
            for _ in range(20):
                F.tanh(_var((2,)))
            main_done.wait(10)
        seen_in_thread['own'] = own

    with CallCounter() as counter:
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert started.wait(10)
        for _ in range(20):
            F.exp(_var((2,)))
        main_done.set()
        thread.join(10)
    assert not thread.is_alive()
    assert seen_in_thread['hooks'] is None          # the main thread's hook is not there
    assert counter.forward_calls == {'exp': 20}     # nor did it see the other thread's tanh
    assert seen_in_thread['own'].forward_calls == {'tanh': 20}
    assert minigrad.config.function_hooks is None


# ---- CallCounter and TimerHook counts --------------------------------------------------------

def test_call_counter_counts_a_known_computation():
    with CallCounter() as counter:
        _three_muls_one_sum()
    assert counter.forward_calls == {'mul': 3, 'sum': 1}
    assert counter.backward_calls == {'mul': 3, 'sum': 1}


def test_nested_calls_are_counted_only_when_asked():
    with CallCounter(nested=True) as counter:
        _two_sins_one_sum()
    # every Sin.backward computes its gradient with a cos and a mul the program never wrote
    assert counter.forward_calls['mul'] == 2 and counter.forward_calls['cos'] == 2
    assert counter.backward_calls == {'sin': 2, 'sum': 1}
    with CallCounter() as flat:
        _two_sins_one_sum()
    assert 'mul' not in flat.forward_calls


def test_timer_counts_a_known_computation(xp):
    with TimerHook() as timer:
        _three_muls_one_sum(xp)
    summary = timer.summary()
    assert set(summary) == {'mul', 'sum'}
    assert summary['mul']['forward_calls'] == 3 and summary['mul']['backward_calls'] == 3
    assert summary['sum']['forward_calls'] == 1 and summary['sum']['backward_calls'] == 1
    for s in summary.values():
        assert s['occurrence'] == s['forward_calls'] + s['backward_calls']
        assert s['elapsed_time'] == pytest.approx(s['forward_time'] + s['backward_time'])
        assert s['forward_time'] > 0 and s['backward_time'] > 0
    times = [s['elapsed_time'] for s in summary.values()]
    assert times == sorted(times, reverse=True)
    assert timer.total_time() == pytest.approx(sum(times))


def _fake_clock(monkeypatch):
    """perf_counter returns 0, 1, 2, ...: a call with no hooked call inside lasts 1 second."""
    ticks = iter(range(10 ** 6))
    monkeypatch.setattr(timer_module.time, 'perf_counter', lambda: float(next(ticks)))


def test_timer_adds_up_times_per_call(monkeypatch):
    _fake_clock(monkeypatch)
    with TimerHook() as timer:
        _two_sins_one_sum()
    s = timer.summary()
    assert s['sin']['forward_time'] == 2.0 and s['sum']['forward_time'] == 1.0
    # a backward lasts 1 tick plus 2 for each function it applies (their own readings)
    assert s['sin']['backward_time'] > 2.0
    assert timer.total_time() == sum(v['elapsed_time'] for v in s.values())


def test_timer_nested_counts_but_never_double_counts_the_total(monkeypatch):
    _fake_clock(monkeypatch)
    with TimerHook() as flat:
        _two_sins_one_sum()
    _fake_clock(monkeypatch)
    with TimerHook(nested=True) as nested:
        _two_sins_one_sum()
    assert nested.summary()['mul']['forward_calls'] == 2
    assert nested.total_time() == flat.total_time()
    assert sum(v['elapsed_time'] for v in nested.summary().values()) > nested.total_time()


def test_timer_print_report_is_an_aligned_sorted_table(monkeypatch):
    _fake_clock(monkeypatch)
    with TimerHook() as timer:
        x = _var((3,))
        y = F.sum(F.exp(F.tanh(x)))
        y.backward()
    out = io.StringIO()
    timer.print_report(unit='s', file=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ['function', 'fwd', 'calls', 'fwd', 'time', 'fwd/call', 'bwd',
                                'calls', 'bwd', 'time', 'bwd/call', 'total', '%']
    assert len({len(line) for line in lines}) == 1          # right-aligned columns
    rows = [line.split() for line in lines[1:-1]]
    assert sorted(r[0] for r in rows) == ['exp', 'sum', 'tanh']
    totals = [float(r[7].rstrip('s')) for r in rows]
    assert totals == sorted(totals, reverse=True)
    summary = timer.summary()
    for r in rows:
        s = summary[r[0]]
        assert r[1] == str(s['forward_calls']) == '1'
        assert float(r[2].rstrip('s')) == pytest.approx(s['forward_time'], abs=0.005)
        assert float(r[5].rstrip('s')) == pytest.approx(s['backward_time'], abs=0.005)
    last = lines[-1].split()
    assert last[0] == 'total' and last[1] == '3' and last[3] == '3' and last[-1] == '100.0'
    assert float(last[-2].rstrip('s')) == pytest.approx(timer.total_time())
    assert sum(float(r[-1]) for r in rows) == pytest.approx(100, abs=0.2)


def test_timer_print_report_units_and_default_file(capsys):
    with TimerHook() as timer:
        F.exp(_var((3,)))
    timer.print_report()                    # unit 'auto', sys.stdout
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[0] == 'exp' and re.fullmatch(r'[0-9.]+(s|ms|us|ns)', row[2])
    assert row[4] == '0' and row[5] == row[6] == '-'     # no backward calls
    timer.print_report(unit='ns')
    row = capsys.readouterr().out.splitlines()[1].split()
    assert re.fullmatch(r'[0-9]+\.[0-9]{2}ns', row[2])
    with pytest.raises(ValueError, match="TimerHook.print_report: unit must be 'auto'"):
        timer.print_report(unit='minutes')


def test_timer_recovers_from_failing_functions():
    x = _var((2,))
    with TimerHook() as timer, CallCounter() as counter:
        with pytest.raises(ValueError, match='forward failed'):
            _Fails('forward').apply((x,))
        y = F.sum(_Fails('backward').apply((x,))[0])
        with pytest.raises(ValueError, match='backward failed'):
            y.backward()
        # what follows is counted as usual, not taken for calls nested in the failed backward
        _three_muls_one_sum()
    for counts in (counter.forward_calls, counter.backward_calls):
        assert counts['mul'] == 3 and counts['sum'] == 2
    assert timer.summary()['mul']['backward_calls'] == 3
    assert 'backward' not in vars(y.creator)            # the temporary wrapper is gone


def test_unknown_calls_are_ignored():
    timer = TimerHook()
    with timer:
        func = F.exp(_var((2,))).creator
        timer.forward_postprocess(func, ())         # a postprocess without preprocess
    assert timer.summary()['exp']['forward_calls'] == 1


# ---- PrintHook --------------------------------------------------------------------------------

def test_print_hook_lines_of_a_tiny_graph():
    x = minigrad.Variable(numpy.ones((2, 3), dtype=numpy.float32), name='x')
    w = minigrad.Variable(numpy.ones((2, 3), dtype=numpy.float32), name='w')
    out = io.StringIO()
    with PrintHook(file=out, nested=False):
        y = F.sum(x * w)
        y.backward()
    assert out.getvalue().splitlines() == [
        'forward  mul  gen 0  x (2, 3) float32, w (2, 3) float32 -> (2, 3) float32',
        'forward  sum  gen 1  (2, 3) float32 -> () float32',
        'backward sum  gen 1  gy () float32 -> gx (2, 3) float32',
        'backward mul  gen 0  gy (2, 3) float32 -> gx x (2, 3) float32, w (2, 3) float32',
    ]


def test_print_hook_order_forward_as_called_backward_by_generation():
    x = _var((3,), seed=0, name='x')
    v = _var((3,), seed=1, name='v')
    out = io.StringIO()
    with PrintHook(file=out, nested=False):
        s1 = F.exp(x)               # generation 0
        s2 = s1 * v                 # 1
        s3 = F.tanh(v)              # 0, created after a generation-1 function
        loss = F.sum(s2 + s3)       # add 2, sum 3
        loss.backward()
    lines = out.getvalue().splitlines()
    parsed = [re.match(r'(forward|backward) +(\w+) +gen (\S+)', line).groups()
              for line in lines]
    forward = [(label, gen) for kind, label, gen in parsed if kind == 'forward' and gen != '-']
    backward = [(label, gen) for kind, label, gen in parsed if kind == 'backward']
    assert forward == [('exp', '0'), ('mul', '1'), ('tanh', '0'), ('add', '2'), ('sum', '3')]
    # from the highest generation down, each function once: not simply the reverse of forward
    assert [label for label, _ in backward] == ['sum', 'add', 'mul', 'tanh', 'exp']
    gens = [int(g) for _, g in backward]
    assert gens == sorted(gens, reverse=True)
    # v is used twice: the engine adds its two gradients, after both backwards that gave them
    adds = [i for i, (kind, label, gen) in enumerate(parsed) if gen == '-']
    assert [parsed[i][1] for i in adds] == ['add']
    assert adds[0] > lines.index([line for line in lines if 'backward tanh' in line][0])


def test_print_hook_shows_nested_calls_indented(capsys):
    x = _var((2,), name='x')
    with PrintHook():                       # sys.stdout, nested=True
        y = F.log(x)
        y.grad = numpy.ones(2)
        y.backward()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('forward  log  gen 0  x (2,) float64')
    assert lines[1].startswith('backward log  gen 0  gy (2,) float64 -> gx x (2,) float64')
    assert len(lines) == 3
    assert lines[2].startswith('  forward  div  gen -')        # Log.backward's gy / x


def test_print_hook_no_backprop_mode_and_gradients_not_needed():
    x = _var((2,), name='x')
    c = minigrad.Variable(numpy.ones(2), name='c', requires_grad=False)
    out = io.StringIO()
    with PrintHook(file=out, nested=False):
        with minigrad.no_backprop_mode():
            F.exp(x)
        y = F.sum(x * c)
        y.backward()
    lines = out.getvalue().splitlines()
    assert lines[0] == 'forward  exp  gen -  (2,) float64 -> (2,) float64'
    assert lines[-1] == 'backward mul  gen 0  gy (2,) float64 -> gx x (2,) float64, -'


def test_print_hook_reports_a_failing_forward_and_cleans_up():
    x = _var((2,), name='x')
    out = io.StringIO()
    func = _Fails('forward')
    with PrintHook(file=out) as hook:
        with pytest.raises(ValueError, match='forward failed'):
            func.apply((x,))
        assert hook._running == []
        F.exp(x)
    assert out.getvalue().splitlines() == [
        'forward  _fails  gen 0  x (2,) float64 -> raised ValueError',
        'forward  exp  gen 0  x (2,) float64 -> (2,) float64',
    ]
    assert 'forward' not in vars(func)
    assert minigrad.config.function_hooks is None


def test_print_hook_with_several_outputs():
    x = _var((2, 4), name='x')
    out = io.StringIO()
    with PrintHook(file=out, nested=False):
        a, b = F.split_axis(x, 2, axis=1)
        F.sum(a).backward()
    lines = out.getvalue().splitlines()
    assert lines[0] == ('forward  split_axis  gen 0  x (2, 4) float64 -> (2, 2) float64, '
                        '(2, 2) float64')
    # only the first output received a gradient
    assert lines[-1] == 'backward split_axis  gen 0  gy (2, 2) float64, - -> gx x (2, 4) float64'


# ---- docstring examples -----------------------------------------------------------------------

@pytest.mark.parametrize('module', [function_hook_module, timer_module, print_hook_module,
                                    call_counter_module, function_hooks])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0
    if module is not function_hooks:
        assert result.attempted >= 3
