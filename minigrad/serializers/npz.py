"""Saving and loading objects in NumPy's NPZ format, without pickle: ``save_npz`` / ``load_npz``.

Serializers layer. Objects take part through Chainer's protocol: an object to save or load has a
``serialize(serializer)`` method, and a serializer is a callable ``serializer(key, value)`` that
returns a value, with ``serializer['child']`` giving a serializer for a sub-tree::

    def serialize(self, serializer):            # e.g. in a Link
        self.t = serializer('t', self.t)        # a Python scalar: the loaded one comes back
        serializer('W', self.W.array)           # an array: loaded in place
        self.child.serialize(serializer['child'])   # keys 'child/...'

:class:`DictionarySerializer` (saver) collects the values into a flat dict of NumPy arrays keyed by
path (``'child/W'``); :func:`save_npz` writes that dict with ``numpy.savez(_compressed)``.
:class:`NpzDeserializer` (loader) answers each call from an npz file. :func:`load_npz` checks
everything before it touches the target (see :meth:`NpzDeserializer.load`), so a load either
succeeds completely or raises and leaves the target unchanged.

What a file can hold, and what becomes of each kind of value:

=========================  ================================  ====================================
value given to ``(key,     saved as                          loaded as
value)``
=========================  ================================  ====================================
numpy / cupy array         the array (bool, int, uint,       copied into the given array in
                           float, complex or str dtype)      place; shape and dtype must match
``None`` (uninitialised)   nothing: the key is left out      the file's array (a new NumPy array)
                                                             if the key is there, else None
Python bool, int, float,   a 0-d array                       a value of the same Python type
complex, str
NumPy scalar               a 0-d array of its dtype          a NumPy scalar of that dtype
=========================  ================================  ====================================

Anything else (object arrays, lists, Variables) is refused when saving, and files holding object
arrays (which need pickle, and pickle can run arbitrary code) are refused when loading. Load errors
are :class:`SerializationError`, a ``ValueError``; a file that cannot be opened raises the usual
``OSError`` (``FileNotFoundError``...).

Writing to a path is atomic: the data goes to a temporary file in the same folder, which replaces
the old file only once it is complete and synced to disk, so a crash leaves the old file intact.
"""

import inspect
import os
import tempfile

import numpy

from minigrad import backend

_SAVABLE_KINDS = 'biufcU'   # bool, int, uint, float, complex, str: none needs pickle
_SCALAR_KINDS = {           # Python type of the target -> dtype kinds of the file it accepts
    bool: 'b',
    int: 'iu',
    float: 'fiu',
    complex: 'cfiu',
    str: 'U',
}
# numpy.savez takes the entries as keyword arguments: root-level keys with these names would clash
_SAVEZ_NAMES = {'file'}
_SAVEZ_HAS_ALLOW_PICKLE = 'allow_pickle' in inspect.signature(numpy.savez).parameters
if _SAVEZ_HAS_ALLOW_PICKLE:
    _SAVEZ_NAMES.add('allow_pickle')


class SerializationError(ValueError):
    """Raised when a file does not fit the object it is loaded into, or cannot be read.

    The message names the file (and the key, where one is at fault) and, for a strict load, lists
    every missing, unused and mismatched entry at once. A ``ValueError``: the data is wrong for
    the target, whereas a file that cannot be opened at all raises the usual ``OSError``.
    """


class Serializer:
    """Base class of savers: ``isinstance(serializer, Serializer)`` tells a saving pass."""

    is_deserializer = False

    def save(self, obj):
        """Save ``obj`` (calls ``obj.serialize(self)``)."""
        obj.serialize(self)


class Deserializer:
    """Base class of loaders: ``isinstance(serializer, Deserializer)`` tells a loading pass."""

    is_deserializer = True

    def load(self, obj):
        """Load ``obj`` (calls ``obj.serialize(self)``)."""
        obj.serialize(self)

    # a loader may also answer ``key in loader``: whether the source has an entry for ``key``
    # (an optimizer's update rule uses it to load its state arrays all together or not at all)


def _join(path, key):
    return path + key.lstrip('/')


def _child_path(path, key):
    return path + key.strip('/') + '/'


def _normalize_path(path):
    path = path.lstrip('/')
    if path and not path.endswith('/'):
        path += '/'
    return path


