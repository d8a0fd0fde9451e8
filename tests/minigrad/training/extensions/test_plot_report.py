"""Tests of PlotReport: a PNG with matplotlib (Agg only), a single warning without it."""

import doctest
import os
import sys
import warnings

import pytest

from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad.training.extensions import PlotReport
from minigrad.training.extensions import plot_report as plot_report_module
from tests.minigrad.training.extensions.helpers import make_trainer

PNG = b'\x89PNG\r\n\x1a\n'


def _is_png(path):
    with open(path, 'rb') as f:
        return f.read(8) == PNG


def test_trainer_writes_a_png(tmp_path):
    matplotlib = pytest.importorskip('matplotlib')
    backend = matplotlib.get_backend()
    trainer = make_trainer(tmp_path, stop=(6, 'iteration'))
    plot = PlotReport(['x', 'y'], x_key='iteration', trigger=(2, 'iteration'))
    trainer.extend(plot)
    trainer.run()
    assert _is_png(tmp_path / 'plot.png')
    assert plot._data['x'] == [(2, 1.5), (4, 3.5), (6, 5.5)]
    assert sorted(os.listdir(tmp_path)) == ['plot.png']          # no temporary file left
    assert matplotlib.get_backend() == backend                   # the user's backend untouched


def test_hand_written_plot_of_log_entries(tmp_path):
    pytest.importorskip('matplotlib')
    entries = [{'epoch': 1, 'main/loss': 2.0, 'val/loss': 2.5},
               {'epoch': 2, 'main/loss': 1.0, 'val/loss': None},      # null in a JSON log
               {'iteration': 7}]
    path = PlotReport(['main/loss', 'val/loss'], filename='loss.png').plot(entries,
                                                                          str(tmp_path / 'r'))
    assert path == os.path.join(str(tmp_path / 'r'), 'loss.png') and _is_png(path)
    assert PlotReport(['absent']).plot(entries, str(tmp_path)) is None   # nothing to draw
    legacy = PlotReport('main/loss', file_name='old.svg')
    assert legacy.plot(entries, str(tmp_path)).endswith('old.svg')
    with open(tmp_path / 'old.svg') as f:
        assert '<svg' in f.read(2000)


def test_without_matplotlib_warns_once_and_does_nothing(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == 'matplotlib' or m.startswith('matplotlib.')]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, 'matplotlib', None)        # makes the import fail
    monkeypatch.setattr(plot_report_module, '_warned', [])
    entries = [{'epoch': 1, 'loss': 1.0}]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert PlotReport('loss').plot(entries, str(tmp_path)) is None
        assert PlotReport('loss').plot(entries, str(tmp_path)) is None
        assert not PlotReport.available()
    assert len(caught) == 1 and 'matplotlib is not installed' in str(caught[0].message)
    assert os.listdir(tmp_path) == []


def test_serialize_keeps_the_points(tmp_path):
    trainer = make_trainer(tmp_path, stop=(4, 'iteration'))
    plot = PlotReport(['x'], x_key='iteration', trigger=(2, 'iteration'))
    plot._draw = lambda *args: None                  # only the points matter here
    trainer.extend(plot)
    trainer.run()
    saver = DictionarySerializer()
    plot.serialize(saver)
    fresh = PlotReport(['x'], x_key='iteration', trigger=(2, 'iteration'))
    NpzDeserializer(saver.target).load(fresh)
    assert fresh._data == {'x': [(2, 1.5), (4, 3.5)]}


def test_filename_twice_is_refused():
    with pytest.raises(ValueError, match='not both'):
        PlotReport('x', filename='a.png', file_name='b.png')


def test_docstring_examples():
    result = doctest.testmod(plot_report_module)
    assert result.attempted >= 3 and result.failed == 0
