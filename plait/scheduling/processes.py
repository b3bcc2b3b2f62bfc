"""The processes backend: values stay in the worker that made them.

Data flow (one computation; ``ProcessSession`` lives in the caller's thread)::

    engine --submit(batch)--> ProcessSession: place the batch on the worker
      |                       holding most of its input bytes (placement.py)
      |                          |                                  worker processes
      |                          | inputs held by another worker?   (worker.py)
      |                          +--'x' export i ------------------> worker B
      |                          |<-- descriptor: shm name, sizes --  (value -> shm)
      |                          +--'i' import descriptor ---------> worker A maps shm
      |                          +--'r' run batch (pickled once) --> worker A runs it,
      |                                                              keeps results
      +<--wait()-- Report <----- 'r' done: sizes, requested outputs -- worker A
      |            Report(lost, unrun) <-- sentinel: worker A died; a replacement starts
      +--release(i)--> 'd' delete i, to every worker holding it (batched)
      +--gather()----> outputs came back with their batch; nothing else does

Only descriptors (a shared-memory name and frame sizes) pass through the
main process for large values; small values (under
``transfer.SHM_MIN_BYTES``) are relayed through its pipes. The session
records, per task, which worker holds its value (``where``, plus copies in
``extra``) and its size (``nbytes``). Every shared-memory name is chosen by
the main process, so the ones not yet consumed can be unlinked when a worker
dies, when a task fails and on Ctrl-C.

Counters of each computation are live in ``session.counters`` (callbacks see
it as ``state.session.counters``) and, when it ends, in
``plait.multiprocessing.last_run_stats()``.

The parts, one job each: ``pool.py`` (persistent worker processes),
``worker.py`` (a worker's loops), ``transfer.py`` (values as pickle-5 frames
in shared memory), ``placement.py`` (which worker), ``moves.py`` (inputs to
the chosen worker), ``recovery.py`` (dead workers, timeouts, Ctrl-C),
``stats.py`` (counters); this module is the session and the backend.

Failures: a worker that dies (killed, segfault, ``os._exit``) is noticed at
once through its process sentinel; the batches it had are run again and the
values only it held are recomputed (``Report.lost``). A task running when its
worker died 3 times fails with ``TerminatedWorkerError`` naming it. A task
that raises is run again ``retries`` times; a task running longer than
``timeout`` seconds has its worker killed (and counts as a failure).
KeyboardInterrupt kills the workers busy with the computation; any other
error lets them finish their current task and skip the rest.
"""
from __future__ import annotations

import io
import itertools
import multiprocessing
import multiprocessing.connection
import pickle
import sys
import time

from plait.graph.core import key_str
from plait.scheduling import pool as pools
from plait.scheduling import worker
from plait.scheduling.engine import Report
from plait.scheduling.executor import RemoteTraceback, SerializationError, rebuild_exception
from plait.scheduling.local import SyncSession
from plait.scheduling.moves import Moves
from plait.scheduling.placement import choose_worker
from plait.scheduling.recovery import MAX_DEATHS, Recovery, TaskTimeoutError, TerminatedWorkerError
from plait.scheduling.stats import Counters, record
from plait.scheduling.threads import check_num_workers
from plait.scheduling.transfer import desc_nbytes, sizeof, unlink, unpack
from plait.scheduling.transfer import pickler as make_pickler

__all__ = ["ProcessBackend", "ProcessSession", "InWorker", "TerminatedWorkerError",
           "TaskTimeoutError", "MAX_DEATHS", "check_context"]

CAPACITY = 2      # batches in flight per worker: one running, one waiting
AFFINITY_BATCH = 8     # batches this small also look at where their readers' ...
AFFINITY_FAN_IN = 16   # ... other inputs are, for readers of this many inputs


class InWorker:
    """What ``session.peek`` shows for a value held by a worker process."""

    __slots__ = ("key", "worker", "nbytes")

    def __init__(self, key, worker, nbytes):
        self.key, self.worker, self.nbytes = key, worker, nbytes

    def __repr__(self):
        where = "released" if self.worker < 0 else f"in worker {self.worker}"
        return f"<value of {key_str(self.key)}, {where}, {self.nbytes} bytes>"


class Batch:
    """Tasks sent (or about to be sent) to one worker in one message."""

    __slots__ = ("bid", "slot", "tasks", "specs", "drops", "outputs", "imports",
                 "missing", "sent", "cancelled", "consumes", "careful")

    def __init__(self, bid, slot, tasks, specs, drops, outputs):
        self.bid, self.slot, self.tasks = bid, slot, tasks
        self.specs, self.drops, self.outputs = specs, drops, outputs
        self.imports = []
        self.careful = False
        self.consumes = ()  # shared-memory names imported before it was sent
        self.missing = 0
        self.sent = self.cancelled = False