def _to_savable(key, value):
    """Return ``value`` as a NumPy array that numpy.savez can store without pickle."""
    if isinstance(value, (bool, int, float, complex, str, numpy.generic)):
        arr = numpy.asarray(value)
    elif isinstance(value, numpy.ndarray):
        arr = value
    elif backend._is_cupy_array(value):
        arr = backend.to_cpu(value)
    else:
        hint = ''
        if hasattr(value, 'array') and hasattr(value, 'creator'):
            hint = '; pass its .array'
        raise TypeError(
            "cannot save '%s': expected an array, a Python or NumPy scalar, a str or None, got "
            '%s%s' % (key, type(value).__name__, hint))
    if arr.dtype.kind not in _SAVABLE_KINDS:
        raise TypeError(
            "cannot save '%s': arrays of dtype %s are not supported (only bool, integer, float, "
            'complex and str arrays are; object arrays would need pickle)' % (key, arr.dtype))
    return arr


class DictionarySerializer(Serializer):
    """Saver that collects values into a flat dict of NumPy arrays keyed by path.

    It writes no file: :func:`save_npz` feeds its ``target`` to ``numpy.savez``. NumPy arrays are
    stored by reference (not copied); CuPy arrays are copied to the host; scalars and strings
    become 0-d arrays; ``None`` (an uninitialised parameter) is not stored at all.

    Args:
        target (dict): the dict to fill; a new one when None.
        path (str): the prefix of every key this serializer writes, e.g. ``'model/'``.

    Example:
        >>> import numpy
        >>> class Counter:
        ...     def __init__(self):
        ...         self.count, self.w = 3, numpy.zeros(2, dtype=numpy.float32)
        ...     def serialize(self, serializer):
        ...         self.count = serializer('count', self.count)
        ...         serializer('w', self.w)
        >>> s = DictionarySerializer()
        >>> Counter().serialize(s['counter'])
        >>> sorted(s.target), s.target['counter/count']
        (['counter/count', 'counter/w'], array(3))
    """

    def __init__(self, target=None, path=''):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, key):
        return DictionarySerializer(self.target, _child_path(self.path, key))

    def __call__(self, key, value):
        if value is None:   # an uninitialised value: left out, so the loader leaves it None
            return None
        full = _join(self.path, key)
        self.target[full] = _to_savable(full, value)
        return value


def _source_name(file):
    if isinstance(file, (str, bytes, os.PathLike)):
        return "'%s'" % os.fsdecode(file)
    name = getattr(file, 'name', None)
    if isinstance(name, (str, bytes)):
        return "'%s'" % os.fsdecode(name)
    return 'the %s file object' % type(file).__name__


