"""Results of every scheduler's get on the seeds' graphs and on spec corners."""
from __future__ import annotations

from operator import add

import pytest
from helpers import double, inc

import plait
from plait.graph import quote

DSK = {"a": 1, "b": 2, "c": (add, "a", "b"), "d": (sum, ["a", "b", "c"])}


def test_seed_examples(get):
    assert get(DSK, "c") == 3
    assert get(DSK, "d") == 6
    assert get(DSK, ["a", "b", "c"]) == [1, 2, 3]


def test_nested_key_lists_keep_their_shape(get):
    assert get(DSK, [["a", "b"], "c"]) == [[1, 2], 3]
    assert get(DSK, [[["d"]], [], "a"]) == [[[6]], [], 1]


def test_repeated_keys(get):
    assert get(DSK, ["c", "c", "a"]) == [3, 3, 1]


def test_tuple_keys_and_nested_tasks(get):
    dsk = {("x", 0): 1, ("x", 1): 2,
           "total": (sum, [("x", 0), ("x", 1), (inc, ("x", 1))]),
           "alias": "total",
           "lst": [("x", 0), (double, ("x", 1))]}
    assert get(dsk, "total") == 6
    assert get(dsk, "alias") == 6
    assert get(dsk, "lst") == [1, 4]


def test_literals_are_not_references(get):
    dsk = {"a": "x", "b": (add, "a", "y"), "s": (len, "hello")}
    assert get(dsk, "b") == "xy"
    assert get(dsk, "s") == 5
    assert get({"a": (tuple, [1, 2])}, "a") == (1, 2)


def test_quote_protects_literals(get):
    dsk = {"a": 1, "q": (len, quote(["a", "a", "a"])), "t": quote((add, 1, 2))}
    assert get(dsk, "q") == 3
    assert get(dsk, "t")[0] is add


def test_int_float_bytes_keys(get):
    dsk = {1: 10, 2.5: (inc, 1), b"k": (add, 1, 2.5)}
    assert get(dsk, b"k") == 21


def test_long_chain(get):
    n = 5000
    dsk = {("c", 0): 0}
    dsk.update({("c", i): (inc, ("c", i - 1)) for i in range(1, n)})
    assert get(dsk, ("c", n - 1)) == n - 1


def test_wide_fan_in(get):
    dsk = {("x", i): (inc, i) for i in range(2000)}
    dsk["total"] = (sum, list(dsk))
    assert get(dsk, "total") == sum(range(1, 2001))


def test_lambdas_and_closures_travel(get):
    k = 7
    dsk = {"a": 1, "b": (lambda x: x + k, "a")}
    assert get(dsk, "b") == 8


def test_num_workers(get):
    dsk = {("x", i): (inc, i) for i in range(20)}
    assert get(dsk, list(dsk), num_workers=1) == list(range(1, 21))


@pytest.mark.parametrize("bad", [0, -1])
def test_bad_num_workers_named(bad):
    with pytest.raises(ValueError, match="num_workers must be greater than 0"):
        plait.threaded.get(DSK, "c", num_workers=bad)
    with pytest.raises(ValueError, match="num_workers must be greater than 0"):
        plait.multiprocessing.get(DSK, "c", num_workers=bad)


def test_num_workers_type_checked():
    with pytest.raises(TypeError, match="num_workers must be an int"):
        plait.threaded.get(DSK, "c", num_workers="2")


def test_unknown_keyword_is_a_type_error(get):
    with pytest.raises(TypeError, match="unexpected keyword argument 'nmu_workers'"):
        get(DSK, "c", nmu_workers=2)


def test_missing_key_named(get):
    with pytest.raises(KeyError, match="'nope' is not a key of the graph"):
        get(DSK, "nope")
    with pytest.raises(KeyError, match=r"\('x', 3\)"):
        get(DSK, ["a", ("x", 3)])


def test_cycle_named(get):
    from plait.graph import CycleError

    dsk = {"a": (inc, "b"), "b": (inc, "c"), "c": (inc, "a"), "d": (inc, "a")}
    with pytest.raises(CycleError, match="'a' -> 'b' -> 'c' -> 'a'|'b' -> 'c' -> 'a' -> 'b'|'c' -> 'a' -> 'b' -> 'c'"):
        get(dsk, "d")


def test_graph_must_be_a_mapping(get):
    with pytest.raises(TypeError, match="a graph must be a Mapping"):
        get([("a", 1)], "a")


def test_thread_pool_argument(thread_executor):
    from multiprocessing.pool import ThreadPool

    assert plait.threaded.get(DSK, "d", pool=thread_executor) == 6
    with ThreadPool(2) as pool:
        assert plait.threaded.get(DSK, "d", pool=pool) == 6


def test_process_executor_with_lambdas(process_executor):
    k = 3
    dsk = {"a": 1, "b": (lambda x: x * k, "a"), "c": (add, "b", "a")}
    assert plait.threaded.get(dsk, "c", pool=process_executor) == 4


def test_multiprocessing_pool_argument():
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        assert plait.multiprocessing.get(DSK, ["c", "d"], pool=pool) == [3, 6]


def test_loky_executor():
    import loky

    ex = loky.get_reusable_executor(max_workers=2)
    assert plait.compute(plait.delayed(inc)(1), scheduler=ex) == (2,)
    dsk = {"a": 1, "b": (lambda x: x + 1, "a")}
    assert plait.threaded.get(dsk, "b", pool=ex) == 2


def test_thread_pools_are_reused():
    import threading

    plait.threaded.get(DSK, "d", num_workers=3)
    before = threading.active_count()
    for _ in range(5):
        plait.threaded.get(DSK, "d", num_workers=3)
    assert threading.active_count() == before


def test_threaded_get_from_many_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    def job(i):
        dsk = {("x", j): (add, i, j) for j in range(200)}
        dsk["s"] = (sum, list(dsk))
        return plait.threaded.get(dsk, "s", num_workers=2)

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(job, range(32)))
    assert results == [sum(i + j for j in range(200)) for i in range(32)]


def test_nested_compute_inside_a_thread_task():
    def inner(x):
        return plait.threaded.get({"a": x, "b": (inc, "a")}, "b", num_workers=1)

    dsk = {("x", i): (inner, i) for i in range(4)}
    assert plait.threaded.get(dsk, list(dsk), num_workers=1) == [1, 2, 3, 4]


def test_process_pool_reused_and_workers_alive():
    import psutil

    plait.multiprocessing.get(DSK, "d", num_workers=2)
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    for _ in range(3):
        plait.multiprocessing.get(DSK, "d", num_workers=2)
    after = {p.pid for p in me.children(recursive=True)}
    assert before == after


def test_processes_import_user_modules_from_caller_path():
    from helpers import pid

    import os

    pids = plait.multiprocessing.get({("p", i): (pid, i) for i in range(4)},
                                     [("p", i) for i in range(4)], num_workers=2)
    assert os.getpid() not in pids
