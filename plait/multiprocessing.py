"""The multiprocessing scheduler: a persistent pool of worker processes.

Results stay in the worker process that computed them; only the requested
outputs come back (see ``plait.scheduling.processes``). ``last_run_stats()``
tells what the last computation ran and moved.
"""
from __future__ import annotations

from plait import config
from plait.scheduling.get import run_graph
from plait.scheduling.processes import ProcessBackend
from plait.scheduling.stats import ProcessStats, last_run_stats
from plait.threaded import configured_backend

__all__ = ["get", "last_run_stats", "ProcessStats"]


def get(dsk, keys, num_workers=None, pool=None, context=None, initializer=None,
        callbacks=None, retries=None, timeout=None):
    """Compute ``keys`` of the graph ``dsk`` with worker processes.

    Good for pure-Python code (strings, dicts, JSON) that holds the GIL.
    Functions and lambdas travel with cloudpickle; workers see the caller's
    ``sys.path`` and working directory. In a script, call this under
    ``if __name__ == "__main__":``.

    Parameters
    ----------
    num_workers : int, optional
        Processes; default ``config.get('num_workers')`` or the number of cores.
    pool : Executor or multiprocessing.Pool, optional
        Run on this pool instead; default ``config.get('pool')``.
    context : str, optional
        Start method, 'spawn' (default), 'forkserver' or 'fork'; default
        ``config.get('multiprocessing.context')``.
    initializer : callable, optional
        Called once in each new worker process.
    callbacks : list of Callback, optional
        Hooks for this call, in addition to the registered ones.
    retries : int, optional
        Times a task that raised (or timed out) is run again before its error
        is raised; default ``config.get('processes.retries')`` (0). A task
        running when its worker process died is run again up to 3 times.
    timeout : float, optional
        Seconds a task may run before its worker process is killed and the
        task fails with ``TaskTimeoutError``; default
        ``config.get('processes.timeout')`` (no limit).

    >>> from operator import add
    >>> dsk = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'), 'd': (sum, ['a', 'b', 'c'])}
    >>> get(dsk, ['a', 'b', 'c'])
    [1, 2, 3]
    """
    from plait.callbacks import active_callbacks

    def processes(num_workers):
        return ProcessBackend(
            num_workers,
            config.get("multiprocessing.context", "spawn") if context is None else context,
            config.get("multiprocessing.initializer", None) if initializer is None
            else initializer,
            config.get("processes.retries", 0) if retries is None else retries,
            config.get("processes.timeout", None) if timeout is None else timeout,
            config.get("processes.blas-threads", 1))

    backend = configured_backend(pool, num_workers, processes)
    return run_graph(dsk, keys, backend, active_callbacks(callbacks))
