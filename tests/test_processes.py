"""The processes backend: its pool of workers, settings, counters and placement."""
from __future__ import annotations

import os
import sys
import threading
from operator import add

import pytest

import plait
import plait.multiprocessing as pm
from plait import config
from plait.callbacks import Callback
from plait.scheduling import pool as pools
from plait.scheduling.processes import InWorker, ProcessBackend

DSK = {"a": 1, "b": 2, "c": (add, "a", "b"), "d": (sum, ["a", "b", "c"])}


def pid(*args):
    return os.getpid()


def sleep_pid(seconds):
    import time

    time.sleep(seconds)
    return os.getpid()


def inc(x):
    return x + 1


def string_hash(_):
    return hash("plait-hash-seed")


def blas_threads(_):
    import numpy  # noqa: F401 - load the BLAS library
    from threadpoolctl import threadpool_info

    return sorted({info["num_threads"] for info in threadpool_info()})


def cwd_and_path(_):
    return os.getcwd(), list(sys.path)


_initialized = []


def mark_initialized():
    _initialized.append(os.getpid())


def was_initialized(_):
    return list(_initialized)


def nested_compute(x):
    return pm.get({"a": x, "b": (inc, "a")}, "b")


def live_pool(num_workers=2):
    return [p for p in pools.pools() if p.num_workers == num_workers
            and p.context == "spawn" and p.initializer is None]


# -- results -----------------------------------------------------------------

def test_docstring_example():
    assert pm.get(DSK, ["a", "b", "c"]) == [1, 2, 3]
    assert pm.get(DSK, "d", num_workers=2) == 6


def test_lambdas_and_closures_travel():
    k = 10
    dsk = {"a": 2, "b": (lambda x: x * k, "a"), "c": (lambda x, y: x + y, "b", "a")}
    assert pm.get(dsk, "c", num_workers=2) == 22


def test_nested_keys_and_literal_outputs():
    assert pm.get(DSK, [["a"], ["c", "d"]], num_workers=2) == [[1], [3, 6]]


def test_compute_inside_a_task_runs_inline():
    dsk = {("n", i): (nested_compute, i) for i in range(3)}
    assert pm.get(dsk, list(dsk), num_workers=2) == [1, 2, 3]


def test_scheduler_name_reaches_this_backend():
    assert plait.get_scheduler("processes") is pm.get
    assert plait.delayed(inc)(1).compute(scheduler="processes", num_workers=2) == 2


# -- workers -----------------------------------------------------------------

def test_two_ready_tasks_run_side_by_side():
    # seed 004: add and sub must not wait for each other
    dsk = {"add": (sleep_pid, 0.3), "sub": (sleep_pid, 0.3), "both": (list, ["add", "sub"])}
    a, b = pm.get(dsk, "both", num_workers=2)
    assert a != b
    assert pm.last_run_stats().tasks_per_worker == (2, 1) or \
        pm.last_run_stats().tasks_per_worker == (1, 2)


def test_pool_is_reused_across_calls():
    pm.get(DSK, "d", num_workers=2)
    before = [h.pid for h in live_pool()[0].workers]
    for _ in range(3):
        pm.get(DSK, "d", num_workers=2)
    assert [h.pid for h in live_pool()[0].workers] == before
    assert len(live_pool()) == 1


def test_threads_computing_at_once_get_their_own_workers():
    results, errors = [], []

    def run():
        try:
            results.append(pm.get({"p": (sleep_pid, 0.3)}, "p", num_workers=2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 2
    assert len(live_pool()) == 1  # one idle pool is kept, the other shut down


def test_workers_see_callers_path_and_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "plait_user_module.py").write_text("def triple(x):\n    return 3 * x\n")
    import plait_user_module

    cwd, path = pm.get({"x": (cwd_and_path, 0)}, "x", num_workers=1)
    assert cwd == str(tmp_path) and str(tmp_path) in path
    assert pm.get({"t": (plait_user_module.triple, 5)}, "t", num_workers=1) == 15


def test_string_hashes_agree_across_workers():
    dsk = {("h", i): (string_hash, i) for i in range(8)}
    dsk.update({("p", i): (pid, ("h", i)) for i in range(8)})
    out = pm.get(dsk, list(dsk), num_workers=2)
    assert len(set(out[:8])) == 1  # one hash ...
    assert len(set(out[8:])) == 2  # ... from both workers
    seed = pm.get({"s": (env_seed, 0)}, "s", num_workers=2)
    assert seed == pools.HASH_SEED
    if "PYTHONHASHSEED" in os.environ:  # the caller's seed is honoured
        assert seed == os.environ["PYTHONHASHSEED"]
        assert out[0] == hash("plait-hash-seed")


def env_seed(_):
    return os.environ["PYTHONHASHSEED"]


def test_blas_threads_capped_to_one_in_workers():
    assert pm.get({"b": (blas_threads, 0)}, "b", num_workers=2) == [1]


def test_blas_cap_follows_config():
    with config.set({"processes.blas-threads": 2}):
        assert pm.get({"b": (blas_threads, 0)}, "b", num_workers=1) == [2]


def test_initializer_runs_once_in_each_worker():
    dsk = {("i", n): (was_initialized, n) for n in range(4)}
    out = pm.get(dsk, list(dsk), num_workers=2, initializer=mark_initialized)
    assert all(len(seen) == 1 for seen in out)


@pytest.mark.parametrize("context", ["fork", "forkserver"])
def test_other_start_methods(context):
    with config.set({"multiprocessing.context": context}):
        assert pm.get(DSK, ["c", "d"], num_workers=2) == [3, 6]


# -- counters and callbacks ----------------------------------------------------

def test_last_run_stats_is_frozen_and_counts_tasks():
    pm.get({("x", i): (inc, i) for i in range(10)}, [("x", i) for i in range(10)],
           num_workers=2)
    stats = pm.last_run_stats()
    assert stats.tasks_run == 10 == sum(stats.tasks_per_worker)
    assert stats.recomputed == stats.workers_lost == stats.retries == 0
    with pytest.raises(AttributeError):
        stats.tasks_run = 3
    assert "tasks_run=10" in repr(stats)
    assert stats._asdict()["tasks_run"] == 10


def test_callbacks_see_counters_and_stand_ins():
    seen = {}

    def posttask(key, result, graph, state, worker):
        seen[key] = result
        seen["counters"] = state.session.counters.tasks_run

    dsk = {"x": (inc, 1), "y": (inc, "x"), "z": (inc, "x")}
    assert pm.get(dsk, ["y", "z"], num_workers=2,
                  callbacks=[Callback(posttask=posttask)]) == [3, 3]
    assert isinstance(seen["x"], InWorker) and seen["x"].nbytes > 0
    assert "'x'" in repr(seen["x"])
    assert seen["y"] == 3  # an output is back in this process
    assert seen["counters"] >= 2


# -- settings and their errors -------------------------------------------------

@pytest.mark.parametrize("kw, match", [
    ({"retries": -1}, "retries must be a number >= 0"),
    ({"timeout": "soon"}, "timeout must be a number >= 0"),
    ({"timeout": 0}, "timeout must be a number > 0"),
    ({"num_workers": 0}, "num_workers must be greater than 0"),
])
def test_bad_settings_are_rejected(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        pm.get(DSK, "d", **kw)


def test_bad_context_is_rejected():
    with pytest.raises(ValueError, match="multiprocessing.context must be one of"):
        ProcessBackend(2, context="teleport")


def test_config_retries_and_timeout_reach_the_backend():
    with config.set({"processes.retries": 2, "processes.timeout": 30}):
        assert pm.get(DSK, "d", num_workers=2) == 6
