"""The executor backend: any ``concurrent.futures.Executor`` or multiprocessing pool.

In-process pools (``ThreadPoolExecutor``, ``multiprocessing.pool.ThreadPool``)
run batches against the session's list directly. Any other executor (loky,
``ProcessPoolExecutor``, mpi4py, ipyparallel, ``multiprocessing.Pool``) gets
each batch as one cloudpickled payload holding the tasks' specs and the input
values they need; it sends back the values other tasks or the caller need,
or the task's exception with the worker's traceback. Lambdas and closures
travel because the payload is cloudpickled.
"""
from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures import BrokenExecutor
import multiprocessing.pool
import os
import threading
import traceback
from time import perf_counter

import cloudpickle

from plait.scheduling.compile import run_spec
from plait.scheduling.engine import Report, now
from plait.scheduling.local import QueueSession


class RemoteTraceback(Exception):
    """The traceback of an exception raised in another process, as text."""

    def __init__(self, tb):
        self.tb = tb

    def __str__(self):
        return self.tb


class SerializationError(TypeError):
    """A task, its input or its result could not be pickled."""


def run_payload(payload):
    """Run a pickled batch in a worker; return the pickled outcome.

    The payload is ``(batch, specs, inputs, keep, timing)``; the outcome is
    ``(done, values, error, times, pid, elapsed)`` with ``values`` for the
    tasks in ``keep`` and ``error`` as ``(index, exception, traceback text)``.
    """
    start = perf_counter()
    batch, specs, inputs, keep, timing = cloudpickle.loads(payload)
    data = _Data(inputs)
    done, times, error = [], [] if timing else None, None
    for i, spec in zip(batch, specs):
        try:
            t0 = now() if timing else 0
            data[i] = run_spec(spec, data)
            if timing:
                times.append((t0, now()))
        except BaseException as exc:  # noqa: B902 - sent back to the caller
            error = (i, exc, traceback.format_exc())
            break
        done.append(i)
    values = {i: data[i] for i in keep if i in data}
    return _dumps_outcome((done, values, error, times, os.getpid(),
                           perf_counter() - start))


class _Data(dict):
    pass


def _dumps_outcome(outcome):
    try:
        return cloudpickle.dumps(outcome)
    except BaseException as exc:  # noqa: B902
        done, values, error, times, pid, elapsed = outcome
        if error is not None:
            i, e, tb = error
            error = (i, RuntimeError(f"{type(e).__name__}: {e}"), tb)
            return cloudpickle.dumps((done, {}, error, times, pid, elapsed))
        for i, v in values.items():
            try:
                cloudpickle.dumps(v)
            except BaseException:  # noqa: B902
                err = SerializationError(f"the result could not be pickled: {exc!r}")
                return cloudpickle.dumps(([d for d in done if d != i], {},
                                          (i, err, traceback.format_exc()), times, pid,
                                          elapsed))
        raise


def rebuild_exception(exc, tb):
    """Attach the worker's traceback to ``exc`` as its ``__cause__``."""
    exc.__cause__ = RemoteTraceback(f'\n"""\n{tb}"""')
    return exc


def is_in_process(executor):
    """Does this executor run its work in threads of this process?"""
    return isinstance(executor, (cf.ThreadPoolExecutor, multiprocessing.pool.ThreadPool))


def executor_size(executor):
    """How many workers an executor has, as well as can be told."""
    for attr in ("_max_workers", "_processes", "max_workers", "num_workers"):
        n = getattr(executor, attr, None)
        if isinstance(n, int) and n > 0:
            return n
    return os.cpu_count() or 1


_thread_numbers = {}


def thread_number():
    """A small, stable number for the current thread (worker ids in profiles)."""
    ident = threading.get_ident()
    n = _thread_numbers.get(ident)
    if n is None:
        n = _thread_numbers.setdefault(ident, len(_thread_numbers))
    return n


class InProcessExecutorSession(QueueSession):
    """Batches run by an in-process executor straight against our list."""

    def __init__(self, compiled, executor, timing=False):
        super().__init__(compiled, executor_size(executor), timing)
        self.executor = executor

    def submit(self, batch):
        self.sent()
        _submit(self.executor, self._run_here, batch, batch, self.outbox)

    def _run_here(self, batch):
        return self.run_batch(batch, worker=thread_number())

    def _report(self, item):
        return _unwrap(item)


