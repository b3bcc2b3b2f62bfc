"""The threads backend: a persistent pool of worker threads per size.

Data flow::

    engine (caller's thread) --submit(batch)--> pool inbox (one SimpleQueue)
    worker thread: session.run_batch(batch) --Report--> session outbox
    engine <--wait()-- session outbox

Values live in the session's list; workers read inputs from it and write
results to it, so nothing is copied. Pools are created once per number of
workers and reused by every computation, from any number of threads at once;
a computation started from inside a pool thread (a task that calls
``compute``) runs synchronously in that thread instead of waiting for the
busy pool.
"""
from __future__ import annotations

import atexit
import os
import threading
from contextvars import copy_context
from queue import SimpleQueue

from plait.scheduling.local import QueueSession, SyncSession

_local = threading.local()


def default_num_workers():
    """Cores this process may use (``os.sched_getaffinity`` where it exists)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def check_num_workers(num_workers):
    if num_workers is None:
        return default_num_workers()
    if isinstance(num_workers, bool) or not isinstance(num_workers, int):
        raise TypeError(f"num_workers must be an int, got {num_workers!r}")
    if num_workers <= 0:
        raise ValueError(f"num_workers must be greater than 0, got {num_workers}")
    return num_workers


class ThreadPool:
    """``num_workers`` daemon threads that run (session, batch) items."""

    def __init__(self, num_workers):
        self.num_workers = num_workers
        self.inbox = SimpleQueue()
        self.threads = []
        self.closed = False
        for n in range(num_workers):
            t = threading.Thread(target=self._work, args=(n,), daemon=True,
                                 name=f"plait-thread-{n}")
            t.start()
            self.threads.append(t)

    def _work(self, n):
        _local.in_pool = True
        inbox = self.inbox
        while True:
            item = inbox.get()
            if item is None:
                return
            session, batch, context = item
            session.outbox.put(context.run(session.run_batch, batch, n))
            del item, session, batch, context

    def shutdown(self):
        """Stop the threads (after the batches already queued)."""
        if not self.closed:
            self.closed = True
            for _ in self.threads:
                self.inbox.put(None)
            for t in self.threads:
                t.join()


_pools = {}
_pools_lock = threading.Lock()


def get_pool(num_workers):
    """The shared pool of ``num_workers`` threads, made on first use."""
    with _pools_lock:
        pool = _pools.get(num_workers)
        if pool is None or pool.closed:
            pool = _pools[num_workers] = ThreadPool(num_workers)
        return pool


@atexit.register
def _shutdown_pools():
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown()


class ThreadSession(QueueSession):
    """One computation on a shared ThreadPool."""

    def __init__(self, compiled, pool, timing=False):
        super().__init__(compiled, pool.num_workers, timing)
        self.pool = pool

    def submit(self, batch):
        self.sent()
        # tasks see the caller's config.set blocks and other context variables
        self.pool.inbox.put((self, batch, copy_context()))


class ThreadBackend:
    """Threads in this process: good for code that releases the GIL."""

    name = "threads"

    def __init__(self, num_workers=None):
        self.nworkers = check_num_workers(num_workers)

    def session(self, compiled, timing=False):
        if getattr(_local, "in_pool", False):
            return SyncSession(compiled, timing)
        return ThreadSession(compiled, get_pool(self.nworkers), timing)
