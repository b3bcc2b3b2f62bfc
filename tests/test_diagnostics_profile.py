"""Profiler, ResourceProfiler, CacheProfiler: what ran when, resources, values held."""
from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

import plait
import plait.multiprocessing
import plait.threaded
from helpers import add, inc, raise_value_error, sleep_then
from plait.callbacks import Callback
from plait.diagnostics import CacheProfiler, Profiler, ResourceProfiler, sizeof
from plait.diagnostics.profile import summarize

DSK = {'x': 1, 'y': 2, 'a': (inc, 'x'), 'b': (add, 'a', 'y'), 'c': (add, 'a', 'x'),
       'd': (add, 'b', 'c')}


def stamp(*args):
    """Return the time at which this task ran, read in the worker."""
    return time.time()


def collect(*args):
    return list(args)


def pretask_times():
    seen = {}
    return seen, Callback(pretask=lambda key, graph, state: seen.setdefault(key, time.time()))


# -- Profiler ------------------------------------------------------------------

def test_profiler_records_every_task_with_worker_times(get):
    dsk = {'a': (stamp,), 'b': (stamp,), 'c': (stamp, 'a'), 'd': (collect, 'a', 'b', 'c')}
    sent, cb = pretask_times()
    with Profiler() as prof:
        out = get(dsk, 'd', callbacks=[cb])
    stamps = dict(zip('abc', out))
    assert sorted(r.key for r in prof.results) == ['a', 'b', 'c', 'd']
    for r in prof.results:
        assert r.task is dsk[r.key]
        assert sent[r.key] <= r.start_time <= r.end_time
        if r.key in stamps:  # measured around the task, in the worker
            assert r.start_time <= stamps[r.key] <= r.end_time
        assert r.worker_id is not None


def test_profiler_start_is_when_the_task_started_not_when_sent():
    # a chain goes to one worker in one batch: both are sent at once, and
    # the second starts only after the first ended
    dsk = {'a': (sleep_then, 1, 0.05), 'b': (sleep_then, 'a', 0.05)}
    sent, cb = pretask_times()
    with Profiler() as prof:
        plait.threaded.get(dsk, 'b', callbacks=[cb])
    r = {t.key: t for t in prof.results}
    assert sent['a'] <= r['a'].start_time <= r['a'].end_time
    assert r['a'].end_time <= r['b'].start_time <= r['b'].end_time
    assert sent['b'] < r['b'].start_time


@pytest.mark.parametrize("get, check", [
    (plait.get, lambda ids: ids == {0}),
    (plait.threaded.get, lambda ids: ids <= {0, 1}),
    (plait.multiprocessing.get, lambda ids: os.getpid() not in ids and len(ids) >= 1),
])
def test_profiler_worker_ids(get, check):
    dsk = {('t', i): (sleep_then, i, 0.01) for i in range(8)}
    dsk['all'] = (collect, *[('t', i) for i in range(8)])
    with Profiler() as prof:
        get(dsk, 'all', num_workers=2)
    assert check({r.worker_id for r in prof.results})


def test_profiler_with_process_executor(process_executor):
    with Profiler() as prof:
        assert plait.threaded.get(DSK, 'd', pool=process_executor) == 7
    assert len(prof.results) == 4
    assert all(r.start_time <= r.end_time and r.worker_id != os.getpid()
               for r in prof.results)


def test_profiler_gathers_runs_and_clears_on_enter():
    prof = Profiler()
    with prof:
        plait.get(DSK, 'd')
        plait.get(DSK, 'b')
    assert [r.key for r in prof.results].count('a') == 2
    with prof:
        plait.get(DSK, 'a')
    assert [r.key for r in prof.results] == ['a']
    prof.clear()
    assert prof.results == []