class ProcessSession(Moves, Recovery):
    """One computation on a pool of worker processes (see the module docstring).

    Its input transfers live in ``moves.py`` and its failure handling in
    ``recovery.py``.
    """

    def __init__(self, compiled, pool, timing=False, retries=0, timeout=None):
        self.compiled = compiled
        self.pool = pool
        self.timing = timing
        self.retries = retries
        self.timeout = timeout
        self.flags = (worker.TIMING if timing else 0) | (worker.WATCH if timeout else 0)
        self.sid = next(pool.sids)
        n, nw = len(compiled.keys), pool.num_workers
        self.where = [-1] * n           # worker holding each value, -1: none
        self.extra = {}                 # index -> set of other workers with a copy
        self.nbytes = [0] * n
        self.local = {}                 # values in this process: literals, outputs
        self.packed = {}                # descriptors of local values, made once
        self.pinned = bytearray(n)
        for i in compiled.outputs:
            self.pinned[i] = 1
        self.ran = bytearray(n)
        self.assigned = [-1] * n        # worker each task was last sent to
        self.load = [0] * nw            # batches in flight per worker
        self.queued = [0] * nw          # tasks in flight per worker
        self.batches = {}               # bid -> Batch, sent or waiting for inputs
        self.waiting = {}               # (worker, index) -> [Batch] awaiting that import
        self.requests = {}              # request id -> (source, destination, items)
        self.segments = {}              # shm name -> (source, destination), unconsumed
        self.bundles = {}               # -1 - request id -> indices of a bundle sent
        self.inbound = [[] for _ in range(nw)]  # names sent to a worker to import
        self.releases = [[] for _ in range(nw)]
        self.reports = []
        self.failures = {}              # index -> exceptions/timeouts so far
        self.deaths = {}                # index -> workers that died running it
        self.timed_out = {}             # worker -> index killed for its timeout
        self.task_time = 1e-3
        self.counters = Counters(nw)
        self.bids = itertools.count()
        self.reqs = itertools.count()
        self.busy_io = None             # worker whose pipe is mid-message
        self.closed = False

    # -- the session interface ---------------------------------------------
    def free_slots(self):
        return CAPACITY * self.pool.num_workers - sum(self.load)

    def put(self, i, value):
        self.local[i] = value
        self.nbytes[i] = sizeof(value)

    def release(self, i):
        if i in self.local:
            del self.local[i]
            self.packed.pop(i, None)
        s = self.where[i]
        if s >= 0:
            self.releases[s].append(i)
            self.where[i] = -1
        if self.extra:
            for s in self.extra.pop(i, ()):
                self.releases[s].append(i)

    def gather(self, indices):
        local = self.local
        return [local[i] for i in indices]

    def peek(self, i):
        if i in self.local:
            return self.local[i]
        return InWorker(self.compiled.keys[i], self.where[i], self.nbytes[i])

    def submit(self, batch):
        c = self.compiled
        deps = c.dependencies
        if len(batch) == 1:
            external, drops = deps[batch[0]], (None, {})
        else:
            pos = {i: p for p, i in enumerate(batch)}
            external = {d: None for i in batch for d in deps[i] if d not in pos}
            drops = self._drops(batch, pos)
        specs, careful = self._pickle_specs(batch)
        slot = self._place(batch, external)
        assigned = self.assigned
        for i in batch:
            assigned[i] = slot
        outputs = tuple(i for i in batch if self.pinned[i])
        b = Batch(next(self.bids), slot, batch, specs, drops, outputs)
        b.careful = careful
        self.batches[b.bid] = b
        self.load[slot] += 1
        self.queued[slot] += len(batch)
        self._fetch(b, external)
        if not b.missing:
            self._send_run(b)

    def wait(self):
        self._flush_releases()
        while not self.reports:
            self._poll(self._poll_timeout())
            if self.timeout is not None:
                self._check_timeouts()
        reports, self.reports = self.reports, []
        return reports

    def close(self, cancel):
        if self.closed:
            return
        self.closed = True
        try:
            if cancel:
                self._cancel(sys.exc_info()[1])
            for h in self.pool.workers:
                if h.alive:
                    self._send(h.slot, ("z", self.sid))
            for name in self.segments:
                unlink(name)
            self.segments.clear()
        finally:
            record(self.counters.freeze())
            pools.release(self.pool)

    # -- sending -----------------------------------------------------------
    def _send(self, slot, msg):
        payload = pickle.dumps(msg, protocol=5)
        h = self.pool.workers[slot]
        self.busy_io = slot
        try:
            h.conn.send_bytes(payload)
        except (OSError, ValueError):
            pass  # a dead worker: its sentinel reports it
        self.busy_io = None

    def _pickle_specs(self, batch, careful=False):
        """The batch's specs pickled as one list, or (``careful``) one by one.

        The worker unpickles a careful batch task by task, so a task that
        fails to unpickle is named; batches are sent careful after the plain
        list failed to unpickle.
        """
        buf = io.BytesIO()
        pickler = make_pickler(buf)
        specs = self.compiled.specs
        if not careful:
            try:
                pickler.dump([specs[i] for i in batch])
                return buf.getvalue(), False
            except Exception:  # find the task to blame, one by one
                buf = io.BytesIO()
                pickler = make_pickler(buf)
        for i in batch:
            try:
                pickler.dump(specs[i])
            except Exception as exc:
                raise SerializationError(
                    f"task {key_str(self.compiled.keys[i])} could not be pickled to "
                    f"send it to a worker process: {exc!r}. Make sure its function "
                    f"and arguments can be pickled, or use scheduler='threads'."
                ) from exc
        return buf.getvalue(), True

    def _drops(self, batch, pos):
        """When the worker may delete values nobody outside the batch needs.

        Returns ``(links, drops)``: ``links[p]`` set means "after position
        ``p``, delete the task at ``p - 1``" (a link of a chain, the common
        case, sent as bytes); ``drops[p]`` lists other tasks to delete after
        position ``p``.
        """
        links, drops = bytearray(len(batch) + 1), {}
        dependents, pinned = self.compiled.dependents, self.pinned
        for p, i in enumerate(batch):
            ds = dependents[i]
            if len(ds) == 1:  # one reader
                last = pos.get(ds[0], -1)
                if last == p + 1 and not pinned[i]:
                    links[last] = 1
                    continue
            else:
                last = _last_reader(ds, pos)
            if last < 0 or pinned[i]:
                continue
            d = drops.get(last)
            if d is None:
                drops[last] = [i]
            else:
                d.append(i)
        return (bytes(links) if any(links) else None), drops

    def _place(self, batch, external):
        nw = self.pool.num_workers
        workers = self.pool.workers
        held, total = None, 0
        if external:
            held = [0] * nw
            where, extra, nbytes = self.where, self.extra, self.nbytes
            for d in external:
                nb = nbytes[d]
                total += nb
                s = where[d]
                if s >= 0:
                    held[s] += nb
                if extra:
                    for s in extra.get(d, ()):
                        held[s] += nb
            if len(batch) <= AFFINITY_BATCH:
                total += self._siblings(batch, held, total // len(external))
        free = [load < CAPACITY for load in self.load]
        ready = [h.ready for h in workers]
        return choose_worker(held, total, self.queued, self.task_time, free, ready)

    def _siblings(self, batch, held, guess):
        """Add to ``held`` the bytes the batch's readers need from elsewhere.

        A reader of this batch's results also reads its siblings; where
        those are (or are being made) the results will be wanted, so
        running there saves a move later. Values not made yet count as
        ``guess`` bytes. Returns the bytes counted.
        """
        c = self.compiled
        deps, where, assigned, nbytes = c.dependencies, self.where, self.assigned, self.nbytes
        counted = 0
        for i in batch:
            for j in c.dependents[i]:
                ds = deps[j]
                if len(ds) > AFFINITY_FAN_IN:
                    continue
                for d in ds:
                    if d == i:
                        continue
                    s = where[d] if where[d] >= 0 else assigned[d]
                    if s >= 0:
                        nb = nbytes[d] or guess
                        held[s] += nb
                        counted += nb
        return counted

    def _send_run(self, b):
        slot = b.slot
        imports = self._local_imports(slot, b.imports) if b.imports else ()
        drops = b.drops
        rel = self.releases[slot]
        if rel:
            self.releases[slot] = []
        if self.inbound[slot]:  # consumed once the worker has read this batch
            b.consumes, self.inbound[slot] = self.inbound[slot], []
        if b.outputs:  # the name its outputs may come back under
            self.segments[worker.output_name(self.pool.prefix, self.sid, b.bid)] = (slot, -1)
        flags = self.flags | worker.CAREFUL if b.careful else self.flags
        self._send(slot, ("r", self.sid, b.bid, b.tasks, b.specs, imports, drops,
                          b.outputs, flags, rel))
        b.sent = True
        b.specs = None

    def _flush_releases(self):
        for slot, rel in enumerate(self.releases):
            if rel:
                self.releases[slot] = []
                self._send(slot, ("d", self.sid, rel))

    # -- receiving ---------------------------------------------------------
    def _poll_timeout(self):
        if self.timeout is None:
            return None
        st, now, soonest = self.pool.status, time.time(), None
        for slot, load in enumerate(self.load):
            if load and st[3 * slot] == self.sid and st[3 * slot + 1] >= 0:
                left = st[3 * slot + 2] + self.timeout - now
                soonest = left if soonest is None else min(soonest, left)
        return 0.05 if soonest is None else min(max(soonest, 0.0), 0.05) + 0.001

    def _poll(self, timeout):
        handles = {}
        for h in self.pool.workers:
            handles[h.conn] = h
            handles[h.sentinel] = h
        ready = multiprocessing.connection.wait(list(handles), timeout)
        dead = []
        for obj in ready:
            h = handles[obj]
            if obj is h.conn:
                if not self._drain(h):
                    dead.append(h)
            elif h not in dead:
                dead.append(h)
        for h in dead:
            if self.pool.workers[h.slot] is h:
                self._on_death(h)

    def _drain(self, h):
        """Handle every message waiting from ``h``; False if its pipe is closed."""
        conn = h.conn
        while True:
            try:
                if not conn.poll():
                    return True
                self.busy_io = h.slot
                data = conn.recv_bytes()
                self.busy_io = None
            except (EOFError, OSError):
                self.busy_io = None
                return False
            self._on_message(h, pickle.loads(data))

    def _on_message(self, h, msg):
        kind = msg[0]
        if kind == "ready" or kind == "init!":
            self.pool.on_message(h, msg)
        elif msg[1] != self.sid:
            return  # from an earlier, cancelled computation
        elif kind == "r":
            self._on_done(h.slot, msg)
        elif kind == "x":
            self._on_exported(msg)
        elif kind == "i!":
            _, _, i, exc_bytes, tb = msg
            i = self.bundles[i][0] if i < 0 else i
            self.reports.append(Report([], worker=h.slot, error=(i, self._serialization(
                f"the value of {self._key(i)} could not be unpickled in worker "
                f"process {h.slot}", exc_bytes, tb))))

    def _key(self, i):
        return key_str(self.compiled.keys[i])

    def _serialization(self, what, exc_bytes, tb):
        exc = _load_exception(exc_bytes)
        err = SerializationError(f"{what}: {exc!r}. Use scheduler='threads' for values "
                                 f"that cannot be pickled.")
        err.__cause__ = RemoteTraceback(f'\n"""\n{tb}"""')
        return err

    def _on_done(self, slot, msg):
        _, _, bid, ndone, nbytes, times, error, outs, elapsed = msg
        b = self.batches.pop(bid, None)
        if b is None or b.cancelled:
            return
        self.load[slot] -= 1
        self.queued[slot] -= len(b.tasks)
        for name in b.consumes:
            self.segments.pop(name, None)
        full = ndone == len(b.tasks)
        tasks = b.tasks if full else b.tasks[:ndone]
        self._record(slot, tasks, _kept(tasks, b.drops) if full else tasks, nbytes)
        c = self.counters
        c.tasks_run += ndone
        c.tasks_per_worker[slot] += ndone
        if ndone:
            self.task_time = 0.8 * self.task_time + 0.2 * elapsed / ndone
        report = Report(tasks, times=times, worker=slot, elapsed=elapsed)
        if outs is not None:
            c.bytes_to_main += desc_nbytes(outs)
            try:
                self.local.update(unpack(outs))
                self.segments.pop(worker.output_name(self.pool.prefix, self.sid, bid), None)
            except Exception as exc:
                names = ", ".join(self._key(j) for j in b.outputs)
                what = "the result of" if len(b.outputs) == 1 else "one of the results of"
                report.error = (b.outputs[0], SerializationError(
                    f"{what} {names} could not be unpickled in the main process: {exc!r}"))
                error = None
        if error is not None and error[1] == "load-batch" and not b.careful:
            self._resend_careful(b)  # to learn which task will not unpickle
            return
        if error is not None:
            self._task_error(b, ndone, error, report)
        self.reports.append(report)

    def _resend_careful(self, b):
        b.specs, b.careful = self._pickle_specs(b.tasks, careful=True)[0], True
        self.batches[b.bid] = b
        self.load[b.slot] += 1
        self.queued[b.slot] += len(b.tasks)
        self._send_run(b)

    def _record(self, slot, tasks, kept, nbytes):
        """Note where the values kept now live, their sizes, and reruns."""
        where, sizes = self.where, self.nbytes
        for i, nb in zip(kept, nbytes):
            if nb >= 0:
                if where[i] >= 0 and where[i] != slot:
                    self.extra.setdefault(i, set()).add(where[i])
                where[i] = slot
                sizes[i] = nb
        ran, rec = self.ran, 0
        for i in tasks:
            if ran[i]:
                rec += 1
            else:
                ran[i] = 1
        self.counters.recomputed += rec

    def _task_error(self, b, ndone, error, report):
        i, kind, exc_bytes, tb = error
        if kind == "raise":
            tries = self.failures.get(i, 0)
            if tries < self.retries:
                self.failures[i] = tries + 1
                self.counters.retries += 1
                report.unrun = b.tasks[ndone:]
                return
            exc = rebuild_exception(_load_exception(exc_bytes), tb)
        elif kind == "load":
            exc = self._serialization(f"task {self._key(i)} could not be unpickled in "
                                      f"worker process {b.slot}", exc_bytes, tb)
        elif kind == "import":
            exc = self._serialization(f"an input of task {self._key(i)} could not be "
                                      f"unpickled in worker process {b.slot}",
                                      exc_bytes, tb)
        else:  # "dump": the result would not pickle
            exc = self._serialization(f"the result of {self._key(i)} could not be "
                                      f"pickled to send it back from worker process "
                                      f"{b.slot}", exc_bytes, tb)
        report.error = (i, exc)
        report.unrun = [j for j in b.tasks[ndone:] if j != i]

def _kept(tasks, drops):
    """The tasks of a finished batch whose values the worker kept."""
    links, others = drops
    if links is None and not others:
        return tasks
    dropped = {j for js in others.values() for j in js}
    if links is not None:
        dropped.update(tasks[p - 1] for p in range(1, len(tasks)) if links[p])
    return [i for i in tasks if i not in dropped]


def _last_reader(dependents, pos):
    """The last position in ``pos`` of the ``dependents``; -1 if one is elsewhere."""
    last = -1
    for j in dependents:
        p = pos.get(j, -1)
        if p < 0:
            return -1
        if p > last:
            last = p
    return last


def _load_exception(exc_bytes):
    try:
        return pickle.loads(exc_bytes)
    except Exception as exc:  # noqa: BLE001 - the worker's exception is unusable
        return RuntimeError(f"a worker raised an exception that could not be "
                            f"unpickled in the main process: {exc!r}")


def check_context(context):
    """A valid start method name, or ``ValueError`` listing them.

    >>> check_context('spawn')
    'spawn'
    >>> check_context('teleport')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: multiprocessing.context must be one of [...], got 'teleport'
    """
    methods = multiprocessing.get_all_start_methods()
    if context not in methods:
        raise ValueError(f"multiprocessing.context must be one of {methods}, "
                         f"got {context!r}")
    return context


def _check_count(name, value, allow_none):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return value


class ProcessBackend:
    """Worker processes: good for pure-Python code that holds the GIL.

    ``retries``: times a task that raised (or timed out) is run again;
    ``timeout``: seconds a task may run before its worker is killed;
    ``blas_threads``: BLAS/OpenMP threads per worker (``None``: no cap).
    """

    name = "processes"

    def __init__(self, num_workers=None, context=None, initializer=None,
                 retries=0, timeout=None, blas_threads=1):
        self.nworkers = check_num_workers(num_workers)
        self.context = check_context(context or "spawn")
        self.initializer = initializer
        self.retries = int(_check_count("retries", retries, False))
        self.timeout = _check_count("timeout", timeout, True)
        if self.timeout == 0:
            raise ValueError("timeout must be a number > 0 (or None for no limit), got 0")
        if blas_threads is not None:
            blas_threads = int(_check_count("blas_threads", blas_threads, False)) or None
        self.blas_threads = blas_threads

    def session(self, compiled, timing=False):
        if worker.IN_WORKER:  # a task computing inside a worker: run it inline
            return SyncSession(compiled, timing)
        pool = pools.acquire(self.nworkers, self.context, self.initializer,
                             self.blas_threads)
        try:
            return ProcessSession(compiled, pool, timing, self.retries, self.timeout)
        except BaseException:
            pools.release(pool)
            raise