def _new_file_mode(path):
    """The permission bits ``open(path, 'w')`` would give (tempfile makes files 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:   # pragma: no cover - e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:   # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def _savez(f, arrays, compression):
    savez = numpy.savez_compressed if compression else numpy.savez
    if _SAVEZ_HAS_ALLOW_PICKLE:
        savez(f, allow_pickle=False, **arrays)
    else:   # pragma: no cover - older NumPy; _to_savable already refused object arrays
        savez(f, **arrays)


def save_npz(file, obj, compression=True):
    """Save ``obj`` to ``file`` in NPZ format (a zip of ``.npy`` arrays), never using pickle.

    ``obj.serialize`` is run with a :class:`DictionarySerializer` first, so an error there writes
    nothing. A path is written atomically: to a temporary file in the same folder, flushed and
    synced, then moved over ``file``; if anything fails the temporary file is removed and an old
    ``file`` stays as it was. A file object is written to directly (and left open).

    Args:
        file (str, os.PathLike or binary file object): where to write. Unlike ``numpy.savez``,
            no ``.npz`` suffix is added to a path.
        obj: an object with a ``serialize(serializer)`` method (a Link, an Optimizer...).
        compression (bool): use ``numpy.savez_compressed`` (smaller, slower) or ``numpy.savez``.

    Raises:
        TypeError: ``obj`` has no ``serialize``, or it gives a value that cannot be saved without
            pickle (an object array, a list...); the message names the key.
        ValueError: a top-level key is named ``'file'`` (or ``'allow_pickle'``), which clashes with
            ``numpy.savez``'s own arguments.

    Example:
        >>> import io, numpy
        >>> class Weights:
        ...     def __init__(self, w):
        ...         self.w = w
        ...     def serialize(self, serializer):
        ...         serializer('w', self.w)
        >>> buf = io.BytesIO()
        >>> save_npz(buf, Weights(numpy.arange(3.0)))
        >>> target = Weights(numpy.zeros(3))
        >>> _ = buf.seek(0)
        >>> load_npz(buf, target)
        >>> target.w
        array([0., 1., 2.])
    """
    if not callable(getattr(obj, 'serialize', None)):
        raise TypeError('save_npz: obj must have a serialize(serializer) method (a Link, an '
                        'Optimizer...), got %s' % type(obj).__name__)
    serializer = DictionarySerializer()
    obj.serialize(serializer)
    arrays = serializer.target
    clash = sorted(_SAVEZ_NAMES.intersection(arrays))
    if clash:
        raise ValueError('save_npz: top-level keys %s clash with the arguments of numpy.savez; '
                         'rename them or serialize them in a child' % clash)
    if not isinstance(file, (str, bytes, os.PathLike)):
        _savez(file, arrays, compression)
        return
    path = os.fsdecode(os.fspath(file))
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError('save_npz: cannot write %r: the folder %r does not exist'
                                % (path, folder))
    mode = _new_file_mode(path)
    tmp = tempfile.NamedTemporaryFile(
        dir=folder, prefix='.%s.' % os.path.basename(path), suffix='.tmp', delete=False)
    try:
        with tmp:
            _savez(tmp, arrays, compression)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, mode)
        os.replace(tmp.name, path)
    except BaseException:   # also KeyboardInterrupt: never leave a stray temporary file
        try:
            os.unlink(tmp.name)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _read_entry(npz, key, source):
    """Read one array, turning every kind of read failure into a SerializationError."""
    try:
        arr = npz[key]
    except ValueError as e:
        if 'allow_pickle' in str(e) or 'pickled' in str(e):
            raise SerializationError(
                "%s: entry '%s' is an object array, which can only be loaded with pickle; "
                'minigrad never unpickles (pickle can run arbitrary code). Save it again with '
                'numeric arrays only' % (source, key)) from None
        raise SerializationError("%s: entry '%s' cannot be read (%s); the file is corrupt"
                                 % (source, key, e)) from e
    except Exception as e:   # BadZipFile (bad CRC), zlib.error, EOFError, tokenize errors...
        raise SerializationError("%s: entry '%s' cannot be read (%s: %s); the file is corrupt "
                                 'or truncated' % (source, key, type(e).__name__, e)) from e
    if not isinstance(arr, numpy.ndarray) and not backend._is_cupy_array(arr):
        raise SerializationError("%s: entry '%s' is a %s, not an array"
                                 % (source, key, type(arr).__name__))
    if arr.dtype.kind not in _SAVABLE_KINDS:
        raise SerializationError("%s: entry '%s' has dtype %s, which minigrad does not load "
                                 '(only bool, integer, float, complex and str arrays)'
                                 % (source, key, arr.dtype))
    return arr


def _mismatch(value, arr):
    """Why ``arr`` from the file cannot be loaded into ``value``: a (kind, text) pair, or None."""
    if value is None:   # uninitialised: any shape and dtype will do
        return None
    if isinstance(value, numpy.ndarray) or backend._is_cupy_array(value):
        if value.shape != arr.shape:
            return 'shape', 'file %s, target %s' % (arr.shape, value.shape)
        if value.dtype != arr.dtype:
            return 'dtype', 'file %s, target %s' % (arr.dtype, value.dtype)
        return None
    if isinstance(value, numpy.generic):
        expected, kinds = 'a %s scalar' % value.dtype, None
    else:
        kinds = _SCALAR_KINDS.get(type(value))
        if kinds is None:
            return 'type', ('cannot load into a %s (expected an array, a Python or NumPy scalar, '
                            'a str or None)' % type(value).__name__)
        expected = 'a Python %s' % type(value).__name__
    if arr.ndim != 0:
        return 'shape', 'file %s %s, target %s' % (arr.shape, arr.dtype, expected)
    if (arr.dtype != value.dtype) if kinds is None else (arr.dtype.kind not in kinds):
        return 'dtype', 'file %s, target %s' % (arr.dtype, expected)
    return None


def _assign(value, arr):
    """Load ``arr`` into ``value`` (checked already) and return what the caller should keep."""
    if value is None:
        return numpy.array(arr)   # a fresh array the caller owns
    if isinstance(value, numpy.ndarray):
        numpy.copyto(value, arr)
        return value
    if backend._is_cupy_array(value):
        backend.copyto(value, arr)
        return value
    if isinstance(value, numpy.generic):
        return value.dtype.type(arr[()])
    return type(value)(arr[()])


class _Recorder(Deserializer):
    """The checking pass of :meth:`NpzDeserializer.load`: notes what the target asks for and
    returns every value unchanged, so the target is not modified."""

    def __init__(self, requests, path, file_keys):
        self.requests = requests
        self.path = path
        self.file_keys = file_keys

    def __getitem__(self, key):
        return _Recorder(self.requests, _child_path(self.path, key), self.file_keys)

    def __call__(self, key, value):
        self.requests[_join(self.path, key)] = value
        return value

    def __contains__(self, key):
        return _join(self.path, key) in self.file_keys


class NpzDeserializer(Deserializer):
    """Loader that answers ``(key, value)`` calls from an npz file (or any dict of arrays).

    Use :meth:`load` (or :func:`load_npz`) to load a whole object: it checks everything first and
    changes nothing when a check fails. Used directly as ``obj.serialize(deserializer)``, each
    call checks and loads one value, so an error can leave ``obj`` partly loaded.

    Each call ``deserializer(key, value)`` loads the entry ``path + key``: into ``value`` in place
    when it is an array (shape and dtype must match exactly); as a new NumPy array when ``value``
    is None (an uninitialised parameter: the caller initialises from it); as a value of the same
    type when it is a Python or NumPy scalar or a str. A missing entry is an error when ``strict``
    and ``value`` is not None; otherwise ``value`` comes back unchanged.

    Args:
        npz: an ``NpzFile`` from ``numpy.load(..., allow_pickle=False)``, or a dict of arrays.
        path (str): the sub-tree to load from, e.g. ``'updater/model:main/'`` in a trainer
            snapshot (a missing trailing ``/`` is added).
        strict (bool): True: every value the target asks for must be in the file (except those
            still None) and :meth:`load` also refuses entries under ``path`` the target does not
            use. False: missing entries are skipped and unused ones ignored. A shape, dtype or
            type mismatch is an error either way.
    """

    def __init__(self, npz, path='', strict=True, *, source=None):
        self.npz = npz
        self.path = _normalize_path(path)
        self.strict = strict
        self._source = source or 'the npz data'
        self._keys = None

    def _file_keys(self):
        if self._keys is None:
            self._keys = frozenset(self.npz.keys())
        return self._keys

    def __getitem__(self, key):
        child = NpzDeserializer(self.npz, _child_path(self.path, key), self.strict,
                               source=self._source)
        child._keys = self._keys
        return child

    def __contains__(self, key):
        return _join(self.path, key) in self._file_keys()

    def __call__(self, key, value):
        full = _join(self.path, key)
        if full not in self._file_keys():
            if value is None or not self.strict:
                return value
            raise SerializationError("%s has no entry '%s'; pass strict=False to skip missing "
                                     'entries' % (self._source, full))
        arr = _read_entry(self.npz, full, self._source)
        problem = _mismatch(value, arr)
        if problem is not None:
            raise SerializationError("cannot load '%s' from %s: %s mismatch: %s"
                                     % (full, self._source, problem[0], problem[1]))
        return _assign(value, arr)

    def load(self, obj):
        """Load ``obj`` from the file, all or nothing.

        First ``obj.serialize`` runs with a recorder that returns every value unchanged, to learn
        which keys the target asks for and with which shapes and dtypes; every entry of the file
        under ``path`` is read (so a corrupt file fails here), and everything is compared. All the
        problems go into one :class:`SerializationError`, and ``obj`` is left as it was. Only then
        does ``obj.serialize`` run again to load.

        ``obj.serialize`` must therefore leave ``obj`` unchanged when every call returns the value
        it was given (``self.t = serializer('t', self.t)`` does), and create state (a lazily
        initialised parameter, an optimizer's slots) only from values that are not None.
        """
        if not callable(getattr(obj, 'serialize', None)):
            raise TypeError('load: obj must have a serialize(serializer) method (a Link, an '
                            'Optimizer...), got %s' % type(obj).__name__)
        requests = {}
        obj.serialize(_Recorder(requests, self.path, self._file_keys()))
        under = sorted(k for k in self._file_keys() if k.startswith(self.path))
        arrays = {k: _read_entry(self.npz, k, self._source) for k in under}

        missing, problems = [], []
        for key, value in requests.items():
            if key not in arrays:
                if value is not None and self.strict:
                    missing.append(key)
                continue
            problem = _mismatch(value, arrays[key])
            if problem is not None:
                problems.append('%s mismatch: %s: %s' % (problem[0], key, problem[1]))
        unused = [k for k in under if k not in requests] if self.strict else []
        if missing or unused or problems:
            raise SerializationError(self._report(obj, missing, unused, problems, under))

        # the real pass reads from the arrays already in memory: nothing can fail half-way
        loader = NpzDeserializer(arrays, self.path, self.strict, source=self._source)
        obj.serialize(loader)

    def _report(self, obj, missing, unused, problems, under):
        count = len(missing) + len(unused) + len(problems)
        where = " under '%s'" % self.path if self.path else ''
        lines = ['cannot load %s%s into %s: %d problem%s; nothing was loaded'
                 % (self._source, where, type(obj).__name__, count, 's' * (count != 1))]
        if missing:
            lines.append('missing from the file (%d): %s' % (len(missing), ', '.join(missing)))
        if unused:
            lines.append('in the file but not used by the target (%d): %s'
                         % (len(unused), ', '.join(unused)))
        lines.extend(problems)
        if self.path and not under:
            tops = sorted({k.split('/', 1)[0] + ('/' if '/' in k else '')
                           for k in self._file_keys()})
            lines.append("the file has no entry under '%s'; its top-level names are: %s"
                         % (self.path, ', '.join(tops) or '(none)'))
        elif missing or unused:
            lines.append('strict=False loads the entries present in both and skips the rest')
        return '\n    '.join(lines)


def load_npz(file, obj, path='', strict=True):
    """Load ``obj`` from an NPZ file written by :func:`save_npz`, all or nothing, without pickle.

    Everything is checked before ``obj`` is touched (see :meth:`NpzDeserializer.load`): with
    ``strict``, entries the target asks for but the file lacks, entries under ``path`` the target
    does not use, and shape, dtype or type mismatches are all listed in one
    :class:`SerializationError`, and ``obj`` is left unchanged. Arrays are loaded in place with
    their exact dtype; uninitialised (None) values take whatever the file holds.

    Args:
        file (str, os.PathLike or binary file object): the file to read.
        obj: an object with a ``serialize(serializer)`` method (a Link, an Optimizer...).
        path (str): the sub-tree of the file to load, e.g. ``'updater/model:main/'`` to take the
            model out of a trainer snapshot; '' loads from the root.
        strict (bool): False skips entries the file lacks and ignores those the target does not
            use (mismatches remain errors).

    Raises:
        SerializationError: (a ``ValueError``) the file is not an npz archive, is truncated or
            corrupt, holds object arrays (which would need pickle), or does not fit ``obj``. The
            message names the file, and the keys at fault.
        OSError: the file cannot be opened (e.g. ``FileNotFoundError``).
        TypeError: ``obj`` has no ``serialize`` method.
    """
    if not callable(getattr(obj, 'serialize', None)):
        raise TypeError('load_npz: obj must have a serialize(serializer) method (a Link, an '
                        'Optimizer...), got %s' % type(obj).__name__)
    source = _source_name(file)
    if isinstance(file, (str, bytes, os.PathLike)):
        with open(file, 'rb') as f:   # open errors stay OSErrors
            _load_from(f, obj, path, strict, source)
    else:
        _load_from(file, obj, path, strict, source)


def _load_from(f, obj, path, strict, source):
    try:
        npz = numpy.load(f, allow_pickle=False)
    except Exception as e:   # BadZipFile, EOFError, ValueError (pickled data)...
        raise SerializationError('%s is not a readable npz file (%s: %s); it may be truncated '
                                 'or not written by save_npz' % (source, type(e).__name__, e)
                                 ) from e
    if not isinstance(npz, numpy.lib.npyio.NpzFile):
        raise SerializationError('%s holds a single .npy array, not an npz archive written by '
                                 'save_npz' % source)
    with npz:
        NpzDeserializer(npz, path, strict, source=source).load(obj)
