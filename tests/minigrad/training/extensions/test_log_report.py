"""Tests of LogReport: averaging, the JSON lines file, hand-written use, serialization."""

import doctest
import json
import math
import os

import numpy
import pytest

import minigrad
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad.training.extensions import LogReport
from minigrad.training.extensions import log_report as log_report_module
from tests.minigrad.training.extensions.helpers import make_trainer


def _read_lines(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    assert text.endswith('\n')
    return [json.loads(line) for line in text.splitlines()]      # every line valid JSON


def test_log_averages_over_the_trigger_interval_and_writes_json_lines(tmp_path):
    trainer = make_trainer(tmp_path, stop=(6, 'iteration'))
    log = LogReport(trigger=(2, 'iteration'))
    trainer.extend(log)
    trainer.run()
    entries = _read_lines(tmp_path / 'log')
    assert entries == log.log
    # x = iteration: means of (1, 2), (3, 4), (5, 6)
    assert [e['x'] for e in entries] == [1.5, 3.5, 5.5]
    assert [e['y'] for e in entries] == [3.0, 7.0, 11.0]
    assert [(e['epoch'], e['iteration']) for e in entries] == [(1, 2), (2, 4), (3, 6)]
    assert all(e['elapsed_time'] >= 0 for e in entries)
    assert sorted(os.listdir(tmp_path)) == ['log']            # no temporary file left behind


def test_keys_filter_and_epoch_trigger(tmp_path):
    trainer = make_trainer(tmp_path, stop=(2, 'epoch'))
    trainer.extend(LogReport(keys=['y'], filename='my_log'))
    trainer.run()
    entries = _read_lines(tmp_path / 'my_log')
    assert [sorted(e) for e in entries] == [['elapsed_time', 'epoch', 'iteration', 'y']] * 2
    assert [e['y'] for e in entries] == [3.0, 7.0]


def test_hand_written_append(tmp_path):
    log = LogReport(out=str(tmp_path / 'result'))
    v = minigrad.Variable(numpy.array(0.25, dtype=numpy.float32))
    stored = log.append({'epoch': numpy.int64(1), 'iteration': 100, 'main/loss': v,
                         'lr': numpy.float32(0.5)})
    assert stored == {'epoch': 1, 'iteration': 100, 'main/loss': 0.25, 'lr': 0.5}
    assert type(stored['epoch']) is int and type(stored['main/loss']) is float
    log.append({'epoch': 2, 'iteration': 200, 'main/loss': float('nan')})
    entries = _read_lines(tmp_path / 'result' / 'log')
    assert entries[0] == stored
    assert entries[1]['main/loss'] is None                    # NaN is not JSON: null
    assert math.isnan(log.log[1]['main/loss'])                # kept as NaN in memory
    in_memory = LogReport()
    in_memory.append({'epoch': 1})
    other = tmp_path / 'elsewhere'
    in_memory.append({'epoch': 2}, out=str(other))
    assert _read_lines(other / 'log') == [{'epoch': 1}, {'epoch': 2}]


def test_keys_must_be_a_list():
    with pytest.raises(TypeError, match="write \\['main/loss'\\]"):
        LogReport(keys='main/loss')


def test_postprocess_edits_entries(tmp_path):
    def add_ppl(entry):
        entry['perplexity'] = math.exp(entry['x'])

    trainer = make_trainer(tmp_path, stop=(2, 'iteration'))
    trainer.extend(LogReport(keys=['x'], trigger=(2, 'iteration'), postprocess=add_ppl))
    trainer.run()
    assert _read_lines(tmp_path / 'log')[0]['perplexity'] == pytest.approx(math.exp(1.5))


def test_serialize_round_trip_keeps_log_and_partial_summary(tmp_path):
    trainer = make_trainer(tmp_path, stop=(3, 'iteration'))
    log = LogReport(trigger=(2, 'iteration'))
    trainer.extend(log)
    trainer.run()                                  # one entry, iteration 3 summed but unlogged
    saver = DictionarySerializer()
    log.serialize(saver)
    fresh = LogReport(trigger=(2, 'iteration'))
    NpzDeserializer(saver.target).load(fresh)
    assert fresh.log == log.log
    assert fresh._summary.compute_mean() == {'x': 3.0, 'y': 6.0}


def test_docstring_examples():
    result = doctest.testmod(log_report_module)
    assert result.attempted >= 3 and result.failed == 0
