"""Tests of ProgressBar: plain lines without a terminal, a redrawn line on one, hand use."""

import doctest
import io
import re

import pytest

from minigrad.training.extensions import ProgressBar
from minigrad.training.extensions import progress_bar as progress_bar_module
from tests.minigrad.training.extensions.helpers import make_trainer

LINE = re.compile(r'^iter (\d+)/(\d+) \(\s*[\d.]+%\)  epoch [\d.]+  ([\d.e+]+|---) it/s'
                  r'(  ETA \d+:\d\d:\d\d)?')


def test_trainer_without_tty_prints_plain_lines(tmp_path, capsys):
    trainer = make_trainer(tmp_path, stop=(10, 'iteration'))
    trainer.extend(ProgressBar(update_interval=5))
    trainer.run()
    out = capsys.readouterr().out
    assert '\r' not in out and '\x1b' not in out
    lines = out.splitlines()
    assert len(lines) == 2
    assert [LINE.match(line).group(1, 2) for line in lines] == [('5', '10'), ('10', '10')]
    assert '(100.0%)' in lines[1]
    assert 'it/s' in lines[0] and 'ETA' in lines[0]


def test_epoch_length_from_the_stop_trigger(tmp_path, capsys):
    trainer = make_trainer(tmp_path, stop=(2, 'epoch'))      # 2 iterations per epoch
    trainer.extend(ProgressBar(update_interval=2))
    trainer.run()
    lines = capsys.readouterr().out.splitlines()
    assert [line.split('  ')[0] for line in lines] == ['epoch 1.00/2 (50.0%)',
                                                        'epoch 2.00/2 (100.0%)']
    assert lines[0].split('  ')[1] == 'iter 2'


def test_hand_written_update_with_values(capsys):
    bar = ProgressBar(total=6, update_interval=2)
    for i in range(1, 7):
        bar.update(i, i / 3, {'loss': 1.0 / i})
    bar.close()
    lines = capsys.readouterr().out.splitlines()
    assert [LINE.match(line).group(1) for line in lines] == ['2', '4', '6']
    assert lines[0].endswith('loss 0.5') and lines[2].endswith('loss 0.1667')
    assert lines[2].startswith('iter 6/6 (100.0%)  epoch 2.00')


def test_unknown_total_and_repeated_calls():
    out = io.StringIO()
    bar = ProgressBar(update_interval=3, out=out)
    for i in range(1, 7):
        bar.update(i)
        bar.update(i)                 # a second call for the same iteration adds nothing
    assert [line.split('  ')[0] for line in out.getvalue().splitlines()] == ['iter 3', 'iter 6']


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_terminal_redraws_one_line():
    out = _Terminal()
    bar = ProgressBar(total=4, update_interval=1, bar_length=8, out=out)
    for i in range(1, 5):
        bar.update(i)
    bar.close()
    text = out.getvalue()
    assert text.count('\r') == 4 and text.count('\n') == 1 and text.endswith('\n')
    assert '[####....] iter 2/4 (50.0%)' in text
    assert '[########] iter 4/4 (100.0%)' in text


def test_close_ends_an_open_terminal_line():
    out = _Terminal()
    bar = ProgressBar(total=10, update_interval=1, out=out)
    bar.update(1)
    bar.close()
    bar.close()
    assert out.getvalue().endswith('\n') and out.getvalue().count('\n') == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match='not both'):
        ProgressBar((10, 'iteration'), total=10)
    with pytest.raises(ValueError, match='training_length'):
        ProgressBar((10, 'epochs'))
    with pytest.raises(ValueError, match='update_interval'):
        ProgressBar(update_interval=0)


def test_docstring_examples():
    result = doctest.testmod(progress_bar_module)
    assert result.attempted >= 3 and result.failed == 0
