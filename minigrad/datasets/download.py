"""Where datasets live on disk: the user cache folder and file checksums (for the loaders)."""

import hashlib
import os


def cache_root():
    """The user cache folder of minigrad's datasets (it may not exist yet).

    ``$XDG_CACHE_HOME/minigrad``, by default ``~/.cache/minigrad``.
    """
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'minigrad')


def sha256(path):
    """The SHA-256 hex digest of the file at ``path``, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()
