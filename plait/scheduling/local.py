"""Sessions whose data lives in the calling process, and the sync backend.

``MemorySession`` keeps every value in one list indexed by task; the sync
session runs each batch at once in the caller's thread, so ``pdb``,
``%debug`` and profilers see the user's code directly and a task's own
exception is raised with its own traceback.
"""
from __future__ import annotations

from queue import SimpleQueue
from time import perf_counter

from plait.scheduling.compile import APPLY, REFS, run_spec
from plait.scheduling.engine import Report, now


class MemorySession:
    """Values in a list in this process; subclasses say where batches run."""

    keep_chain = False  # the engine sets it when a posttask hook wants every value
    pipelined = False  # the engine sets it when tasks are fast enough to queue two

    def __init__(self, compiled, timing=False):
        self.compiled = compiled
        self.data = [None] * len(compiled.keys)
        self.timing = timing
        self.cancelled = False
        pinned = bytearray(len(compiled.keys))
        for i in compiled.outputs:
            pinned[i] = 1
        self.pinned = pinned

    def put(self, i, value):
        self.data[i] = value

    def release(self, i):
        self.data[i] = None

    def gather(self, indices):
        data = self.data
        return [data[i] for i in indices]

    def peek(self, i):
        return self.data[i]

    def run_batch(self, batch, worker=None):
        """Run ``batch`` in order against ``self.data``; return a Report.

        Within a chain, a value whose only reader has run is dropped at once
        (unless it is an output, or callbacks want to see it in ``posttask``),
        so long chains hold one value at a time.
        """
        specs, data = self.compiled.specs, self.data
        chain, pinned = self.compiled.chain_next, self.pinned
        done = []
        times = [] if self.timing else None
        prev = -1
        start = perf_counter()
        for i in batch:
            if self.cancelled:
                return Report(done, times=times, worker=worker,
                              unrun=batch[len(done):])
            try:
                if times is None:
                    spec = specs[i]
                    kind = spec[0]
                    if kind == REFS:
                        data[i] = spec[1](*[data[j] for j in spec[2]])
                    elif kind == APPLY:
                        data[i] = spec[1](*spec[2])
                    else:
                        data[i] = run_spec(spec, data)
                else:
                    t0 = now()
                    data[i] = run_spec(specs[i], data)
                    times.append((t0, now()))
            except BaseException as exc:  # noqa: B902 - reported, then re-raised by the engine
                return Report(done, error=(i, exc), times=times, worker=worker)
            if prev >= 0 and chain[prev] == i and not pinned[prev] and not self.keep_chain:
                data[prev] = None
            prev = i
            done.append(i)
        return Report(done, times=times, worker=worker, elapsed=perf_counter() - start)

    def close(self, cancel):
        if cancel:
            self.cancelled = True


class QueueSession(MemorySession):
    """A session whose batches run elsewhere and report through a queue.

    ``workers`` run at once; up to two batches per worker are in flight when
    the engine says tasks are fast (``pipelined``), one otherwise. Subclasses
    define ``submit`` (which must call ``sent()``) and may turn queue items
    into Reports with ``_report``.
    """

    def __init__(self, compiled, workers, timing=False):
        super().__init__(compiled, timing)
        self.outbox = SimpleQueue()
        self.workers = workers
        self.inflight = 0

    def free_slots(self):
        return (2 * self.workers if self.pipelined else self.workers) - self.inflight

    def sent(self):
        self.inflight += 1

    def _report(self, item):
        return item

    def wait(self):
        reports = [self._report(self.outbox.get())]
        while not self.outbox.empty():
            reports.append(self._report(self.outbox.get()))
        self.inflight -= len(reports)
        return reports


class SyncSession(MemorySession):
    """Run each batch right away in the calling thread.

    ``inline``: the engine drives this session with its single-thread loop,
    running tasks against ``data`` itself; ``submit``/``wait`` serve any
    caller that uses the batch interface.
    """

    inline = True

    def __init__(self, compiled, timing=False):
        super().__init__(compiled, timing)
        self.reports = []

    def free_slots(self):
        return 1

    def submit(self, batch):
        # a task's exception comes back in the report; the engine raises that
        # same object, so its traceback still ends in the task's own frame
        self.reports.append(self.run_batch(batch, worker=0))

    def wait(self):
        reports, self.reports = self.reports, []
        return reports


class SyncBackend:
    """The synchronous backend: one worker, the caller's own thread."""

    name = "sync"
    nworkers = 1

    def session(self, compiled, timing=False):
        return SyncSession(compiled, timing)
