"""The processes backend: a persistent pool of worker processes.

Workers start with the caller's ``sys.path`` and working directory, so
functions from the user's own modules import there; functions and lambdas
travel with cloudpickle. Pools are kept per (size, start method,
initializer) and reused; a broken pool is replaced on next use.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from plait.scheduling.executor import RemoteExecutorSession
from plait.scheduling.threads import check_num_workers

GUARD_MESSAGE = (
    "plait tried to start worker processes while this process was itself "
    "starting up as a worker. This happens when a script starts processes at "
    "import time: put the code that computes with scheduler='processes' (or "
    "creates a Client) under an `if __name__ == \"__main__\":` block.")


def _init_worker(path, cwd, initializer):
    sys.path[:] = path
    try:
        os.chdir(cwd)
    except OSError:
        pass
    if initializer is not None:
        initializer()


def check_context(context):
    methods = multiprocessing.get_all_start_methods()
    if context not in methods:
        raise ValueError(f"multiprocessing.context must be one of {methods}, "
                         f"got {context!r}")
    return context


_pools = {}
_lock = threading.Lock()


def get_process_pool(num_workers, context="spawn", initializer=None):
    """The shared pool for these settings, made (or remade if broken) on use."""
    if getattr(multiprocessing.process.current_process(), "_inheriting", False):
        raise RuntimeError(GUARD_MESSAGE)
    key = (num_workers, context, initializer)
    with _lock:
        pool = _pools.get(key)
        if pool is None or getattr(pool, "_broken", False) or pool._shutdown_thread:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            env_seed = os.environ.get("PYTHONHASHSEED")
            if env_seed is None:
                # every worker hashes strings the same way
                os.environ["PYTHONHASHSEED"] = "0"
            try:
                pool = ProcessPoolExecutor(
                    num_workers, mp_context=multiprocessing.get_context(context),
                    initializer=_init_worker,
                    initargs=(list(sys.path), os.getcwd(), initializer))
                try:
                    for f in [pool.submit(os.getpid) for _ in range(num_workers)]:
                        f.result()
                except BrokenProcessPool as exc:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise RuntimeError(
                        "plait's worker processes died while starting. If you run a "
                        "script, this usually means it starts processes at import "
                        "time: put the code that computes under an "
                        "`if __name__ == \"__main__\":` block. Also check that "
                        "PYTHONPATH and the working directory are importable."
                    ) from exc
            finally:
                if env_seed is None:
                    del os.environ["PYTHONHASHSEED"]
            _pools[key] = pool
        return pool


@atexit.register
def shutdown_pools():
    """Stop every process pool plait started."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


class ProcessBackend:
    """Worker processes: good for pure-Python code that holds the GIL."""

    name = "processes"

    def __init__(self, num_workers=None, context=None, initializer=None):
        self.nworkers = check_num_workers(num_workers)
        self.context = check_context(context or "spawn")
        self.initializer = initializer

    def session(self, compiled, timing=False):
        pool = get_process_pool(self.nworkers, self.context, self.initializer)
        return RemoteExecutorSession(compiled, pool, timing)
