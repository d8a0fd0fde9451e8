"""State helpers shared by the stateful recurrent links (shrinking batches, snapshots)."""

import minigrad
from minigrad import serializers


def _split_states(link, B, states):
    """Split the states (each (B0, ...)) for a batch of B rows: ``(heads, tails)``.

    ``heads`` are the first B rows, which this step updates; ``tails`` the rows of sequences that
    ended, carried on unchanged (None when B == B0). A larger batch than the state is an error.
    """
    B0 = states[0].shape[0]
    if B > B0:
        raise ValueError('%s: the batch of x (%d rows) is larger than the state (%d rows); call '
                         'reset_state() before a new, larger batch'
                         % (type(link).__name__, B, B0))
    if B == B0:
        return states, None
    return [s[:B] for s in states], [s[B:] for s in states]


def _serialize_states(link, serializer, names):
    """Save or load the state Variables ``names`` of ``link`` (None ones are left out).

    A loaded state becomes a new Variable. It is never copied into the current state's array:
    that array is the output the last call returned (the user may hold it), and the graph may
    keep it for backward. The loader fills a copy instead (so a strict load still checks the
    shape and dtype, and that the file has the state).
    """
    loading = isinstance(serializer, serializers.Deserializer)
    for name in names:
        value = getattr(link, name)
        if value is None:
            loaded = serializer(name, None)
            if loaded is not None:
                setattr(link, name, minigrad.Variable(link.xp.asarray(loaded)))
        elif loading:
            loaded = serializer(name, value.array.copy())
            setattr(link, name, minigrad.Variable(loaded))
        else:
            serializer(name, value.array)
