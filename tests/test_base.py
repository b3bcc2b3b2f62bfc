"""compute, persist and the choice of scheduler, with a minimal collection."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from operator import add

import pytest
from helpers import inc

import plait
import plait.local
import plait.multiprocessing
import plait.threaded
from plait import config
from plait.base import get_scheduler, is_plait_collection

CALLS = []


def counted_inc(x):
    CALLS.append(x)
    return x + 1


class Box:
    """A tiny collection: one key, a graph, a default scheduler."""

    def __init__(self, dsk, key, scheduler=None):
        self.dsk, self.key = dsk, key
        if scheduler is not None:
            self.__plait_scheduler__ = scheduler

    def __plait_graph__(self):
        return self.dsk

    def __plait_keys__(self):
        return [self.key]

    def __plait_postcompute__(self):
        return (lambda results: results[0]), ()

    def __plait_postpersist__(self):
        return (lambda d, key: Box(dict(d), key)), (self.key,)


def shared_boxes():
    base = {"x": 1, "y": (counted_inc, "x")}
    return Box({**base, "a": (add, "y", 10)}, "a"), Box({**base, "b": (add, "y", 20)}, "b")


def test_compute_merges_graphs_and_shares_intermediates():
    CALLS.clear()
    a, b = shared_boxes()
    assert plait.compute(a, b, scheduler="sync") == (12, 22)
    assert CALLS == [1]


def test_compute_passes_non_collections_through():
    a, _ = shared_boxes()
    out = plait.compute(a, 5, [a, "s"], {"k": a}, (a,), scheduler="sync")
    assert out == (12, 5, [12, "s"], {"k": 12}, (12,))
    assert plait.compute(1, "x") == (1, "x")


def test_compute_without_traverse_leaves_containers_alone():
    a, _ = shared_boxes()
    lst = [a]
    assert plait.compute(lst, traverse=False)[0] is lst


@pytest.mark.parametrize("name", ["sync", "synchronous", "single-threaded", "threads",
                                  "threading", "processes", "multiprocessing"])
def test_every_scheduler_name(name):
    a, b = shared_boxes()
    assert plait.compute(a, b, scheduler=name) == (12, 22)


def test_names_resolve_to_get_functions():
    assert get_scheduler("sync") is plait.local.get
    assert get_scheduler("threading") is plait.threaded.get
    assert get_scheduler("multiprocessing") is plait.multiprocessing.get


def test_unknown_scheduler_lists_the_valid_names():
    a, _ = shared_boxes()
    with pytest.raises(ValueError, match="unknown scheduler 'thread'.*'threads'"):
        plait.compute(a, scheduler="thread")


def test_bad_scheduler_type():
    a, _ = shared_boxes()
    with pytest.raises(TypeError, match="scheduler"):
        plait.compute(a, scheduler=42)


def test_get_function_executor_and_object_with_get():
    a, _ = shared_boxes()
    assert plait.compute(a, scheduler=plait.threaded.get) == (12,)
    with ThreadPoolExecutor(2) as ex:
        assert plait.compute(a, scheduler=ex) == (12,)

    class Custom:
        def __init__(self):
            self.calls = 0

        def get(self, dsk, keys, **kwargs):
            self.calls += 1
            return plait.get(dsk, keys)

    custom = Custom()
    assert plait.compute(a, scheduler=custom) == (12,)
    assert custom.calls == 1


def test_legacy_get_keyword_and_set_options():
    a, _ = shared_boxes()
    assert plait.compute(a, get=plait.multiprocessing.get) == (12,)
    with pytest.raises(TypeError, match="not both"):
        plait.compute(a, get=plait.get, scheduler="sync")
    with plait.set_options(get=plait.local.get):
        assert get_scheduler() is plait.local.get
    with plait.set_options(scheduler="processes"):
        assert get_scheduler() is plait.multiprocessing.get


def test_precedence_call_then_config_then_collection_default():
    a = Box({"a": 1}, "a", scheduler="processes")
    assert get_scheduler(collections=[a]) is plait.multiprocessing.get
    with config.set(scheduler="threads"):
        assert get_scheduler(collections=[a]) is plait.threaded.get
        with config.set(scheduler="sync"):
            assert get_scheduler(collections=[a]) is plait.local.get
        assert get_scheduler("processes", collections=[a]) is plait.multiprocessing.get
    assert get_scheduler() is plait.threaded.get  # nothing set: threads


def test_global_config_set():
    try:
        config.set(scheduler="sync")
        assert get_scheduler() is plait.local.get
    finally:
        config.set(scheduler=None)
    assert get_scheduler() is plait.threaded.get


def test_config_block_does_not_leak_into_other_threads():
    inside, release = threading.Event(), threading.Event()
    seen = []

    def other():
        inside.wait()
        seen.append(get_scheduler())
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with config.set(scheduler="sync"):
        inside.set()
        release.wait()
    t.join()
    assert seen == [plait.threaded.get]


def test_differing_collection_defaults_need_a_choice():
    a = Box({"a": 1}, "a", scheduler="processes")
    b = Box({"b": 2}, "b", scheduler="threads")
    with pytest.raises(ValueError, match="different default schedulers"):
        plait.compute(a, b)
    assert plait.compute(a, b, scheduler="sync") == (1, 2)


def test_scheduler_keywords_pass_through_and_unknown_ones_fail():
    a, _ = shared_boxes()
    assert plait.compute(a, scheduler="threads", num_workers=4) == (12,)
    with config.set(num_workers=2):
        assert plait.compute(a, scheduler="processes") == (12,)
    with pytest.raises(TypeError, match="unexpected keyword argument 'num_wrokers'"):
        plait.compute(a, scheduler="threads", num_wrokers=4)


def test_config_pool_and_context():
    a, _ = shared_boxes()
    with ThreadPoolExecutor(3) as ex, config.set(pool=ex):
        assert plait.compute(a, scheduler="threads") == (12,)
    with config.set({"multiprocessing.context": "forkserver"}):
        assert plait.compute(a, scheduler="processes") == (12,)


def test_tasks_in_threads_see_the_callers_config_block():
    def read(_):
        return config.get("array.chunk-size")

    with config.set({"array.chunk-size": "7MiB"}):
        assert plait.threaded.get({"r": (read, 0)}, "r") == "7MiB"


def test_persist_keeps_results_in_the_graph():
    CALLS.clear()
    a, b = shared_boxes()
    pa, n = plait.persist(a, 3, scheduler="sync")
    assert n == 3 and is_plait_collection(pa)
    assert pa.__plait_graph__() == {"a": 12}
    assert plait.compute(pa)[0] == 12
    assert CALLS == [1]


def test_is_plait_collection():
    a, _ = shared_boxes()
    assert is_plait_collection(a)
    assert not is_plait_collection(Box)
    assert not is_plait_collection({"a": 1})


def test_collection_optimize_hook_is_used_and_can_be_skipped():
    seen = []

    class Opt(Box):
        @staticmethod
        def __plait_optimize__(dsk, keys, **kwargs):
            seen.append(sorted(dsk))
            return dsk

    o = Opt({"a": 1, "b": (inc, "a")}, "b")
    assert plait.compute(o, scheduler="sync") == (2,)
    assert seen == [["a", "b"]]
    plait.compute(o, scheduler="sync", optimize_graph=False)
    assert len(seen) == 1
