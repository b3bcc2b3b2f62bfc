"""Profilers: what each task did and when, what the processes used, what was held.

All three record ``time.time()`` seconds, so their results share one time
axis (``plait.diagnostics.visualize`` draws them together). Task times come
from the engine's ``state.times``: they are measured in the worker around the
task itself, so queueing and transfer are not counted.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections import namedtuple
from functools import partial

import psutil

from plait.callbacks import Callback

TaskData = namedtuple("TaskData", ("key", "task", "start_time", "end_time", "worker_id"))
ResourceData = namedtuple("ResourceData", ("time", "mem", "cpu"))
CacheData = namedtuple("CacheData", ("key", "task", "metric", "cache_time", "free_time"))


class Profiler(Callback):
    """Record, per task, its key, task, start and end time and worker.

    ``results`` is a list of ``TaskData(key, task, start_time, end_time,
    worker_id)``; times are ``time.time()`` seconds measured in the worker.
    ``worker_id`` is the backend's id of the worker: 0 for the sync
    scheduler, the thread's or process's number for threads and processes,
    the process id for an out-of-process executor, ``None`` where the backend
    does not tell (an in-process executor). Results gather over every computation run while the profiler
    is active; entering a ``with`` block clears them. Recording happens once
    at the end of each computation, so the profiler adds no work per task.

    >>> import plait
    >>> from operator import add
    >>> with Profiler() as prof:
    ...     plait.get({'a': 1, 'b': (add, 'a', 1), 'c': (sum, ['a', 'b'])}, 'c')
    3
    >>> sorted(r.key for r in prof.results)
    ['b', 'c']
    >>> all(r.start_time <= r.end_time for r in prof.results)
    True
    """

    def __init__(self):
        super().__init__()
        self.results = []

    def __enter__(self):
        self.clear()
        return super().__enter__()

    def finish(self, graph, state, errored):
        keys, times, workers = state.compiled.keys, state.times, state.worker_of
        if times is None:
            return
        add = self.results.append
        for i in sorted(times, key=times.__getitem__):
            key = keys[i]
            start, end = times[i]
            add(TaskData(key, graph.get(key), start, end, workers.get(i)))

    def clear(self):
        """Forget the results."""
        self.results = []

    def summary(self, as_frame=False):
        """Time spent per function, most expensive first.

        A text table (columns: function, count, total s, mean s, share of
        the total task time); with ``as_frame=True`` a pandas DataFrame with
        the columns ``function, count, total, mean, share``.

        >>> import plait
        >>> from operator import add
        >>> with Profiler() as prof:
        ...     plait.get({'a': (add, 1, 2), 'b': (add, 'a', 1)}, 'b')
        4
        >>> print(prof.summary())  # doctest: +ELLIPSIS
        function  count  total (s)  mean (s)  share
        --------  -----  ---------  --------  ------
        add           2  ...
        >>> prof.summary(as_frame=True)['count'].tolist()
        [2]
        """
        rows = summarize(self.results)
        if as_frame:
            try:
                import pandas as pd
            except ImportError as e:
                raise ImportError("summary(as_frame=True) needs pandas: "
                                  "pip install pandas") from e
            return pd.DataFrame(rows, columns=["function", "count", "total", "mean",
                                               "share"])
        return Table(_format_summary(rows))

    def visualize(self, **kwargs):
        """Draw the task stream; see ``plait.diagnostics.visualize``.

        >>> Profiler().visualize(save=False).children[0][0].title.text
        'Task stream: 0 tasks on 0 workers'
        """
        from plait.diagnostics.profile_visualize import visualize

        return visualize(self, **kwargs)


class Table(str):
    """A text table that shows itself as text at the prompt.

    >>> Table("a  b")
    a  b
    """

    __slots__ = ()

    def __repr__(self):
        return str(self)


def summarize(results):
    """Rows ``(function, count, total, mean, share)`` from TaskData, largest total first.

    >>> rows = summarize([TaskData('a', (len, 'x'), 0.0, 2.0, 0),
    ...                   TaskData('b', (sum, 'x'), 0.0, 1.0, 0),
    ...                   TaskData('c', (len, 'y'), 1.0, 2.0, 0)])
    >>> [(f, n, t) for f, n, t, mean, share in rows]
    [('len', 2, 3.0), ('sum', 1, 1.0)]
    """
    totals, counts = {}, {}
    for r in results:
        name = task_name(r.task)
        totals[name] = totals.get(name, 0.0) + (r.end_time - r.start_time)
        counts[name] = counts.get(name, 0) + 1
    grand = sum(totals.values())
    rows = [(name, counts[name], t, t / counts[name], t / grand if grand else 0.0)
            for name, t in totals.items()]
    rows.sort(key=lambda row: (-row[2], row[0]))
    return rows


def _format_summary(rows):
    """The text table of ``summarize``'s rows."""
    cells = [["function", "count", "total (s)", "mean (s)", "share"]]
    for name, count, total, mean, share in rows:
        cells.append([name, str(count), f"{total:.6f}", f"{mean:.6f}", f"{share:6.1%}"])
    widths = [max(len(row[c]) for row in cells) for c in range(5)]
    lines = []
    for n, row in enumerate(cells):
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(w) if n else cell.ljust(w) for cell, w in zip(row[1:], widths[1:])]
        lines.append("  ".join([first, *rest]).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def task_name(task):
    """A short name for what a graph entry runs.

    >>> from operator import add
    >>> task_name((add, 'x', 1)), task_name(['x', 'y']), task_name('x'), task_name(3)
    ('add', 'list', 'alias', 'int')
    """
    if type(task) is tuple and task and callable(task[0]):
        func = task[0]
        while isinstance(func, partial):
            func = func.func
        name = getattr(func, "__name__", None) or type(func).__name__
        return "lambda" if name == "<lambda>" else name
    if type(task) is list:
        return "list"
    if type(task) in (str, tuple, bytes):
        return "alias"
    return type(task).__name__


# ---------------------------------------------------------------- resources

class ResourceProfiler(Callback):
    """Sample memory and CPU of this process and its worker processes every ``dt`` s.

    A background thread samples while computations run (from their start to
    their end) and takes one sample at each end. ``results`` is a list of
    ``ResourceData(time, mem, cpu)``: ``time.time()`` seconds, resident
    memory in MB (1e6 bytes) summed over this process and all its child
    processes (the pools of the ``processes`` scheduler), and CPU percent
    summed over them (200 means two busy cores). Entering a ``with`` block
    clears the results; leaving it stops the sampler.

    >>> import plait
    >>> from operator import add
    >>> with ResourceProfiler(dt=0.01) as rprof:
    ...     plait.get({'a': 1, 'b': (add, 'a', 1)}, 'b')
    2
    >>> len(rprof.results) >= 2 and rprof.results[0].mem > 0
    True
    """

    needs_times = False  # it samples processes, not tasks

    def __init__(self, dt=1.0):
        if not isinstance(dt, (int, float)) or dt <= 0:
            raise ValueError(f"dt must be a number of seconds > 0, got {dt!r}")
        super().__init__()
        self.dt = dt
        self.results = []
        self._sampler = _Sampler()
        self._lock = threading.Lock()
        self._running = 0
        self._stop = None
        self._thread = None

    def __enter__(self):
        self.clear()
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self._stop_thread()

    def start_state(self, graph, state):
        with self._lock:
            self._running += 1
            if self._thread is None:
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._sample, args=(self._stop,),
                                                daemon=True, name="plait-resources")
                self._thread.start()

    def finish(self, graph, state, errored):
        with self._lock:
            self._running = max(self._running - 1, 0)
            last = self._running == 0
        if last:
            self._stop_thread()
        self.results.append(self._sampler.sample())

    def _sample(self, stop):
        sample = self._sampler.sample
        self.results.append(sample())
        while not stop.wait(self.dt):
            self.results.append(sample())

    def _stop_thread(self):
        with self._lock:
            thread, stop = self._thread, self._stop
            self._thread = None
        if thread is not None:
            stop.set()
            thread.join()

    def clear(self):
        """Forget the results."""
        self.results = []

    def visualize(self, **kwargs):
        """Draw memory and CPU; see ``plait.diagnostics.visualize``.

        >>> ResourceProfiler().visualize(save=False).children[0][0].title.text
        'Memory and CPU: this process and its workers'
        """
        from plait.diagnostics.profile_visualize import visualize

        return visualize(self, **kwargs)


