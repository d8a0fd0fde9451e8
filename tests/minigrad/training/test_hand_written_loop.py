"""The reporting helpers in a hand-written truncated-BPTT loop, without a Trainer."""

import json
import os

import numpy

import minigrad.optimizers as O
from minigrad.reporter import DictSummary
from minigrad.training import ParallelSequentialIterator, concat_examples
from minigrad.training.extensions import Evaluator, LogReport, PlotReport, PrintReport, ProgressBar
from tests.minigrad.training import lm


def test_log_print_progress_plot_and_evaluate_by_hand(tmp_path, capsys):
    model = lm.make_model(seed=0)
    optimizer = O.Adam().setup(model)
    train_iter = ParallelSequentialIterator(lm.corpus(60), 4)
    log = LogReport(out=str(tmp_path))
    printer = PrintReport(['epoch', 'iteration', 'main/loss', 'validation/main/loss'])
    bar = ProgressBar(total=6, update_interval=3)
    summary = DictSummary()
    for iteration in range(1, 7):
        loss = 0
        for _ in range(5):
            x, t = concat_examples(next(train_iter))
            loss += model(x, t)
        model.cleargrads()
        loss.backward()
        loss.unchain_backward()
        optimizer.update()
        summary.add({'main/loss': loss / 5})
        bar.update(iteration, train_iter.epoch_detail, {'loss': loss.array / 5})
        if iteration % 3 == 0:
            entry = summary.compute_mean()                  # the mean training loss
            summary = DictSummary()
            val_iter = ParallelSequentialIterator(lm.corpus(20, seed=3), 4, repeat=False)
            result = Evaluator(val_iter, model).evaluate()   # {'main/loss': ..., ...}
            entry['validation/main/loss'] = result['main/loss']
            entry.update(epoch=train_iter.epoch, iteration=iteration)
            printer.print(log.append(entry))
    out = capsys.readouterr().out
    assert '\r' not in out
    lines = out.splitlines()
    assert [line.split('  ')[0] for line in lines if line.startswith('iter')] == \
        ['iter 3/6 (50.0%)', 'iter 6/6 (100.0%)']
    table = [line for line in lines if not line.startswith('iter')]
    assert table[0].split() == ['epoch', 'iteration', 'main/loss', 'validation/main/loss']
    assert [row.split()[:2] for row in table[1:]] == [['1', '3'], ['2', '6']]
    with open(tmp_path / 'log') as f:
        entries = [json.loads(line) for line in f]
    assert entries == log.log and len(entries) == 2
    assert all(numpy.isfinite(e['validation/main/loss']) for e in entries)
    if PlotReport.available():
        path = PlotReport(['validation/main/loss'], x_key='iteration').plot(log.log,
                                                                              str(tmp_path))
        assert os.path.getsize(path) > 0
