"""The main loop of a plait worker process.

A worker keeps the values it computes in ``data`` (task index -> value) until
the main process says to release them. Two threads share the work::

    main process ==pipe==> receiver thread --+--> 'x' export: pack values --+
                                             +--> 'i' import: unpack values |
                                             +--> 'd' release, 'c' cancel   |
                                             +--> 'r' run, 'z' clear, 'q'   |
                                                      |  (in order)          v
                                                      v               sender thread
                                             executor thread: run          |
                                             batches, reply 'r' ----+      |
    main process <==pipe==========================================+-------+

Exports and imports run in the receiver thread so a long task does not hold
up another worker that waits for a value. The receiver never writes to the
pipe itself (its replies go through the sender thread): it always keeps
reading, so the main process can never block for good on a send while this
worker blocks on a reply. ``status[3 * slot: 3 * slot + 3]``
(shared memory) holds the session id, index and start time of the running
task, so the main process knows which task was running if the worker dies
and when a task has passed its timeout.
"""
from __future__ import annotations

import io
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from queue import SimpleQueue

import cloudpickle

from plait.scheduling.compile import REFS, run_spec
from plait.scheduling.transfer import dumps_frames, pack, sizeof, unlink, unpack

BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

# flags of a batch: record task times, watch for timeouts, specs one by one
TIMING, WATCH, CAREFUL = 1, 2, 4
IN_WORKER = False
_MISSING = object()
_current = None


def current():
    """The ``Worker`` of this process when it is a plait worker, else ``None``.

    Tasks can look at ``current().stores[current().sid]``: the values this
    worker holds for the computation running now.

    >>> current() is None
    True
    """
    return _current   # True inside a worker process: nested computations run inline


def output_name(prefix, sid, bid):
    """The shared-memory name for the outputs of batch ``bid``: both sides compute it.

    >>> output_name("/pl1a_", 3, 16)
    '/pl1a_3_10'
    """
    return f"{prefix}{sid:x}_{bid:x}"


def dump_exception(exc):
    """Pickle an exception; one that will not pickle becomes a RuntimeError.

    >>> import pickle, threading
    >>> pickle.loads(dump_exception(ValueError("bad")))
    ValueError('bad')
    >>> pickle.loads(dump_exception(ValueError(threading.Lock())))  # doctest: +ELLIPSIS
    RuntimeError('ValueError: <unlocked _thread.lock object at ...> (the original exception could not be pickled)')
    """
    try:
        return cloudpickle.dumps(exc)
    except BaseException:  # noqa: B902 - any failure to pickle
        return cloudpickle.dumps(RuntimeError(
            f"{type(exc).__name__}: {exc} (the original exception could not be pickled)"))