def test_profiler_keeps_tasks_done_before_an_error(get):
    dsk = {'a': (inc, 1), 'b': (inc, 2), 'c': (raise_value_error, 'a'),
           'd': (collect, 'a', 'b', 'c')}
    done = []
    cb = Callback(posttask=lambda key, *rest: done.append(key))
    with pytest.raises(ValueError, match="bad value 2"):
        with Profiler() as prof:
            get(dsk, 'd', callbacks=[cb])
    assert done and sorted(r.key for r in prof.results) == sorted(done)
    assert 'c' not in done and 'd' not in done


def test_summary_table_most_expensive_first():
    dsk = {('slow', i): (sleep_then, i, 0.02) for i in range(3)}
    dsk.update({('fast', i): (inc, i) for i in range(5)})
    dsk['all'] = (collect, *list(dsk))
    with Profiler() as prof:
        plait.get(dsk, 'all')
    text = prof.summary()
    lines = str(text).splitlines()
    assert lines[0].split() == ["function", "count", "total", "(s)", "mean", "(s)", "share"]
    assert lines[2].split()[:2] == ["sleep_then", "3"]
    assert {line.split()[0] for line in lines[3:]} == {"inc", "collect"}
    assert repr(text) == str(text)
    frame = prof.summary(as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["function", "count", "total", "mean", "share"]
    assert frame["function"].iloc[0] == "sleep_then"
    assert frame.set_index("function")["count"].to_dict() == {
        "sleep_then": 3, "inc": 5, "collect": 1}
    assert frame["share"].sum() == pytest.approx(1.0)
    assert list(frame["total"]) == sorted(frame["total"], reverse=True)


def test_summary_of_nothing():
    assert summarize([]) == []
    assert Profiler().summary().splitlines()[0].startswith("function")
    assert len(Profiler().summary(as_frame=True)) == 0


# -- ResourceProfiler -----------------------------------------------------------

def hold_memory(nbytes, seconds):
    """Allocate and touch ``nbytes``, hold them ``seconds``, return their count."""
    block = b"\x01" * nbytes
    time.sleep(seconds)
    return len(block)


def resource_threads():
    return [t for t in threading.enumerate() if t.name == "plait-resources"]


def test_resource_profiler_sees_worker_memory():
    plait.multiprocessing.get({'w': (inc, 1)}, 'w', num_workers=2)  # pool started
    with ResourceProfiler(dt=0.05) as rprof:
        n = plait.multiprocessing.get({'big': (hold_memory, 200_000_000, 0.5)}, 'big',
                                      num_workers=2)
    assert n == 200_000_000
    mems = [r.mem for r in rprof.results]
    assert max(mems) - mems[0] >= 150  # MB, held in a worker process
    assert all(r.cpu >= 0 for r in rprof.results)
    times = [r.time for r in rprof.results]
    assert times == sorted(times)
    assert not resource_threads()


def test_resource_profiler_stops_on_error():
    with pytest.raises(ValueError, match="bad value 1"):
        with ResourceProfiler(dt=0.01) as rprof:
            plait.threaded.get({'a': (raise_value_error, 1)}, 'a')
    assert len(rprof.results) >= 2
    assert not resource_threads()


def test_resource_profiler_registered_stops_after_each_run():
    rprof = ResourceProfiler(dt=0.01)
    rprof.register()
    try:
        plait.get(DSK, 'd')
        assert not resource_threads()
        first = len(rprof.results)
        plait.get(DSK, 'd')
    finally:
        rprof.unregister()
    assert first >= 2 and len(rprof.results) >= first + 2
    with rprof:
        pass
    assert rprof.results == []


def test_resource_profiler_bad_dt():
    with pytest.raises(ValueError, match="dt must be a number of seconds > 0, got -1"):
        ResourceProfiler(dt=-1)


# -- CacheProfiler --------------------------------------------------------------

ARRAYS = {'a': (np.ones, 1000), 'b': (np.zeros, 500), 'c': (np.add, 'a', 1),
          'd': (np.multiply, 'a', 'a'), 'e': (np.concatenate, ['c', 'd', 'b']),
          'f': (np.add, 'e', 1.5), 'g': (np.subtract, 'e', 1.5)}


def test_cache_totals_match_nbytes(get):
    values = plait.get(ARRAYS, list(ARRAYS))
    with CacheProfiler() as cprof:
        get(ARRAYS, ['f', 'g'])
    assert {r.key: r.metric for r in cprof.results} == {
        k: v.nbytes for k, v in zip(ARRAYS, values)}
    assert sum(r.metric for r in cprof.results) == sum(v.nbytes for v in values)
    for r in cprof.results:
        assert r.cache_time <= r.free_time


@pytest.mark.parametrize("get", [plait.get, plait.threaded.get])
def test_cache_sizes_inside_chains(get):
    dsk = {('c', 0): (np.ones, 100)}  # a chain: each task reads only the one before
    dsk.update({('c', i): (np.append, ('c', i - 1), 1.0) for i in range(1, 30)})
    dsk['out'] = (np.sum, ('c', 29))
    with CacheProfiler() as cprof, Profiler() as prof:
        assert get(dsk, 'out') == 129
    held = {r.key: r for r in cprof.results}
    assert {k: held[k].metric for k in dsk if k != 'out'} == {
        ('c', i): 8 * (100 + i) for i in range(30)}
    ended = {r.key: r.end_time for r in prof.results}
    for i in range(1, 29):
        assert held[('c', i)].free_time == ended[('c', i + 1)]


def test_cache_free_time_is_when_the_last_reader_ended():
    with CacheProfiler() as cprof, Profiler() as prof:
        plait.threaded.get(ARRAYS, ['f', 'g'])
    held = {r.key: r for r in cprof.results}
    ended = {r.key: r.end_time for r in prof.results}
    assert held['a'].free_time == max(ended['c'], ended['d'])
    assert held['e'].free_time == max(ended['f'], ended['g'])
    assert held['e'].cache_time == ended['e']
    assert held['f'].free_time >= max(ended.values())  # an output, held to the end


def test_cache_custom_metric_and_name():
    with CacheProfiler(metric=lambda value: 1, metric_name="values") as cprof:
        plait.get(ARRAYS, 'f')
    assert cprof.metric_name == "values"
    assert sum(r.metric for r in cprof.results) == 6  # a, b, c, d, e, f
    assert CacheProfiler(metric=len).metric_name == "len"
    assert CacheProfiler().metric_name == "bytes"


def test_cache_profiler_bad_metric():
    with pytest.raises(TypeError, match="metric must be a function of a value, got 'nbytes'"):
        CacheProfiler(metric="nbytes")


def test_cache_profiler_releases_held_values_on_error():
    dsk = {'a': (np.ones, 10), 'b': (np.ones, 20),
           'c': (raise_value_error, (collect, 'a', 'b')), 'd': (collect, 'a', 'b', 'c')}
    with pytest.raises(ValueError):
        with CacheProfiler() as cprof:
            plait.get(dsk, 'd')
    assert {r.key: r.metric for r in cprof.results} == {'a': 80, 'b': 160}


class StandIn:
    """What the processes scheduler reports for a value kept in a worker."""

    nbytes = 12345


@pytest.mark.parametrize("value, expected", [
    (np.zeros((10, 10)), 800),
    (pd.Series(np.zeros(100)), 800),
    (StandIn(), 12345),
    (b"x" * 1000, 1000 + 33),
])
def test_sizeof_exact(value, expected):
    assert sizeof(value) == expected


def test_sizeof_frames_and_containers():
    df = pd.DataFrame({'a': np.zeros(100), 'b': ['x'] * 100})
    assert sizeof(df) == df.memory_usage(deep=True).sum()
    small = [np.zeros(10)] * 50
    assert sizeof(small) == sys.getsizeof(small) + 50 * 80
    big = [np.zeros(10) for _ in range(1000)]  # estimated from 100 of them
    assert sizeof(big) == sys.getsizeof(big) + 1000 * 80
    assert sizeof({'k': np.zeros(100)}) == sys.getsizeof({'k': 0}) + sys.getsizeof('k') + 800
    assert sizeof(object()) == sys.getsizeof(object())
