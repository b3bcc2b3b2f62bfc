"""Persistent pools of plait worker processes, shared by their settings.

``acquire(settings)`` hands a computation a pool of its own for as long as
it runs: an idle pool made earlier with the same settings (number of
workers, start method, initializer, BLAS threads), else a new one. So
consecutive computations reuse warm workers, and two threads computing at
once each get their own workers; ``release`` keeps one idle pool per
settings and shuts down the others. Dead workers are replaced when a pool is
acquired (and by the session at once, when one dies mid-computation).

Workers start with the caller's ``sys.path``, working directory and
``PYTHONHASHSEED`` (one random seed per main process when it is not set, so
every worker hashes strings alike), and with BLAS/OpenMP threads capped.
``shutdown_pools`` stops them all; it runs at exit.
"""
from __future__ import annotations

import atexit
import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import random
import signal
import sys
import threading
import time

import cloudpickle

from plait.scheduling import worker

GUARD_MESSAGE = (
    "plait tried to start worker processes while this process was itself "
    "starting up as a worker. This happens when a script starts processes at "
    "import time: put the code that computes with scheduler='processes' (or "
    "creates a Client) under an `if __name__ == \"__main__\":` block.")
START_TIMEOUT = 120.0
HASH_SEED = os.environ.get("PYTHONHASHSEED", "random")
if HASH_SEED == "random":  # one seed for every worker of this main process
    HASH_SEED = str(random.randrange(1, 2**32))


class WorkerStartError(RuntimeError):
    """A worker process died, or its initializer failed, while starting."""


def format_exitcode(code):
    """An exit code as loky writes it: ``SIGSEGV(-11)``, ``EXIT(3)``.

    >>> format_exitcode(-9), format_exitcode(1)
    ('SIGKILL(-9)', 'EXIT(1)')
    """
    if code is not None and code < 0:
        try:
            return f"{signal.Signals(-code).name}({code})"
        except ValueError:
            pass
    return f"EXIT({code})"


class Handle:
    """The main process's end of one worker: process, pipe, readiness."""

    __slots__ = ("slot", "process", "conn", "sentinel", "ready", "pid")

    def __init__(self, slot, process, conn):
        self.slot = slot
        self.process = process
        self.conn = conn
        self.sentinel = process.sentinel
        self.ready = False
        self.pid = process.pid

    @property
    def alive(self):
        return self.process.exitcode is None

    def __repr__(self):
        state = "ready" if self.ready else ("starting" if self.alive else "dead")
        return f"<plait worker {self.slot} pid={self.pid} {state}>"


_env_lock = threading.Lock()


@contextlib.contextmanager
def _child_environment(blas_threads):
    """Set the variables a new worker must start with, then restore them."""
    wanted = {"PYTHONHASHSEED": HASH_SEED}
    if blas_threads is not None:
        wanted.update(dict.fromkeys(worker.BLAS_VARIABLES, str(blas_threads)))
    with _env_lock:
        old = {k: os.environ.get(k) for k in wanted}
        os.environ.update(wanted)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


_numbers = itertools.count()


