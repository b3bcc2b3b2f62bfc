"""The synchronous scheduler: every task in the caller's thread, one at a time."""
from __future__ import annotations

from plait.scheduling.get import run_graph
from plait.scheduling.local import SyncBackend


def get(dsk, keys, callbacks=None, num_workers=None, pool=None):
    """Compute ``keys`` of the graph ``dsk`` in the calling thread.

    Good for debugging and profiling: ``pdb``, ``%debug`` and ``cProfile``
    see your functions directly, and a failing task raises its own exception
    with its own traceback. ``num_workers`` and ``pool`` are accepted, so the
    same call works for every scheduler, and have no effect here.

    >>> from operator import add
    >>> dsk = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'), 'd': (sum, ['a', 'b', 'c'])}
    >>> get(dsk, 'c')
    3
    >>> get(dsk, ['a', 'b', 'c'])
    [1, 2, 3]
    >>> get(dsk, [['a', 'b'], 'c'])
    [[1, 2], 3]
    """
    from plait.callbacks import active_callbacks

    return run_graph(dsk, keys, SyncBackend(), active_callbacks(callbacks))


get_sync = get
