"""Callbacks: hook order and arguments on every scheduler, registration, errors."""
from __future__ import annotations

import os
import threading
import time

import pytest

import plait
import plait.multiprocessing
import plait.threaded
from helpers import add, inc
from plait.callbacks import HOOKS, Callback, active_callbacks, needs_times, unregister_all

# no chains (every value is read by two tasks or by a task with two inputs),
# so posttask sees every value; literals 'x' and 'y' run no task
DSK = {'x': 1, 'y': 2, 'a': (inc, 'x'), 'b': (add, 'a', 'y'), 'c': (add, 'a', 'x'),
       'd': (add, 'b', 'c')}
VALUES = {'a': 2, 'b': 4, 'c': 3, 'd': 7}
DEPS = {'a': [], 'b': ['a'], 'c': ['a'], 'd': ['b', 'c']}


class Recorder(Callback):
    """Records every hook call with its arguments."""

    def __init__(self):
        super().__init__()
        self.events = []
        self.lock = threading.Lock()

    def _add(self, *event):
        with self.lock:
            self.events.append(event)

    def start(self, graph):
        self._add("start", graph)

    def start_state(self, graph, state):
        self._add("start_state", graph, state)

    def pretask(self, key, graph, state):
        self._add("pretask", key, graph, state, time.time())

    def posttask(self, key, result, graph, state, worker_id):
        self._add("posttask", key, result, graph, state, worker_id)

    def finish(self, graph, state, errored):
        self._add("finish", graph, state, errored)

    def names(self):
        return [e[0] for e in self.events]


def check_events(rec, dsk, worker_ok, value_ok=lambda key, result: result == VALUES[key]):
    """Assert the order and arguments of a successful run's hook calls."""
    ev = rec.events
    assert ev[0] == ("start", dsk)
    assert ev[1][:2] == ("start_state", dsk)
    state = ev[1][2]
    assert ev[-1] == ("finish", dsk, state, False)
    middle = ev[2:-1]
    pre = [e[1] for e in middle if e[0] == "pretask"]
    post = [e[1] for e in middle if e[0] == "posttask"]
    assert sorted(pre) == sorted(post) == sorted(VALUES)
    position = {(e[0], e[1]): n for n, e in enumerate(middle)}
    for key, deps in DEPS.items():
        assert position["pretask", key] < position["posttask", key]
        for d in deps:
            assert position["posttask", d] < position["pretask", key]
    for e in middle:
        assert e[2 if e[0] == "pretask" else 3] is dsk
        assert e[3 if e[0] == "pretask" else 4] is state
        if e[0] == "posttask":
            _, key, result, _, _, worker = e
            assert value_ok(key, result), (key, result)
            assert worker_ok(worker), worker
            assert state.compiled.index[key] in state.times


def value_or_stand_in(key, result):
    """Processes may report a stand-in carrying the size instead of the value."""
    return result == VALUES[key] or isinstance(getattr(result, "nbytes", None), int)


def test_hooks_in_order_sync():
    rec = Recorder()
    assert plait.get(DSK, 'd', callbacks=[rec]) == 7
    check_events(rec, DSK, lambda w: w == 0)


def test_hooks_in_order_threads():
    rec = Recorder()
    assert plait.threaded.get(DSK, 'd', num_workers=2, callbacks=[rec]) == 7
    check_events(rec, DSK, lambda w: w in (0, 1))


def test_hooks_in_order_processes():
    rec = Recorder()
    assert plait.multiprocessing.get(DSK, 'd', num_workers=2, callbacks=[rec]) == 7
    check_events(rec, DSK, lambda w: w is not None and w != os.getpid(), value_or_stand_in)


def test_hooks_in_order_thread_executor(thread_executor):
    rec = Recorder()
    assert plait.threaded.get(DSK, 'd', pool=thread_executor, callbacks=[rec]) == 7
    check_events(rec, DSK, lambda w: True)


def test_hooks_in_order_process_executor(process_executor):
    rec = Recorder()
    assert plait.threaded.get(DSK, 'd', pool=process_executor, callbacks=[rec]) == 7
    check_events(rec, DSK, lambda w: w is not None and w != os.getpid(),
                 value_or_stand_in)


def test_compute_with_executor_passes_callbacks(process_executor):
    rec = Recorder()
    x = plait.delayed(add)(plait.delayed(inc)(1), 10)
    assert plait.compute(x, scheduler=process_executor, callbacks=[rec]) == (12,)
    assert rec.names()[0] == "start" and rec.names()[-1] == "finish"
    assert rec.names().count("posttask") == 2


def test_posttask_sees_values_inside_chains(get):
    seen = {}
    cb = Callback(posttask=lambda key, result, graph, state, worker: seen.update({key: result}))
    chain = {('c', 0): (inc, 0)}
    chain.update({('c', i): (inc, ('c', i - 1)) for i in range(1, 40)})
    assert get(chain, ('c', 39), callbacks=[cb]) == 40
    assert sorted(seen) == sorted(chain)
    for (_, i), result in seen.items():
        assert result == i + 1 or isinstance(getattr(result, "nbytes", None), int)


