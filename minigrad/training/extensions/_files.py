"""Writing result files atomically: a temporary file in the same folder, then os.replace.

Training layer, shared by the extensions that write files (LogReport, PlotReport), so that a
crash or a reader never sees a half-written file.
"""

import os
import tempfile

_umask = []


def _file_mode():
    # os.umask can only be read by setting it; do it once, at the first write, not at import
    if not _umask:
        mask = os.umask(0)
        os.umask(mask)
        _umask.append(mask)
    return 0o666 & ~_umask[0]


def atomic_write(path, write, binary=False):
    """Call ``write(f)`` on a temporary file next to ``path``, then move it over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.%s.' % os.path.basename(path),
                               suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb' if binary else 'w', encoding=None if binary else 'utf-8') as f:
            write(f)
        os.chmod(tmp, _file_mode())   # mkstemp makes 0600 files
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