class Worker:
    """The state of one worker process; ``serve()`` runs until told to stop."""

    def __init__(self, conn, slot, status, prefix):
        self.conn = conn
        self.slot = slot
        self.status = status
        self.prefix = prefix
        self.stores = {}        # session id -> {task index: value}
        self.made = {}          # session id -> shared-memory names it created
        self.cancelled = -1     # batches of sessions up to this id are skipped
        self.sid = -1           # the session of the batch running now
        self.load_failure = ("load", -1)  # what failed if unpickling specs fails
        self.inbox = SimpleQueue()
        self.outbox = SimpleQueue()
        self.send_lock = threading.Lock()

    def store(self, sid):
        """The values of session ``sid`` (made on first use)."""
        data = self.stores.get(sid)
        if data is None:
            data = self.stores[sid] = {}
        return data

    def made_by(self, sid):
        names = self.made.get(sid)
        if names is None:
            names = self.made[sid] = []
        return names

    def send(self, msg):
        payload = pickle.dumps(msg, protocol=5)
        with self.send_lock:
            self.conn.send_bytes(payload)

    def post(self, msg):
        """Send ``msg`` from the sender thread (for the receiver thread)."""
        self.outbox.put(msg)

    def sender(self):
        outbox = self.outbox
        while True:
            self.send(outbox.get())

    # -- receiver thread ---------------------------------------------------
    def receive(self):
        conn = self.conn
        while True:
            try:
                msg = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                self.orphaned()
            kind = msg[0]
            if kind == "d":
                data = self.store(msg[1])
                for i in msg[2]:
                    data.pop(i, None)
            elif kind == "x":
                self.export(msg)
            elif kind == "i":
                self.imports(msg)
            elif kind == "c":
                self.cancelled = max(self.cancelled, msg[1])
            else:
                if kind == "r":  # releases ride along with a batch
                    data = self.store(msg[1])
                    for i in msg[9]:
                        data.pop(i, None)
                self.inbox.put(msg)

    def orphaned(self):
        """The main process is gone: clean up shared memory and exit at once."""
        for names in list(self.made.values()):
            for name in names:
                unlink(name)
        os._exit(0)

    def export(self, msg):
        """Pack values for another worker: large ones one by one, small ones together."""
        _, sid, req, items, bundle_name = msg
        data, out, small = self.store(sid), [], {}
        for i, name in items:
            if name is None:
                small[i] = data.get(i, _MISSING)
            else:
                out.append(self.pack_one(sid, i, data.get(i, _MISSING), name))
        if small:
            try:
                if any(v is _MISSING for v in small.values()):
                    raise KeyError("a value asked for is not in this worker")
                desc, nbytes = pack(small, bundle_name)
                if desc[0] == "s":
                    self.made_by(sid).append(bundle_name)
                out.append((-1 - req, desc, nbytes))
            except BaseException:  # noqa: B902 - find the value that failed
                out.extend(self.pack_one(sid, i, v, None) for i, v in small.items())
        self.post(("x", sid, req, out))

    def pack_one(self, sid, i, value, name):
        try:
            if value is _MISSING:
                raise KeyError(f"task {i} has no value in worker {self.slot}")
            desc, nbytes = pack(value, name)
            if desc[0] == "s":
                self.made_by(sid).append(name)
            return (i, desc, nbytes)
        except BaseException as exc:  # noqa: B902 - reported to the main process
            return (i, None, (dump_exception(exc), traceback.format_exc()))

    def imports(self, msg):
        _, sid, items = msg
        data = self.store(sid)
        for i, desc in items:
            try:
                value = unpack(desc)
            except BaseException as exc:  # noqa: B902 - reported to the main process
                self.post(("i!", sid, i, dump_exception(exc), traceback.format_exc()))
                continue
            if i < 0:  # a bundle of small values
                data.update(value)
            else:
                data[i] = value

    # -- executor thread ---------------------------------------------------
    def serve(self):
        inbox = self.inbox
        while True:
            msg = inbox.get()
            kind = msg[0]
            if kind == "r":
                self.run(msg)
            elif kind == "z":  # the session is over: drop its values
                self.stores.pop(msg[1], None)
                for name in self.made.pop(msg[1], ()):
                    unlink(name)
            elif kind == "q":
                return
            del msg

    def run(self, msg):
        _, sid, bid, batch, spec_bytes, imports, drops, outputs, flags, _ = msg
        if sid <= self.cancelled:
            return
        data, base = self.store(sid), 3 * self.slot
        status = self.status
        self.sid = sid
        t_batch = time.time()
        times = [] if flags & TIMING else None
        watch = flags & WATCH
        links, drops = drops
        error = None
        n = 0
        i = prev = batch[0]
        stage = "import"
        try:
            for d, desc in imports:
                data[d] = unpack(desc)
            stage = "load"
            specs = self.load_specs(batch, spec_bytes, flags)
            stage = "raise"
            status[base] = sid
            for i, (kind, func, args) in zip(batch, specs):
                if sid <= self.cancelled:
                    status[base + 1] = -1
                    return
                if watch or times is not None:
                    t0 = time.time()
                    status[base + 2] = t0
                status[base + 1] = i
                if kind == REFS:
                    data[i] = func(*[data[j] for j in args])
                else:
                    data[i] = run_spec((kind, func, args), data)
                if times is not None:
                    times.append((t0, time.time()))
                if links is not None and links[n]:
                    data.pop(prev, None)
                if drops:
                    dropped = drops.get(n)
                    if dropped:
                        for j in dropped:
                            data.pop(j, None)
                prev = i
                n += 1
        except BaseException as exc:  # noqa: B902 - reported, re-raised in the caller
            if stage == "load":
                stage, i = self.load_failure
            error = (i, stage, dump_exception(exc), traceback.format_exc())
        status[base + 1] = -1
        specs = func = args = None
        self.finish(sid, bid, batch, n, outputs, times, error, time.time() - t_batch)

    def load_specs(self, batch, spec_bytes, flags):
        """Unpickle a batch's specs: one list, or (careful) one task at a time."""
        if not flags & CAREFUL:
            self.load_failure = ("load-batch", batch[0])
            return pickle.loads(spec_bytes)
        load = pickle.Unpickler(io.BytesIO(spec_bytes)).load
        specs = []
        for i in batch:
            self.load_failure = ("load", i)
            specs.append(load())
        return specs

    def finish(self, sid, bid, batch, n, outputs, times, error, elapsed):
        """Reply: tasks done, sizes of the values kept, requested outputs."""
        data = self.store(sid)
        if n == len(batch):  # sizes of the values kept, in batch order
            nbytes = [sizeof(data[i]) for i in batch if i in data]
        else:  # sizes of the finished tasks, -1 for those dropped
            nbytes = [sizeof(data[i]) if i in data else -1 for i in batch[:n]]
        outs = None
        if outputs and error is None:  # all outputs of the batch in one package
            name = output_name(self.prefix, sid, bid)
            try:
                outs, _ = pack({i: data[i] for i in outputs}, name)
                if outs[0] == "s":
                    self.made_by(sid).append(name)
            except BaseException:  # noqa: B902 - find the output that failed
                error = self.unpicklable(data, outputs)
        self.send(("r", sid, bid, n, nbytes, times, error, outs, elapsed))


    @staticmethod
    def unpicklable(data, indices):
        """The error tuple for the first of ``indices`` whose value will not pickle."""
        for i in indices:
            try:
                dumps_frames(data[i])
            except BaseException as exc:  # noqa: B902
                return (i, "dump", dump_exception(exc), traceback.format_exc())
        return (indices[0], "dump", dump_exception(RuntimeError(
            "the outputs could not be pickled together")), "")


