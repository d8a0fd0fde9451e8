"""PrintHook: print every forward and backward call, to watch the engine work.

Function hooks layer. One line per call: the direction, the function's label and generation, and
the shapes and dtypes going in and coming out. The forward lines come in the order the program
applies the functions; the backward lines in the order the engine runs them, from the highest
generation down (the reverse of a topological order), each function once.
"""

import sys

from minigrad.function_hooks.function_hook import _TrackingHook


def _describe(shape, dtype, name=None):
    if shape is None:
        return '-'
    text = '%s %s' % (tuple(shape), dtype)
    return '%s %s' % (name, text) if name else text


def _describe_array(a, name=None):
    if a is None:
        return '-'
    a = getattr(a, 'array', a)              # gradient Variables in backward
    shape = getattr(a, 'shape', None)
    if shape is None:
        return type(a).__name__
    return _describe(shape, getattr(a, 'dtype', '?'), name)


class PrintHook(_TrackingHook):
    """Print one line per forward and backward call, with shapes and dtypes.

    Forward lines show the inputs (with their names where the variables have one) and the
    outputs; backward lines show the gradients arriving at the outputs (``gy``) and the
    gradients the function computes for its inputs (``gx``, ``-`` for an input that needs
    none). ``gen`` is the function's generation: backward runs from the highest one down.
A forward line with ``gen -`` ran without recording a graph: under ``no_backprop_mode``, or
during backward, where the engine adds up the gradients of a variable used several times.

    Args:
        file: a text file object to write to (default: ``sys.stdout`` at the time of writing).
        nested (bool): also show, indented, the functions applied inside a backward (the
            gradient of ``mul`` is computed with ``mul``: minigrad differentiates with itself).
        flush (bool): flush the file after each line (so the lines appear even if the program
            crashes next).

    Example (``a`` and ``b`` are each used twice):
        >>> import numpy, minigrad
        >>> from minigrad.function_hooks import PrintHook
        >>> a = minigrad.Variable(numpy.ones(3, dtype=numpy.float32), name='a')
        >>> with PrintHook(nested=False):
        ...     b = a + a
        ...     b.name = 'b'
        ...     c = minigrad.functions.sum(b * b)
        ...     c.backward()
        forward  add  gen 0  a (3,) float32, a (3,) float32 -> (3,) float32
        forward  mul  gen 1  b (3,) float32, b (3,) float32 -> (3,) float32
        forward  sum  gen 2  (3,) float32 -> () float32
        backward sum  gen 2  gy () float32 -> gx (3,) float32
        backward mul  gen 1  gy (3,) float32 -> gx b (3,) float32, b (3,) float32
        forward  add  gen -  (3,) float32, (3,) float32 -> (3,) float32
        backward add  gen 0  gy (3,) float32 -> gx a (3,) float32, a (3,) float32
        forward  add  gen -  (3,) float32, (3,) float32 -> (3,) float32

        The two ``add`` lines without a generation are the engine summing the two gradients
        of ``b`` (used twice by ``mul``) and of ``a`` (used twice by ``add``). With
        ``nested=True`` (the default) the ``mul`` and ``add`` calls that compute each
        gradient show as well, indented under their backward line.
    """

    name = 'PrintHook'

    def __init__(self, file=None, nested=True, flush=True):
        super().__init__(nested)
        self.file = file
        self.flush = flush

    def _write(self, line):
        file = sys.stdout if self.file is None else self.file
        file.write(line + '\n')
        if self.flush:
            file.flush()

    def forward_preprocess(self, function, in_data):
        depth = len(self._running)
        if self._push(function, False) and not self.nested:
            return
        # forward_postprocess is not given the outputs: catch them on their way out of forward
        original = function.forward
        hook = self

        def forward(inputs):
            try:
                outputs = original(inputs)
            except Exception as e:
                hook._write_forward(depth, function, in_data, 'raised %s' % type(e).__name__)
                hook._pop(function, False)
                raise
            finally:
                function.__dict__.pop('forward', None)
            if isinstance(outputs, (tuple, list)):
                text = ', '.join([_describe_array(y) for y in outputs])
            else:
                text = _describe_array(outputs)
            hook._write_forward(depth, function, in_data, text)
            return outputs

        function.forward = forward

    def forward_postprocess(self, function, in_data):
        self._pop(function, False)

    def _write_forward(self, depth, function, in_data, outputs_text):
        nodes = function.inputs
        if nodes is None:                   # nothing recorded (no_backprop_mode, constants)
            gen = '-'
            ins = [_describe_array(x) for x in in_data]
        else:
            gen = function.generation
            ins = [_describe_array(x, node.name) for x, node in zip(in_data, nodes)]
        self._write('%sforward  %s  gen %s  %s -> %s' % (
            '  ' * depth, function.label, gen, ', '.join(ins), outputs_text))

    def backward_preprocess(self, function, indexes, grad_outputs):
        depth = len(self._running)
        if self._push(function, True) and not self.nested:
            return
        gys = ', '.join([_describe_array(gy) for gy in grad_outputs])
        gxs = []
        for i, x in enumerate(function.inputs):
            gxs.append(_describe(x.shape, x.dtype, x.name) if i in indexes else '-')
        self._write('%sbackward %s  gen %s  gy %s -> gx %s' % (
            '  ' * depth, function.label, function.generation, gys, ', '.join(gxs)))

    def backward_postprocess(self, function, indexes, grad_outputs):
        self._pop(function, True)