class WorkerPool:
    """``num_workers`` worker processes and the shared status array."""

    def __init__(self, num_workers, context="spawn", initializer=None, blas_threads=1):
        self.num_workers = num_workers
        self.context = context
        self.ctx = multiprocessing.get_context(context)
        self.initializer = initializer
        self.init_bytes = None if initializer is None else cloudpickle.dumps(initializer)
        self.blas_threads = blas_threads
        self.status = self.ctx.RawArray("d", [-1.0] * (3 * num_workers))
        self.prefix = f"/pl{os.getpid():x}{next(_numbers):x}_"
        self.sids = itertools.count(1)
        self.pid = os.getpid()
        self.in_use = False
        self.closed = False
        self.started = 0
        self.workers = [None] * num_workers
        try:
            for slot in range(num_workers):
                self.start(slot)
            self.wait_ready(self.workers)
        except BaseException:
            self.shutdown()
            raise

    def __repr__(self):
        return (f"<plait WorkerPool {self.num_workers} workers, {self.context}, "
                f"{'in use' if self.in_use else 'idle'}>")

    def start(self, slot):
        """Start a worker in ``slot`` (without waiting for it to be ready)."""
        ours, theirs = self.ctx.Pipe(duplex=True)
        # a forked child inherits our ends of the other workers' pipes; it
        # closes them, or those workers would not see this process exit
        inherited = _our_pipe_fds(self) + [ours.fileno()] if self.context == "fork" else []
        process = self.ctx.Process(
            target=worker._main, name=f"plait-worker-{slot}",
            args=(theirs, slot, self.status, list(sys.path), os.getcwd(),
                  self.init_bytes, self.blas_threads, self.prefix, inherited))
        with _child_environment(self.blas_threads):
            process.start()
        theirs.close()
        self.started += 1
        handle = self.workers[slot] = Handle(slot, process, ours)
        return handle

    def on_message(self, handle, msg):
        """Handle a worker's start-up message ('ready' or 'init!')."""
        if msg[0] == "ready":
            handle.ready = True
            handle.pid = msg[2]
        else:
            name = getattr(self.initializer, "__name__", repr(self.initializer))
            self.kill(handle.slot)
            raise WorkerStartError(
                f"the initializer {name} raised in worker process {handle.slot}:\n"
                f"{msg[2]}")

    def start_failed(self, handle):
        """The error for a worker that died before it was ready."""
        return WorkerStartError(
            f"plait's worker process {handle.slot} died while starting "
            f"(exit code {format_exitcode(handle.process.exitcode)}). If you run a "
            f"script, it probably starts processes at import time: put the code "
            f"that computes under an `if __name__ == \"__main__\":` block. Also "
            f"check that PYTHONPATH and the working directory are importable.")

    def wait_ready(self, handles):
        """Block until ``handles`` are ready; raise if one fails to start."""
        waiting = {h.slot: h for h in handles if not h.ready}
        deadline = time.monotonic() + START_TIMEOUT
        while waiting:
            left = deadline - time.monotonic()
            objs = [h.conn for h in waiting.values()]
            objs += [h.sentinel for h in waiting.values()]
            if not multiprocessing.connection.wait(objs, timeout=max(left, 0)):
                raise WorkerStartError(
                    f"plait's worker processes did not start within {START_TIMEOUT:g} s")
            for h in list(waiting.values()):
                if h.conn.poll() or not h.alive:
                    self.read_start(h)
                    if h.ready:
                        del waiting[h.slot]

    def read_start(self, handle):
        """Read a starting worker's message; raise if it died instead."""
        try:
            msg = pickle.loads(handle.conn.recv_bytes())
        except (EOFError, OSError):
            handle.process.join()
            raise self.start_failed(handle) from None
        self.on_message(handle, msg)

    def kill(self, slot):
        """Kill the worker in ``slot`` at once and reap it."""
        h = self.workers[slot]
        if h is None:
            return
        if h.process.exitcode is None:
            h.process.kill()
        h.process.join()
        h.conn.close()

    def revive(self):
        """Replace dead workers (between computations) and wait for them."""
        for slot, h in enumerate(self.workers):
            if h is None or not h.alive:
                if h is not None:
                    self.kill(slot)
                self.start(slot)
        starting = [h for h in self.workers if not h.ready]
        if starting:
            self.wait_ready(starting)

    def shutdown(self, timeout=2.0):
        """Ask the workers to stop, then kill those that do not."""
        self.closed = True
        stop = pickle.dumps(("q",))
        for h in self.workers:
            if h is not None and h.alive:
                with contextlib.suppress(OSError, ValueError):
                    h.conn.send_bytes(stop)
        deadline = time.monotonic() + timeout
        for h in self.workers:
            if h is not None:
                h.process.join(max(deadline - time.monotonic(), 0))
                self.kill(h.slot)


_pools = {}
_lock = threading.Lock()


def acquire(num_workers, context="spawn", initializer=None, blas_threads=1):
    """An idle pool with these settings, for the caller's exclusive use.

    Raises ``RuntimeError`` with advice when called while a spawned worker
    process imports the caller's script (a missing ``__main__`` guard).

    >>> pool = acquire(1)
    >>> pool.num_workers, pool.in_use, [h.ready for h in pool.workers]
    (1, True, [True])
    >>> release(pool)
    >>> pool.in_use
    False
    """
    if getattr(multiprocessing.process.current_process(), "_inheriting", False):
        raise RuntimeError(GUARD_MESSAGE)
    key = (num_workers, context, initializer, blas_threads)
    pool = None
    with _lock:
        pools = _pools.setdefault(key, [])
        pools[:] = [p for p in pools if not p.closed and p.pid == os.getpid()]
        for p in pools:
            if not p.in_use:
                pool = p
                pool.in_use = True
                break
    if pool is None:
        pool = WorkerPool(num_workers, context, initializer, blas_threads)
        pool.in_use = True
        with _lock:
            _pools[key].append(pool)
        return pool
    try:
        pool.revive()
    except BaseException:
        pool.in_use = False
        raise
    return pool


def _our_pipe_fds(starting):
    """File descriptors of this process's ends of every worker's pipe."""
    with _lock:
        everything = [p for ps in _pools.values() for p in ps if p is not starting]
    everything.append(starting)
    fds = []
    for p in everything:
        for h in p.workers:
            if h is not None and not h.conn.closed:
                fds.append(h.conn.fileno())
    return fds


def release(pool):
    """Give a pool back for the next computation.

    One idle pool per settings is kept; a second one (made for computations
    that ran at the same time) is shut down. See ``acquire`` for an example.
    """
    key = (pool.num_workers, pool.context, pool.initializer, pool.blas_threads)
    with _lock:
        pool.in_use = False
        spare = [p for p in _pools.get(key, ()) if p is not pool and not p.in_use
                 and not p.closed]
        if spare:
            pool.closed = True
            _pools[key].remove(pool)
    if spare:
        pool.shutdown()


def pools():
    """The live pools, for tests and diagnostics.

    >>> all(p.pid == os.getpid() and not p.closed for p in pools())
    True
    """
    with _lock:
        return [p for ps in _pools.values() for p in ps if not p.closed]


@atexit.register
def shutdown_pools():
    """Stop every worker process plait started (it runs at exit, too).

    >>> shutdown_pools()
    >>> pools()
    []
    """
    with _lock:
        everything = [p for ps in _pools.values() for p in ps]
        _pools.clear()
    for pool in everything:
        if pool.pid == os.getpid():
            pool.shutdown()
