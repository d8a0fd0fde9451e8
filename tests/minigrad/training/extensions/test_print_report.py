"""Tests of PrintReport: aligned lines from the log, hand-written use, no terminal codes."""

import doctest
import io

import numpy
import pytest

from minigrad.training.extensions import LogReport, PrintReport
from minigrad.training.extensions import print_report as print_report_module
from tests.minigrad.training.extensions.helpers import make_trainer


def test_prints_one_aligned_line_per_log_entry(tmp_path, capsys):
    trainer = make_trainer(tmp_path, stop=(3, 'epoch'))
    trainer.extend(LogReport())
    trainer.extend(PrintReport(['epoch', 'iteration', 'x', 'a_rather_long_key_name']))
    trainer.run()
    out = capsys.readouterr().out
    assert '\r' not in out and '\x1b' not in out
    lines = out.splitlines()
    assert len(lines) == 4
    header = lines[0]
    assert header.split() == ['epoch', 'iteration', 'x', 'a_rather_long_key_name']
    # every column starts where its name starts in the header
    starts = [header.index(name) for name in ('epoch', 'iteration', 'x')]
    assert starts == [0, 12, 24]
    for epoch, line in enumerate(lines[1:], start=1):
        cells = [line[s:s + 10].strip() for s in starts]
        assert cells == [str(epoch), str(2 * epoch), '%g' % (2 * epoch - 0.5)]


def test_log_report_object_is_called_by_print_report(tmp_path):
    out = io.StringIO()
    log = LogReport(trigger=(2, 'iteration'))
    trainer = make_trainer(tmp_path, stop=(4, 'iteration'))
    trainer.extend(PrintReport(['iteration', 'y'], log_report=log, out=out))
    trainer.run()
    assert [line.split() for line in out.getvalue().splitlines()] == \
        [['iteration', 'y'], ['2', '3'], ['4', '7']]


def test_log_report_registered_after_print_report_loses_no_line(tmp_path, capsys):
    trainer = make_trainer(tmp_path, stop=(2, 'epoch'))
    trainer.extend(PrintReport(['epoch']))       # runs before LogReport in each iteration
    trainer.extend(LogReport())
    trainer.run()
    assert capsys.readouterr().out.split() == ['epoch', '1', '2']


def test_hand_written_print(capsys):
    printer = PrintReport(['epoch', 'main/loss', 'val'])
    printer.print({'epoch': 1, 'main/loss': numpy.float32(0.123456789), 'val': 'n/a'})
    printer.print({'epoch': numpy.int64(12), 'main/loss': 1e-7})
    lines = capsys.readouterr().out.splitlines()
    assert lines == ['epoch       main/loss   val',
                     '1           0.123457    n/a',
                     '12          1e-07']


def test_entries_must_be_a_list():
    with pytest.raises(TypeError, match='list of keys'):
        PrintReport('epoch')


def test_docstring_examples():
    result = doctest.testmod(print_report_module)
    assert result.attempted >= 2 and result.failed == 0
