"""The one scheduling engine: an event-driven state machine over a compiled graph.

The engine decides, a *session* executes. Every backend (sync, threads,
processes, any Executor) gives the engine a session with this interface::

    session.free_slots()          how many more batches it takes now (one per idle
                                  worker, or two when ``session.pipelined`` is
                                  set: the engine sets it when tasks are fast)
    session.submit(batch)         run these task indices, in order, on one worker
    session.wait()                block until >= 1 batch reports; list of Report
    session.put(i, value)         a literal value for task i
    session.release(i)            nobody needs task i's value any more
    session.gather(indices)       the values of these (finished) tasks
    session.peek(i)               task i's value, or a stand-in, for callbacks
    session.close(cancel)         end of this computation

Task states (one list, ``State.status``)::

    WAITING --(last dependency done)--> READY --(dispatched)--> RUNNING
    RUNNING --(report)--> DONE --(last dependent done)--> RELEASED

A chain (``Compiled.chain_next``) is dispatched with its head, so its later
members go from WAITING straight to RUNNING. A worker that dies loses the
values it held: ``State.lose`` puts those tasks (and released inputs they
need again) back to WAITING/READY so they are recomputed.
"""
from __future__ import annotations

import time
from heapq import heapify, heappop, heappush

from plait.graph.core import key_str
from plait.scheduling.compile import APPLY, REFS, run_spec

WAITING, READY, RUNNING, DONE, RELEASED = range(5)
STATUS_NAMES = ("waiting", "ready", "running", "done", "released")
MAX_BATCH = 1000
BATCH_SECONDS = 0.002  # aim for batches that take about this long to run
FIRST_BATCH = 1  # batch size before any task's cost is known


class Report:
    """What a session says about one batch it ran.

    ``tasks``: indices that finished, in order; ``error``: ``None`` or
    ``(index, exception)`` for the task that failed (the rest of the batch
    did not run); ``times``: ``(start, end)`` per finished task (``time.time``
    in the worker) when asked for; ``worker``: an id; ``nbytes``: sizes per
    finished task when known; ``elapsed``: seconds the worker spent on
    the batch, when known (the engine sizes batches from it); ``lost``: indices whose values are gone (a dead
    worker) and must be recomputed; ``unrun``: dispatched tasks that did not
    run and must be scheduled again.
    """

    __slots__ = ("tasks", "error", "times", "worker", "nbytes", "lost", "unrun",
                 "elapsed")

    def __init__(self, tasks, error=None, times=None, worker=None, nbytes=None,
                 lost=(), unrun=(), elapsed=None):
        self.tasks = tasks
        self.elapsed = elapsed
        self.error = error
        self.times = times
        self.worker = worker
        self.nbytes = nbytes
        self.lost = lost
        self.unrun = unrun


class RunStatistics(tuple):
    """A frozen count of tasks in each state."""

    __slots__ = ()
    _fields = ("tasks_waiting", "tasks_ready", "tasks_running", "tasks_done",
               "tasks_released", "tasks_total")

    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    def __getattr__(self, name):
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def __repr__(self):
        inner = ", ".join(f"{f}={v}" for f, v in zip(self._fields, self))
        return f"RunStatistics({inner})"