class _Sampler:
    """Memory and CPU of this process and its children, one sample at a time."""

    def __init__(self):
        self.me = psutil.Process(os.getpid())
        self.known = {}  # pid -> Process, so cpu_percent measures since last time

    def processes(self):
        found = [self.me]
        try:
            found.extend(self.me.children(recursive=True))
        except psutil.Error:
            pass
        known = {}
        for p in found:
            known[p.pid] = self.known.get(p.pid, p)
        self.known = known
        return known.values()

    def sample(self):
        mem = cpu = 0.0
        for p in self.processes():
            try:
                with p.oneshot():
                    mem += p.memory_info().rss
                    cpu += p.cpu_percent(interval=None)
            except psutil.Error:  # the process ended between listing and reading
                continue
        return ResourceData(time.time(), mem / 1e6, cpu)


# ---------------------------------------------------------------- cache

def sizeof(value):
    """Bytes a value holds, as well as can be told cheaply.

    ``nbytes`` where the value has it (NumPy arrays, pandas Series and
    Index, Arrow arrays, and the stand-ins the processes scheduler reports
    for values that stay in its workers), ``memory_usage(deep=True)`` for a
    pandas DataFrame, ``sys.getsizeof`` plus the items' sizes for lists,
    tuples, sets and dicts (estimated from a sample of 100 when longer,
    three levels deep), and ``sys.getsizeof`` otherwise.

    >>> sizeof(bytes(1000)) >= 1000
    True
    >>> import numpy as np
    >>> sizeof(np.zeros(10))
    80
    """
    return _sizeof(value, 3)


