"""The package surface: what ``import minigrad`` makes reachable, and what it does not import."""

import subprocess
import sys


def _run(code):
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_import_minigrad_reaches_every_layer_and_needs_only_numpy():
    # minigrad.datasets was missing (Chainer users write chainer.datasets.get_ptb_words after
    # import chainer); optional extras are imported only where they are used
    layers = ['backend', 'configuration', 'datasets', 'function_hooks', 'functions',
              'gradient_check', 'graph', 'initializers', 'links', 'optimizer_hooks',
              'optimizers', 'reporter', 'serializers', 'training', 'type_check']
    printed = _run(
        'import sys, minigrad\n'
        'print(*[name for name in %r if not hasattr(minigrad, name)])\n'
        "print(*[m for m in ('cupy', 'graphviz', 'matplotlib', 'torch', 'tqdm') "
        'if m in sys.modules])\n' % (layers,))
    assert printed == []
