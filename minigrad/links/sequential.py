"""Sequential: a ChainList that calls its layers one after another.

Links layer. A layer is a Link (registered as a child, so its parameters are trained and saved)
or any callable such as ``F.relu`` (kept, but not registered). Paths count links only:
in ``Sequential(L.Linear(2, 3), F.relu, L.Linear(3, 1))`` the second Linear is ``'/1'``.
"""

from minigrad.link import ChainList, Link


def _layer_name(layer):
    if isinstance(layer, Link):
        return repr(layer)
    return getattr(layer, '__name__', None) or repr(layer)


class Sequential(ChainList):
    """Layers applied in order: ``y = layers[-1](... layers[1](layers[0](x)))``.

    A layer that returns a tuple has it unpacked into the next layer's arguments.
    ``len``, indexing and iteration see all layers (links and functions); ``append``,
    ``extend``, ``insert``, ``pop``, ``remove``, ``clear``, ``del seq[i]`` and ``+=`` edit the
    list, and ``index``, ``count``, ``flatten`` and ``+`` work as in Chainer.

    Args:
        *layers: Links or callables.

    Example:
        >>> import numpy, minigrad.links as L, minigrad.functions as F
        >>> model = L.Sequential(L.Linear(2, 3), F.relu, L.Linear(3, 1))
        >>> model(numpy.ones((4, 2), dtype=numpy.float32)).shape
        (4, 1)
        >>> len(model), [name for name, _ in model.namedparams()]
        (3, ['/0/W', '/0/b', '/1/W', '/1/b'])
    """

    def __init__(self, *layers):
        super().__init__()
        self.__dict__['_layers'] = []
        for layer in layers:
            self.append(layer)

    def _rebuild(self):
        # the registered children are the links among the layers, numbered in order
        children = [layer for layer in self._layers if isinstance(layer, Link)]
        for idx, link in enumerate(children):
            link.name = str(idx)
        self.__dict__['_children'] = children

    @staticmethod
    def _check_layer(layer):
        if not callable(layer):
            raise TypeError('Sequential: a layer must be a Link or a callable, got %s'
                            % type(layer).__name__)

    def append(self, layer):
        """Add ``layer`` at the end."""
        self._check_layer(layer)
        self._layers.append(layer)
        self._rebuild()

    add_link = append

    def extend(self, layers):
        """Add every layer of ``layers`` at the end."""
        for layer in layers:
            self._check_layer(layer)
            self._layers.append(layer)
        self._rebuild()

    def insert(self, index, layer):
        """Insert ``layer`` before position ``index``."""
        self._check_layer(layer)
        self._layers.insert(index, layer)
        self._rebuild()

    def pop(self, index=-1):
        """Remove and return the layer at ``index`` (the last by default)."""
        layer = self._layers.pop(index)
        self._rebuild()
        return layer

    def remove(self, layer):
        """Remove the first occurrence of ``layer``."""
        self._layers.remove(layer)
        self._rebuild()

    def index(self, layer, start=0, end=None):
        """The position of the first ``layer`` in ``[start, end)`` (ValueError if none)."""
        return self._layers.index(layer, start, len(self._layers) if end is None else end)

    def count(self, layer):
        """How many times ``layer`` appears."""
        return self._layers.count(layer)

    def clear(self):
        """Remove every layer."""
        del self._layers[:]
        self._rebuild()

    def flatten(self):
        """A new Sequential with the layers of nested Sequentials spliced in, in order (the
        links are shared, not copied)."""
        ret = Sequential()
        for layer in self._layers:
            if isinstance(layer, Sequential):
                ret.extend(layer.flatten())
            else:
                ret.append(layer)
        return ret

    def __add__(self, other):
        """``a + b``: a new Sequential with a's layers, then b's (the links are shared)."""
        if not isinstance(other, Sequential):
            return NotImplemented
        return Sequential(*self._layers, *other._layers)

    def __iadd__(self, other):
        """``a += b``: append b's layers to a."""
        if not isinstance(other, Sequential):
            return NotImplemented
        self.extend(list(other._layers))
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            part = Sequential(*self._layers[index])
            self._rebuild()             # the shared links keep the names they have here
            return part
        return self._layers[index]

    def __setitem__(self, index, layer):
        self._check_layer(layer)
        self._layers[index] = layer
        self._rebuild()

    def __delitem__(self, index):
        del self._layers[index]
        self._rebuild()

    def __iter__(self):
        return iter(self._layers)

    def __len__(self):
        return len(self._layers)

    def forward(self, *x):
        if not self._layers:
            raise RuntimeError('Sequential: there are no layers to call; append some first')
        for layer in self._layers:
            x = layer(*x) if isinstance(x, tuple) else layer(x)
        return x

    def _copy_children(self, ret, mode, memo):
        super()._copy_children(ret, mode, memo)
        # links are replaced by their copies, functions are kept as they are
        ret.__dict__['_layers'] = [layer._copy_tree(mode, memo) if isinstance(layer, Link)
                                   else layer for layer in self._layers]

    def repeat(self, n_repeat, mode='init'):
        """A new Sequential holding this one's layers ``n_repeat`` times, the links copied
        with :meth:`copy` ``mode`` (``'init'``: independent, freshly initialised parameters)."""
        if n_repeat < 0:
            raise ValueError('Sequential.repeat: n_repeat must be >= 0, got %d' % n_repeat)
        ret = Sequential()
        for _ in range(n_repeat):
            ret.extend(self.copy(mode)._layers)
        return ret

    def __repr__(self):
        lines = ['(%d): %s' % (i, _layer_name(layer).replace('\n', '\n  '))
                 for i, layer in enumerate(self._layers)]
        if not lines:
            return 'Sequential()'
        return 'Sequential(\n  %s\n)' % '\n  '.join(lines)
