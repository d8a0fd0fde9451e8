"""Run examples/char_lm/train_char_lm.py --test as a user would and check what it prints and saves.

Skipped when the Aozora text is not in ../shared/data/aozora.
"""

import json
import os
import re
import subprocess
import sys

import numpy
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'examples', 'char_lm', 'train_char_lm.py')
TEXT = os.path.join(ROOT, '..', 'shared', 'data', 'aozora', 'wagahaiwa_nekodearu.txt')
needs_text = pytest.mark.skipif(not os.path.exists(TEXT),
                                reason='the Aozora text is not in ../shared/data/aozora')

LINE = re.compile(r'^epoch (\d+)  iter (\d+)/(\d+)  loss (\S+)  bpc (\S+)  val bpc (\S+)  \S+s$')


def _run(*args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''),
               OPENBLAS_NUM_THREADS='1')    # tiny matrices: threads only cost time
    proc = subprocess.run([sys.executable, SCRIPT, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding='utf-8', timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, 'exit %d\nstdout:\n%s\nstderr:\n%s' % (
        proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


@needs_text
@pytest.mark.parametrize('model', ['lstm', 'scrn'])
def test_char_lm_test_mode(tmp_path, model):
    out = _run(TEXT, '--test', '--model', model, '--out', 'res', cwd=tmp_path)
    lines = out.strip().splitlines()
    assert lines[0].startswith('%s: 2000 characters (3045 distinct)' % model)
    assert 'train 1900, held-out 100' in lines[0]
    progress = [LINE.match(line) for line in lines if line.startswith('epoch ')]
    assert [int(m.group(2)) for m in progress] == [4, 8, 12]
    assert all(int(m.group(3)) == 12 for m in progress)
    first, last = (float(progress[i].group(4)) for i in (0, -1))
    assert first <= numpy.log(3045) + 0.5          # starts near uniform over the characters
    assert last < first                             # and learns
    for m in progress:
        assert float(m.group(5)) == pytest.approx(float(m.group(4)) / numpy.log(2), abs=0.01)
    results = json.loads((tmp_path / 'res' / 'results.json').read_text(encoding='utf-8'))
    text = results['sample']                        # may hold newlines, so read it from here
    assert text.startswith('吾輩は') and len(text) == 3 + 30
    assert 'sample (temperature 0.8): ' + text in out
    assert lines[-1] == 'results in res: model.npz, model.json, results.json'

    folder = tmp_path / 'res'
    with numpy.load(folder / 'model.npz') as npz:
        keys = set(npz.files)
        assert npz['embed/W'].shape[0] == 3045 and npz['out/W'].shape[0] == 3045
    assert {'embed/W', 'out/W', 'out/b'} <= keys
    config = json.loads((folder / 'model.json').read_text(encoding='utf-8'))
    assert config['model'] == model and len(config['chars']) == 3045
    assert config['chars'][:3] == ['一', '\n', '\u3000']
    assert results['iterations'] == 12 and results['sample'] == text
    assert results['final_val_bpc'] == pytest.approx(float(progress[-1].group(6)), abs=0.01)
    assert results['parameters'] == {'lstm': 686501, 'scrn': 687629}[model]

    # --generate reloads the saved model: the same seed gives the same text
    again = _run('--generate', '--out', 'res', '--length', '30', cwd=tmp_path)
    assert again == text + '\n'
