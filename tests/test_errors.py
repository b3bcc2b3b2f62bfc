"""Errors and interruption: original types, keys named, nothing left running."""
from __future__ import annotations

import os
import threading
import time
import traceback

import pytest
from helpers import add, inc, make_unpicklable, raise_value_error, sleep_then

import plait
import plait.multiprocessing
import plait.threaded
from plait.scheduling.executor import RemoteTraceback


def notes(exc):
    return "\n".join(getattr(exc, "__notes__", []))


def test_original_exception_type_and_key(get):
    dsk = {"a": 1, "boom": (raise_value_error, "a"), "c": (inc, "boom")}
    with pytest.raises(ValueError, match="bad value 1") as info:
        get(dsk, "c")
    assert "'boom'" in notes(info.value)


def test_pytest_match_sees_the_key(get):
    dsk = {("x", 3): (raise_value_error, 0)}
    with pytest.raises(ValueError, match=r"task \('x', 3\)"):
        get(dsk, ("x", 3))


def test_sync_traceback_reaches_the_task_frame():
    dsk = {"boom": (raise_value_error, 1)}
    with pytest.raises(ValueError) as info:
        plait.get(dsk, "boom")
    frames = traceback.extract_tb(info.value.__traceback__)
    assert frames[-1].name == "raise_value_error"


def test_processes_attach_remote_traceback():
    with pytest.raises(ValueError) as info:
        plait.multiprocessing.get({"boom": (raise_value_error, 2)}, "boom")
    cause = info.value.__cause__
    assert isinstance(cause, RemoteTraceback)
    assert "raise_value_error" in str(cause)


def test_executor_attaches_remote_traceback(process_executor):
    with pytest.raises(ValueError) as info:
        plait.threaded.get({"boom": (raise_value_error, 3)}, "boom", pool=process_executor)
    assert "raise_value_error" in str(info.value.__cause__)


def test_unpicklable_result_names_key():
    with pytest.raises(Exception, match="pickle") as info:
        plait.multiprocessing.get({"u": (make_unpicklable, 1), "v": (inc, 1)}, ["u", "v"])
    assert "'u'" in str(info.value) + notes(info.value)


def test_unpicklable_argument_names_key():
    lock = threading.Lock()
    with pytest.raises(TypeError, match="'needs-lock'"):
        plait.multiprocessing.get({"needs-lock": (id, lock)}, "needs-lock")


def test_error_in_one_branch_cancels_the_rest(get):
    ran = []
    dsk = {"boom": (raise_value_error, 0)}
    dsk.update({("s", i): (sleep_then, i, 0.01) for i in range(50)})
    dsk["all"] = (list, [("s", i) for i in range(50)] + ["boom"])
    with pytest.raises(ValueError):
        get(dsk, "all")
    assert not ran


def test_worker_death_is_an_error_not_a_hang():
    dsk = {"die": (os._exit, 3), "after": (inc, 1)}
    with pytest.raises(Exception, match="'die'|terminated|died"):
        plait.multiprocessing.get(dsk, ["die", "after"], num_workers=2)
    # the pool is replaced: the next computation works
    assert plait.multiprocessing.get({"a": (inc, 1)}, "a", num_workers=2) == 2


def _interrupt_soon(delay=0.3):
    """Send this process a real SIGINT, as Ctrl-C in a terminal does."""
    import signal

    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("name", ["sync", "threads", "processes"])
def test_ctrl_c_returns_promptly(name):
    import psutil

    get = {"sync": plait.get, "threads": plait.threaded.get,
           "processes": plait.multiprocessing.get}[name]
    get({"warm": (inc, 1)}, "warm")  # start pools outside the measured part
    children = {p.pid for p in psutil.Process().children(recursive=True)}
    threads = threading.active_count()
    dsk = {("s", i): (sleep_then, i, 0.2) for i in range(200)}
    timer = _interrupt_soon()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        get(dsk, list(dsk))
    elapsed = time.monotonic() - t0
    timer.join()
    # promptly: far sooner than the 40 s of serial work (a count, not a timing claim)
    assert elapsed < 20
    assert threading.active_count() <= threads
    after = {p.pid for p in psutil.Process().children(recursive=True)}
    assert len(after) <= max(len(children), plait.scheduling.threads.default_num_workers())
    assert get({"again": (add, 1, 2)}, "again") == 3


def test_sync_scheduler_works_under_cprofile():
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    plait.get({"a": 1, "b": (inc, "a")}, "b")
    prof.disable()
    names = {fn for (_, _, fn) in pstats.Stats(prof).stats}
    assert "inc" in names
