"""The threaded scheduler: a persistent pool of threads in this process."""
from __future__ import annotations

from plait import config
from plait.scheduling.executor import ExecutorBackend
from plait.scheduling.get import run_graph
from plait.scheduling.threads import ThreadBackend


def get(dsk, keys, num_workers=None, pool=None, callbacks=None):
    """Compute ``keys`` of the graph ``dsk`` with a pool of threads.

    Good for numeric code that releases the GIL (NumPy, pandas): threads
    share memory, so values pass between tasks for free.

    Parameters
    ----------
    num_workers : int, optional
        Threads to use; default ``config.get('num_workers')`` or the number
        of cores. Pools are made once per size and reused.
    pool : Executor or multiprocessing.pool.ThreadPool, optional
        Run on this pool instead; default ``config.get('pool')``.
    callbacks : list of Callback, optional
        Hooks for this call, in addition to the registered ones.

    >>> from operator import add
    >>> dsk = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'), 'd': (sum, ['a', 'b', 'c'])}
    >>> get(dsk, 'd')
    6
    >>> get(dsk, ['a', 'c'], num_workers=2)
    [1, 3]
    """
    from plait.callbacks import active_callbacks

    backend = configured_backend(pool, num_workers, ThreadBackend)
    return run_graph(dsk, keys, backend, active_callbacks(callbacks))


def configured_backend(pool, num_workers, make, **options):
    """The backend for a call: ``pool`` (or config ``pool``) if given, else
    ``make(num_workers or config num_workers, **options)``."""
    if pool is None:
        pool = config.get("pool", None)
    if pool is not None:
        return ExecutorBackend(pool)
    if num_workers is None:
        num_workers = config.get("num_workers", None)
    return make(num_workers, **options)