def limit_blas(threads):
    """Cap BLAS/OpenMP threads, in loaded libraries and in those loaded later.

    Returns the ``threadpoolctl`` limiter (``None`` for no cap); worker
    processes call it at start.

    >>> limit_blas(None) is None
    True
    """
    if threads is None:
        return None
    for var in BLAS_VARIABLES:
        os.environ[var] = str(threads)
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=threads)


def _main(conn, slot, status, path, cwd, init_bytes, blas_threads, prefix, inherited=()):
    """Entry point of a worker process (the target of ``Process``)."""
    global IN_WORKER, _current
    IN_WORKER = True
    for fd in inherited:  # (fork) the main process's ends of other workers' pipes
        try:
            os.close(fd)
        except OSError:
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    sys.path[:] = path
    try:
        os.chdir(cwd)
    except OSError:
        pass
    limits = limit_blas(blas_threads)  # noqa: F841 - keep the limits alive
    worker = _current = Worker(conn, slot, status, prefix)
    if init_bytes is not None:
        try:
            cloudpickle.loads(init_bytes)()
        except BaseException:  # noqa: B902
            worker.send(("init!", slot, traceback.format_exc()))
            sys.exit(1)
    worker.send(("ready", slot, os.getpid()))
    for target in (worker.receive, worker.sender):
        threading.Thread(target=_or_die, args=(target,), daemon=True,
                         name=f"plait-worker-{target.__name__}").start()
    _or_die(worker.serve)


def _or_die(loop):
    """Run a worker loop; a bug in it ends the process (the main process sees
    a dead worker and recovers) instead of leaving it hung."""
    try:
        loop()
    except BaseException:  # noqa: B902
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(70)
