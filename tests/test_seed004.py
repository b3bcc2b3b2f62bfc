"""Seed 004, "Slow Arithmetic", with plait in place of dask.

``sleep`` holds a module-level lock as the seed's ``sleeplock`` does: threads
of one process take turns, while worker processes each have their own lock
and so run ``add`` and ``sub`` side by side.
"""
import collections
import time
from threading import Lock

import pytest

import plait
import plait.multiprocessing

DELAY = 0.2
lock = Lock()
held = []  # (name, start, end) of every sleep that held the lock, in this process


def sleep(n, name=None):
    lock.acquire()
    start = time.time()
    time.sleep(n)
    held.append((name, start, time.time()))
    lock.release()


@plait.delayed
def add(x, y):
    sleep(DELAY, "add")
    return x + y


@plait.delayed
def sub(x, y):
    sleep(DELAY, "sub")
    return x - y


@plait.delayed
def mul(x, y):
    sleep(DELAY, "mul")
    return x * y


@plait.delayed
def div(x, y):
    sleep(DELAY, "div")
    return x / y


def slow_arithmetic():
    x = add(1, 3)
    y = sub(2, 4)
    z = mul(x, y)
    result = div(z, 5.0)
    return x, y, z, result


class Recorder(plait.Callback):
    """Counts the tasks run and keeps their (start, end) as measured in the worker."""

    def __init__(self):
        self.runs = collections.Counter()
        self.times = {}

    def posttask(self, key, result, graph, state, worker_id):
        self.runs[key] += 1
        self.times[key] = state.times[state.compiled.index[key]]


def overlap(a, b):
    """Do the time intervals ``a`` and ``b`` intersect?"""
    return max(a[0], b[0]) < min(a[1], b[1])


@pytest.mark.parametrize("scheduler", ["single-threaded", "sync", "synchronous", "threads",
                                       "threading", "processes", "multiprocessing"])
def test_result_on_every_scheduler_name(scheduler):
    x, y, z, result = slow_arithmetic()
    assert result.compute(scheduler=scheduler) == -1.6


def test_the_delayed_calls_build_a_graph_of_four_tasks():
    x, y, z, result = slow_arithmetic()
    graph = result.dask
    assert len(graph) == 4
    assert {k.split("-")[0] for k in graph} == {"add", "sub", "mul", "div"}
    assert graph[z.key][1:] == (x.key, y.key)


def test_compute_several_shares_tasks_that_run_once():
    x, y, z, result = slow_arithmetic()
    rec = Recorder()
    assert plait.compute(x, y, z, callbacks=[rec]) == (4, -2, -8)
    assert rec.runs == {x.key: 1, y.key: 1, z.key: 1}


def test_add_and_sub_overlap_under_processes():
    x, y, z, result = slow_arithmetic()
    rec = Recorder()
    assert result.compute(scheduler="multiprocessing", num_workers=2, callbacks=[rec]) == -1.6
    assert rec.runs[x.key] == rec.runs[y.key] == 1
    assert overlap(rec.times[x.key], rec.times[y.key])


def test_add_and_sub_take_turns_under_threads_because_of_the_lock():
    x, y, z, result = slow_arithmetic()
    rec = Recorder()
    del held[:]
    assert result.compute(scheduler="threads", num_workers=2, callbacks=[rec]) == -1.6
    # both tasks started side by side in two threads ...
    assert overlap(rec.times[x.key], rec.times[y.key])
    # ... but the lock let only one of them sleep at a time
    sleeps = {name: (start, end) for name, start, end in held}
    assert set(sleeps) == {"add", "sub", "mul", "div"}
    assert not overlap(sleeps["add"], sleeps["sub"])


def test_set_options_globally_and_as_a_context_manager():
    x, y, z, result = slow_arithmetic()
    del held[:]
    with plait.set_options(scheduler="single-threaded"):
        assert plait.get_scheduler() is plait.get
        assert result.compute() == -1.6
    assert sorted(name for name, _, _ in held) == ["add", "div", "mul", "sub"]
    assert plait.get_scheduler(collections=[result]) is plait.threaded.get
    try:
        plait.set_options(scheduler="sync")
        assert plait.get_scheduler() is plait.get
        assert result.compute() == -1.6
    finally:
        plait.set_options(scheduler=None)
    assert plait.get_scheduler(collections=[result]) is plait.threaded.get


def test_legacy_get_keyword():
    x, y, z, result = slow_arithmetic()
    assert result.compute(get=plait.multiprocessing.get) == -1.6
    assert plait.compute(x, y, get=plait.get) == (4, -2)
    with pytest.raises(TypeError, match="scheduler= or the legacy get=, not both"):
        result.compute(get=plait.get, scheduler="sync")


def test_unknown_scheduler_name_is_named_in_the_error():
    x, y, z, result = slow_arithmetic()
    with pytest.raises(ValueError, match="unknown scheduler 'single-thread'"):
        result.compute(scheduler="single-thread")


def test_visualize_the_result(tmp_path):
    x, y, z, result = slow_arithmetic()
    path = result.visualize(filename=str(tmp_path / "result"))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