class State:
    """Per-computation scheduling state, with named fields.

    ``compiled`` is the graph in integer form; ``status``, ``waiting`` (number
    of unfinished dependencies) and ``refcount`` (dependents not yet done,
    plus one per request of an output) are lists indexed by task; ``ready`` is
    a heap of priorities; ``times`` maps index -> (start, end) when timing is
    on; ``worker_of`` maps index -> worker id when timing is on.
    """

    def __init__(self, compiled, session, timing=False, keep_chain=False):
        c = self.compiled = compiled
        self.session = session
        n = len(c.keys)
        self.status = [WAITING] * n
        self.waiting = list(map(len, c.dependencies))
        self.refcount = list(map(len, c.dependents))
        for i in c.outputs:
            self.refcount[i] += 1
        self.by_priority = [0] * n
        for i, p in enumerate(c.priority):
            self.by_priority[p] = i
        self.ready = []
        self.ndone = 0
        self.nrunning = 0
        self.task_cost = None  # running estimate of seconds per task
        # with a posttask hook, workers keep chain values until it has seen
        # them, so chains go out in short pieces to keep memory bounded
        self.max_chain = 16 if keep_chain else -1
        self.recomputed = 0
        self.timing = timing
        self.times = {} if timing else None
        self.worker_of = {} if timing else None

    # -- queries -----------------------------------------------------------
    @property
    def keys(self):
        return self.compiled.keys

    def stats(self):
        """A frozen ``RunStatistics`` of the current counts."""
        counts = [0] * 5
        for s in self.status:
            counts[s] += 1
        return RunStatistics(*counts, len(self.status))

    def __repr__(self):
        return f"<plait State {self.stats()!r}>"

    # -- transitions ---------------------------------------------------------
    def start(self):
        """Put literals in place and mark what can run."""
        c = self.compiled
        status, prio = self.status, c.priority
        for i in c.leaves:
            status[i] = READY
        self.ready = [prio[i] for i in c.leaves]
        heapify(self.ready)
        put, specs = self.session.put, c.specs
        for i in c.literals:
            put(i, specs[i][2])
        for i in c.literals:
            self.finish(i)

    def take(self, slots):
        """Pop one batch of ready tasks (plus their chains) for ``slots`` free slots."""
        ready, status, chain = self.ready, self.status, self.compiled.chain_next
        bp = self.by_priority
        k = len(ready) // slots
        cost = self.task_cost
        limit = FIRST_BATCH if cost is None else (
            MAX_BATCH if cost * MAX_BATCH < BATCH_SECONDS else int(BATCH_SECONDS / cost))
        k = 1 if k < 1 else (limit if k > limit else k)
        if k < 1:
            k = 1
        batch = []
        for _ in range(k):
            i = bp[heappop(ready)]
            status[i] = RUNNING
            batch.append(i)
            j = chain[i]
            room = self.max_chain
            while j >= 0 and status[j] == WAITING and room:
                status[j] = RUNNING
                batch.append(j)
                j = chain[j]
                room -= 1
            if not ready:
                break
        self.nrunning += len(batch)
        return batch

    def finish(self, i):
        """Task ``i`` has its value: wake dependents, release unneeded inputs."""
        c = self.compiled
        status, waiting, refcount = self.status, self.waiting, self.refcount
        status[i] = DONE
        self.ndone += 1
        for j in c.dependents[i]:
            w = waiting[j] - 1
            waiting[j] = w
            if not w and status[j] == WAITING:
                status[j] = READY
                heappush(self.ready, c.priority[j])
        for d in c.dependencies[i]:
            r = refcount[d] - 1
            refcount[d] = r
            if not r:
                status[d] = RELEASED
                self.session.release(d)
        if not refcount[i]:  # nothing needs it (cannot happen after culling)
            status[i] = RELEASED
            self.session.release(i)

    def requeue(self, indices):
        """Dispatched tasks that did not run go back to READY or WAITING."""
        status, prio = self.status, self.compiled.priority
        for i in indices:
            if status[i] == RUNNING:
                if self.waiting[i]:
                    status[i] = WAITING
                else:
                    status[i] = READY
                    heappush(self.ready, prio[i])

    def lose(self, indices):
        """Values of finished tasks are gone: recompute those still needed."""
        c = self.compiled
        status, waiting, refcount = self.status, self.waiting, self.refcount
        stack = [i for i in indices if status[i] in (DONE, RELEASED)]
        while stack:
            i = stack.pop()
            if status[i] not in (DONE, RELEASED):
                continue
            was_released = status[i] == RELEASED
            if was_released and not refcount[i]:
                # only needed again if a dependent will be recomputed; the
                # caller increments refcount first in that case
                continue
            self.ndone -= 1
            self.recomputed += 1
            status[i] = WAITING
            for j in c.dependents[i]:
                if status[j] in (WAITING, READY, RUNNING):
                    waiting[j] += 1
                    if status[j] == READY:
                        status[j] = WAITING  # stays in heap; skipped on pop
            waiting[i] = 0
            for d in c.dependencies[i]:
                refcount[d] += 1
                if status[d] == RELEASED:
                    stack.append(d)
                if status[d] not in (DONE,):
                    waiting[i] += 1
            if c.specs[i][0] == 3:  # a literal: put it back at once
                self.session.put(i, c.specs[i][2])
                status[i] = DONE
                self.ndone += 1
                self.recomputed -= 1
                for j in c.dependents[i]:
                    if status[j] in (WAITING, READY, RUNNING):
                        waiting[j] -= 1
            elif not waiting[i]:
                status[i] = READY
                heappush(self.ready, c.priority[i])
        self._repair_ready()

    def _repair_ready(self):
        """Rebuild the heap from statuses (after ``lose``)."""
        prio, status, waiting = self.compiled.priority, self.status, self.waiting
        heap = []
        for i, s in enumerate(status):
            if s in (READY, WAITING) and not waiting[i]:
                status[i] = READY
                heap.append(prio[i])
        heap.sort()
        self.ready = heap


def needs_times(callbacks):
    """Should workers time each task for these callbacks? Yes unless every
    one of them sets the attribute ``needs_times = False``.

    >>> class Quiet:
    ...     needs_times = False
    >>> needs_times(()), needs_times([Quiet()]), needs_times([Quiet(), object()])
    (False, False, True)
    """
    return any(getattr(cb, "needs_times", True) for cb in callbacks)