def test_errored_run_calls_finish_with_errored(get):
    from helpers import raise_value_error

    rec = Recorder()
    with pytest.raises(ValueError, match="bad value 2"):
        get({'a': (inc, 1), 'b': (raise_value_error, 'a')}, 'b', callbacks=[rec])
    assert rec.names()[0] == "start"
    assert rec.events[-1][0] == "finish" and rec.events[-1][3] is True
    assert "b" not in [e[1] for e in rec.events if e[0] == "posttask"]


# -- built from functions, registration --------------------------------------

def test_callback_from_functions():
    calls = []
    cb = Callback(start=lambda graph: calls.append("start"),
                  pretask=lambda key, graph, state: calls.append(("pre", key)),
                  finish=lambda graph, state, errored: calls.append(("finish", errored)))
    assert plait.get({'a': (inc, 1)}, 'a', callbacks=cb) == 2
    assert calls == ["start", ("pre", "a"), ("finish", False)]
    assert not hasattr(cb, "posttask")


def test_callback_rejects_non_callable_hook():
    with pytest.raises(TypeError, match="Callback pretask= must be callable, got 3"):
        Callback(pretask=3)


def test_active_callbacks_rejects_objects_without_hooks():
    with pytest.raises(TypeError, match="is not a callback: it has none of the hooks"):
        plait.get({'a': 1}, 'a', callbacks=[object()])


def test_register_and_unregister():
    keys = []
    cb = Callback(posttask=lambda key, *rest: keys.append(key))
    cb.register()
    try:
        assert cb.active
        plait.get({'a': (inc, 1)}, 'a')
        plait.threaded.get({'b': (inc, 1)}, 'b')
    finally:
        cb.unregister()
    assert not cb.active
    plait.get({'c': (inc, 1)}, 'c')
    assert keys == ['a', 'b']
    cb.unregister()  # a second time is harmless


def test_context_manager_is_active_inside_only():
    keys = []
    with Callback(posttask=lambda key, *rest: keys.append(key)) as cb:
        assert cb.active
        plait.get({'a': (inc, 1)}, 'a')
    plait.get({'b': (inc, 1)}, 'b')
    assert keys == ['a']


def test_registered_and_per_call_both_fire_once():
    keys = []
    cb = Callback(posttask=lambda key, *rest: keys.append(key))
    with cb:
        plait.get({'a': (inc, 1)}, 'a', callbacks=[cb])
    assert keys == ['a']
    other = Callback(start=lambda graph: None)
    with cb:
        assert active_callbacks(other) == (cb, other)


def test_unregister_all():
    cb = Callback(start=lambda graph: None)
    cb.register()
    unregister_all()
    assert not cb.active and active_callbacks() == ()


def test_needs_times():
    from plait.diagnostics import CacheProfiler, Profiler, ProgressBar, ResourceProfiler

    assert not needs_times(())
    assert not needs_times([ProgressBar(), ResourceProfiler()])
    assert needs_times([ProgressBar(), Profiler()])
    assert needs_times([CacheProfiler()]) and needs_times([Callback(start=print)])
    assert needs_times([object()])  # an object of our hooks' shape, no base class


def test_hook_names():
    assert HOOKS == ("start", "start_state", "pretask", "posttask", "finish")


# -- a callback that raises stops the computation -----------------------------

class Boom(RuntimeError):
    pass


def raise_in(hook):
    def raiser(*args):
        raise Boom(f"{hook} failed")
    return Callback(**{hook: raiser})


@pytest.mark.parametrize("hook", ["start", "start_state", "pretask", "posttask"])
def test_raising_hook_reaches_caller(get, hook):
    finished = []
    tracker = Callback(finish=lambda graph, state, errored: finished.append(errored))
    with pytest.raises(Boom, match=f"{hook} failed"):
        get(DSK, 'd', callbacks=[tracker, raise_in(hook)])
    assert finished == ([] if hook == "start" else [True])
    assert get(DSK, 'd') == 7  # the scheduler is usable again


def test_raising_finish_reaches_caller(get):
    with pytest.raises(Boom, match="finish failed"):
        get(DSK, 'd', callbacks=[raise_in("finish")])
    assert get(DSK, 'd') == 7


def test_raising_posttask_stops_remaining_tasks_threads():
    ran = []

    def work(i):
        ran.append(i)
        time.sleep(0.01)
        return i

    dsk = {('t', i): (work, i) for i in range(40)}
    dsk['total'] = (sum, list(dsk))
    with pytest.raises(Boom):
        plait.threaded.get(dsk, 'total', num_workers=2, callbacks=[raise_in("posttask")])
    time.sleep(0.1)  # let any batch still queued drain before counting
    assert len(ran) < 40
    assert plait.threaded.get(dsk, 'total', num_workers=2) == sum(range(40))


def test_raising_pretask_runs_no_task():
    ran = []
    dsk = {'a': (ran.append, 1)}
    with pytest.raises(Boom):
        plait.threaded.get(dsk, 'a', callbacks=[raise_in("pretask")])
    assert ran == []