def _submit(executor, func, arg, batch, outbox):
    """Run ``func(arg)`` on the executor; its outcome (or a _Failed) goes to outbox."""
    if isinstance(executor, multiprocessing.pool.Pool):
        executor.apply_async(func, (arg,), callback=outbox.put,
                             error_callback=lambda e: outbox.put(_Failed(batch, e)))
    else:
        fut = executor.submit(func, arg)
        fut.add_done_callback(lambda f: outbox.put(_from_future(f, batch)))


class _Failed:
    """A batch whose submission itself failed (broken pool, pickling...)."""

    def __init__(self, batch, exc):
        self.batch = batch
        self.exc = exc


def _from_future(fut, batch):
    if fut.cancelled():
        return _Failed(batch, cf.CancelledError("the executor cancelled the batch"))
    exc = fut.exception()
    return _Failed(batch, exc) if exc is not None else fut.result()


def _unwrap(item):
    if isinstance(item, _Failed):
        exc = item.exc
        if isinstance(exc, BrokenExecutor):
            exc = WorkerDiedError(
                f"a worker process died while running a batch of {len(item.batch)} "
                f"task(s), the first being the one named below; this can be caused "
                f"by a segmentation fault, os._exit, a kill signal or running out "
                f"of memory ({exc})")
        return Report([], error=(item.batch[0], exc))
    return item


class WorkerDiedError(RuntimeError):
    """A worker process died (crash, kill, os._exit) while running tasks."""


class RemoteExecutorSession(QueueSession):
    """Batches pickled to an out-of-process executor; values come back."""

    def __init__(self, compiled, executor, timing=False):
        super().__init__(compiled, executor_size(executor), timing)
        self.executor = executor
        self.bytes_sent = 0
        self.bytes_received = 0

    def submit(self, batch):
        c = self.compiled
        inside = set(batch)
        inputs = {}
        for i in batch:
            for d in c.dependencies[i]:
                if d not in inside:
                    inputs[d] = self.data[d]
        keep = [i for i in batch if self.pinned[i]
                or any(j not in inside for j in c.dependents[i])]
        specs = [c.specs[i] for i in batch]
        try:
            payload = cloudpickle.dumps((batch, specs, inputs, keep, self.timing))
        except BaseException as exc:  # noqa: B902
            raise _pickle_error(c, batch, specs, inputs, exc) from exc
        self.bytes_sent += len(payload)
        self.sent()
        _submit(self.executor, run_payload, payload, batch, self.outbox)

    def _report(self, item):
        if isinstance(item, _Failed):
            return _unwrap(item)
        self.bytes_received += len(item)
        done, values, error, times, pid, elapsed = cloudpickle.loads(item)
        for i, v in values.items():
            self.data[i] = v
        if error is not None:
            i, exc, tb = error
            error = (i, rebuild_exception(exc, tb))
        return Report(done, error=error, times=times, worker=pid, elapsed=elapsed)


def _pickle_error(c, batch, specs, inputs, exc):
    """Find which task or input failed to pickle and say so."""
    for i, spec in zip(batch, specs):
        try:
            cloudpickle.dumps(spec)
        except BaseException:  # noqa: B902
            return SerializationError(
                f"task {c.keys[i]!r} could not be pickled to send it to a worker "
                f"process: {exc!r}. Please make sure its function and arguments "
                f"are picklable, or use scheduler='threads'.")
    for d, v in inputs.items():
        try:
            cloudpickle.dumps(v)
        except BaseException:  # noqa: B902
            return SerializationError(
                f"the value of {c.keys[d]!r} could not be pickled to send it to a "
                f"worker process: {exc!r}. Use scheduler='threads' for unpicklable data.")
    return SerializationError(f"a batch could not be pickled: {exc!r}")


class ExecutorBackend:
    """Run on a user's ``concurrent.futures.Executor`` or multiprocessing pool."""

    name = "executor"

    def __init__(self, executor):
        if not (isinstance(executor, (cf.Executor, multiprocessing.pool.Pool))
                or callable(getattr(executor, "submit", None))):
            raise TypeError(
                f"expected a concurrent.futures.Executor or multiprocessing pool, "
                f"got {executor!r}")
        self.executor = executor
        self.nworkers = executor_size(executor)

    def session(self, compiled, timing=False):
        if is_in_process(self.executor):
            return InProcessExecutorSession(compiled, self.executor, timing)
        return RemoteExecutorSession(compiled, self.executor, timing)