def _sizeof(value, depth):
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int) and not isinstance(nbytes, bool):
        return nbytes
    if hasattr(value, "memory_usage") and hasattr(value, "columns"):
        try:
            return int(value.memory_usage(deep=True).sum())
        except Exception:  # an unusual frame-like object; fall through
            pass
    t = type(value)
    try:
        size = sys.getsizeof(value)
    except TypeError:
        return 0
    if depth and t in (list, tuple, set, frozenset, dict):
        items = value if t in (list, tuple) else list(value)
        size += _sizeof_items(items, depth - 1)
        if t is dict:
            size += _sizeof_items(list(value.values()), depth - 1)
    return size


def _sizeof_items(items, depth):
    """Total size of a sequence's items, estimated from 100 of them when longer."""
    n = len(items)
    if n <= 100:
        return sum(_sizeof(x, depth) for x in items)
    step = n / 100
    return int(sum(_sizeof(items[int(k * step)], depth) for k in range(100)) * n / 100)


class CacheProfiler(Callback):
    """Record the size of every intermediate value and how long it was held.

    ``results`` is a list of ``CacheData(key, task, metric, cache_time,
    free_time)``: ``metric`` is ``metric(value)`` (default ``sizeof``:
    bytes), ``cache_time`` when the task ended in its worker and
    ``free_time`` when the last task that reads it ended (then the engine
    releases it), or the end of the computation for outputs. Literal values
    of the graph are inputs, not intermediates, and are not listed.

    With the ``processes`` scheduler values stay in the workers, so the
    callback sees a stand-in that carries the value's size as ``nbytes``:
    ``sizeof`` reports that size, and a custom ``metric`` receives the
    stand-in, not the value.

    >>> import plait, numpy as np
    >>> dsk = {'a': (np.ones, 1000), 'b': (np.add, 'a', 1), 'c': (np.add, 'a', 2),
    ...        'd': (np.add, 'b', 'c')}
    >>> with CacheProfiler() as cprof:
    ...     plait.get(dsk, 'd').nbytes
    8000
    >>> sorted((r.key, r.metric) for r in cprof.results)
    [('a', 8000), ('b', 8000), ('c', 8000), ('d', 8000)]
    >>> held = {r.key: r for r in cprof.results}
    >>> held['b'].free_time == held['d'].cache_time
    True
    """

    def __init__(self, metric=None, metric_name=None):
        if metric is not None and not callable(metric):
            raise TypeError(f"metric must be a function of a value, got {metric!r}")
        super().__init__()
        self.metric = sizeof if metric is None else metric
        if metric_name is None:
            metric_name = "bytes" if metric is None else getattr(metric, "__name__", "metric")
        self.metric_name = metric_name
        self.results = []
        self._held = {}

    def __enter__(self):
        self.clear()
        return super().__enter__()

    def start_state(self, graph, state):
        self._held[id(state)] = {}

    def posttask(self, key, result, graph, state, worker_id):
        held = self._held.get(id(state))
        if held is None:
            return
        c = state.compiled
        i = c.index[key]
        span = state.times.get(i) if state.times is not None else None
        t = span[1] if span else time.time()
        held[i] = (self.metric(result), t)
        refcount = state.refcount
        for d in c.dependencies[i]:
            if refcount[d] == 1 and d in held:  # i is its last reader
                size, since = held.pop(d)
                self.results.append(CacheData(c.keys[d], graph.get(c.keys[d]), size,
                                              since, t))

    def finish(self, graph, state, errored):
        held = self._held.pop(id(state), None)
        if not held:
            return
        t, keys = time.time(), state.compiled.keys
        for i, (size, since) in held.items():
            self.results.append(CacheData(keys[i], graph.get(keys[i]), size, since, t))

    def clear(self):
        """Forget the results."""
        self.results = []

    def visualize(self, **kwargs):
        """Draw the size held over time; see ``plait.diagnostics.visualize``.

        >>> CacheProfiler().visualize(save=False).children[0][0].title.text
        'Cache: bytes of the values held'
        """
        from plait.diagnostics.profile_visualize import visualize

        return visualize(self, **kwargs)