def run(compiled, session, callbacks=()):
    """Run a compiled graph with a session; return the outputs' values.

    ``callbacks`` are objects with any of the optional hooks ``start_state``,
    ``pretask``, ``posttask`` and ``finish`` (see ``plait.callbacks``).
    Workers time tasks only when a callback needs it (``needs_times``), and
    keep chain values for ``posttask`` only when there is one.
    """
    pre = [cb.pretask for cb in callbacks if getattr(cb, "pretask", None)]
    post = [cb.posttask for cb in callbacks if getattr(cb, "posttask", None)]
    session.keep_chain = bool(post)
    state = State(compiled, session, timing=needs_times(callbacks), keep_chain=bool(post))
    graph, keys = compiled.graph, compiled.keys
    errored = True
    try:
        for cb in callbacks:
            if getattr(cb, "start_state", None):
                cb.start_state(graph, state)
        state.start()
        n = len(keys)
        if getattr(session, "inline", False):
            _drive_inline(state, session.data, pre, post)
        while state.ndone < n:
            # queue a second batch per worker only for fast tasks: slow ones
            # would just hold their inputs (and outputs) in memory early
            cost = state.task_cost
            session.pipelined = cost is not None and cost < BATCH_SECONDS
            slots = session.free_slots()
            while slots > 0 and state.ready:
                batch = state.take(slots)
                if pre:
                    for i in batch:
                        for f in pre:
                            f(keys[i], graph, state)
                session.submit(batch)
                slots -= 1
            if state.ndone >= n:
                break
            if not state.ready and not state.nrunning:
                raise RuntimeError("plait internal error: no task can run; "
                                   "please report this with your graph")
            for report in session.wait():
                _handle(state, report, post)
        values = session.gather(compiled.outputs)
        errored = False
        return values
    except BaseException:
        session.close(cancel=True)
        raise
    finally:
        if not errored:
            session.close(cancel=False)
        _finish_all(callbacks, graph, state, errored)


def _finish_all(callbacks, graph, state, errored):
    """Call every ``finish`` hook, even if one raises; then raise the first error."""
    first = None
    for cb in callbacks:
        if getattr(cb, "finish", None):
            try:
                cb.finish(graph, state, errored)
            except BaseException as exc:  # noqa: B902 - re-raised below
                first = first or exc
    if first is not None and not errored:
        raise first


def _drive_inline(state, data, pre, post):
    """The event loop for a backend that runs tasks in this very thread.

    The same transitions as ``State.take``/``State.finish``, written as one
    loop: no batches, no reports, nothing to hand over, so the per-task cost
    is the engine's alone. A task's exception is raised from here with its
    own traceback (its frame is the last one), so ``pdb`` lands in the task.
    """
    c = state.compiled
    ready, status, waiting, refcount = state.ready, state.status, state.waiting, state.refcount
    specs, deps, dependents, prio = c.specs, c.dependencies, c.dependents, c.priority
    bp, keys, graph, timing = state.by_priority, c.keys, c.graph, state.timing
    while ready:
        i = bp[heappop(ready)]
        status[i] = RUNNING
        if pre:
            for f in pre:
                f(keys[i], graph, state)
        spec = specs[i]
        kind = spec[0]
        if timing:
            t0 = now()
        try:
            if kind == REFS:
                value = spec[1](*[data[j] for j in spec[2]])
            elif kind == APPLY:
                value = spec[1](*spec[2])
            else:
                value = run_spec(spec, data)
        except BaseException as exc:  # noqa: B902 - re-raised with its key
            raise add_key_note(exc, keys[i])
        data[i] = value
        if timing:
            state.times[i] = (t0, now())
            state.worker_of[i] = 0
        if post:
            for f in post:
                f(keys[i], value, graph, state, 0)
        status[i] = DONE
        state.ndone += 1
        for j in dependents[i]:
            w = waiting[j] - 1
            waiting[j] = w
            if not w:
                status[j] = READY
                heappush(ready, prio[j])
        for d in deps[i]:
            r = refcount[d] - 1
            refcount[d] = r
            if not r:
                status[d] = RELEASED
                data[d] = None


def _handle(state, report, post):
    finish = state.finish
    state.nrunning -= len(report.tasks) + len(report.unrun) + (report.error is not None)
    if report.elapsed is not None and report.tasks:
        cost = report.elapsed / len(report.tasks)
        old = state.task_cost
        state.task_cost = cost if old is None else 0.5 * (old + cost)
    if report.times is not None and state.timing:
        for i, t in zip(report.tasks, report.times):
            state.times[i] = t
            state.worker_of[i] = report.worker
    if post:
        keys, graph, peek = state.compiled.keys, state.compiled.graph, state.session.peek
        for i in report.tasks:
            for f in post:
                f(keys[i], peek(i), graph, state, report.worker)
            finish(i)
    else:
        for i in report.tasks:
            finish(i)
    if report.lost:
        state.lose(report.lost)
    if report.unrun:
        state.requeue(report.unrun)
    if report.error is not None:
        i, exc = report.error
        raise add_key_note(exc, state.compiled.keys[i])


def add_key_note(exc, key):
    """Attach 'while computing task <key>' to ``exc`` (a PEP 678 note) and return it."""
    note = f"plait: raised while computing task {key_str(key)}"
    notes = getattr(exc, "__notes__", None)
    if notes is None or note not in notes:
        try:
            if hasattr(exc, "add_note"):
                exc.add_note(note)
            else:  # Python 3.10
                exc.__notes__ = [*(notes or ()), note]
        except Exception:  # an exception type that forbids attributes
            pass
    return exc


def now():
    """Wall-clock seconds, comparable across processes of one machine."""
    return time.time()
