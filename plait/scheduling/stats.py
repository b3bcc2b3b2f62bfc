"""Counters of one process-backend computation, and the last ones recorded.

During a computation ``state.session.counters`` (a ``Counters``) is live, so
callbacks can read it; when it ends, a frozen ``ProcessStats`` snapshot is
kept and ``last_run_stats()`` returns it.
"""
from __future__ import annotations

import threading

FIELDS = (
    "tasks_run",            # task executions, recomputations and retries included
    "tasks_per_worker",     # tuple: executions per worker slot
    "recomputed",           # executions of a task that had already run
    "transfers",            # values moved from one worker to another
    "bytes_transferred",    # bytes of those values, all paths
    "bytes_shared_memory",  # ... of which through shared memory
    "bytes_relayed",        # ... of which through the main process (small values)
    "bytes_to_main",        # bytes of results returned to the main process
    "bytes_from_main",      # bytes of values the main process sent (graph literals)
    "workers_lost",         # workers that died or were killed during the run
    "retries",              # tasks run again after an exception or a timeout
)


class ProcessStats(tuple):
    """A frozen record of what a processes computation moved and ran.

    >>> s = ProcessStats(*range(len(FIELDS)))
    >>> s.tasks_run, s.bytes_to_main
    (0, 7)
    """

    __slots__ = ()
    _fields = FIELDS

    def __new__(cls, *values):
        if len(values) != len(FIELDS):
            raise TypeError(f"ProcessStats takes {len(FIELDS)} values, got {len(values)}")
        return tuple.__new__(cls, values)

    def __getattr__(self, name):
        try:
            return self[FIELDS.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def _asdict(self):
        return dict(zip(FIELDS, self))

    def __repr__(self):
        inner = ", ".join(f"{f}={v!r}" for f, v in zip(FIELDS, self))
        return f"ProcessStats({inner})"


class Counters:
    """The live, mutable counts of one computation (see ``FIELDS``).

    >>> c = Counters(2)
    >>> c.tasks_run += 3
    >>> c.freeze().tasks_run
    3
    """

    def __init__(self, num_workers):
        for name in FIELDS:
            setattr(self, name, 0)
        self.tasks_per_worker = [0] * num_workers

    def freeze(self):
        """A ``ProcessStats`` snapshot."""
        values = [getattr(self, f) for f in FIELDS]
        values[FIELDS.index("tasks_per_worker")] = tuple(self.tasks_per_worker)
        return ProcessStats(*values)

    def __repr__(self):
        return f"<Counters {self.freeze()!r}>"


_last = None
_lock = threading.Lock()


def record(stats):
    """Keep ``stats`` as the last run's (the processes session does, at its end).

    >>> record(Counters(2).freeze())
    >>> last_run_stats().tasks_per_worker
    (0, 0)
    """
    global _last
    with _lock:
        _last = stats


def last_run_stats():
    """The ``ProcessStats`` of the last processes computation, or ``None``.

    >>> import plait.multiprocessing
    >>> from operator import add
    >>> plait.multiprocessing.get({'a': 1, 'b': (add, 'a', 1)}, 'b', num_workers=1)
    2
    >>> last_run_stats().tasks_run
    1
    """
    with _lock:
        return _last
