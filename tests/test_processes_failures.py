"""How the processes backend fails: crashes, bad pickles, dead workers, Ctrl-C.

The crash table follows loky's ``crash_cases``: each row is a graph that
breaks at one stage, the error type the caller gets and a regex its message
(and notes) must match.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import plait
import plait.multiprocessing as pm
from plait.scheduling import pool as pools
from plait.scheduling.executor import RemoteTraceback, SerializationError
from plait.scheduling.processes import TaskTimeoutError, TerminatedWorkerError

MB = 1 << 20


def segments():
    mine = f"pl{os.getpid():x}"
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(mine))


def message(exc):
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


# -- things that break at each stage ------------------------------------------

def exit_now(x):
    os._exit(3)


def kill_self(x):
    os.kill(os.getpid(), signal.SIGKILL)


def segfault(x):
    import ctypes

    ctypes.string_at(0)


def raise_value_error(x):
    raise ValueError(f"bad value {x!r}")


def return_lock(x):
    return threading.Lock()


class FailsToUnpickle:
    """Pickles fine; raises when unpickled."""

    def __reduce__(self):
        return (_refuse, ())


def _refuse():
    raise ValueError("refusing to unpickle")


class FailsToPickle:
    def __reduce__(self):
        raise TypeError("refusing to pickle")


def return_fails_to_unpickle(x):
    return FailsToUnpickle()


def identity(x):
    return x


def make(nbytes, seed):
    return np.random.default_rng(seed).random(nbytes // 8)


def inc(x):
    return x + 1


def total(x):
    return float(np.sum(x))


def sleep_then(x, seconds):
    import time

    time.sleep(seconds)
    return x


CRASH_CASES = [
    # (graph, error type, regex over message and notes)
    ({"k": (exit_now, 1)}, TerminatedWorkerError, r"'k'(.|\n)*EXIT\(3\)"),
    ({"k": (kill_self, 1)}, TerminatedWorkerError, r"'k'(.|\n)*SIGKILL\(-9\)"),
    ({"k": (segfault, 1)}, TerminatedWorkerError, r"'k'(.|\n)*SIGSEGV\(-11\)"),
    ({"k": (raise_value_error, 1)}, ValueError, r"bad value 1(.|\n)*task 'k'"),
    ({"k": (return_lock, 1)}, SerializationError,
     r"result of 'k' could not be pickled(.|\n)*scheduler='threads'"),
    ({"k": (identity, threading.Lock())}, SerializationError,
     r"task 'k' could not be pickled(.|\n)*scheduler='threads'"),
    ({"k": (identity, FailsToPickle())}, SerializationError, r"task 'k'.*refusing to pickle"),
    ({"k": (identity, FailsToUnpickle())}, SerializationError,
     r"task 'k' could not be unpickled in worker(.|\n)*refusing to unpickle"),
    ({"k": (return_fails_to_unpickle, 1)}, SerializationError,
     r"result of 'k' could not be unpickled in the main process"),
    ({"lit": FailsToPickle(), "k": (identity, "lit")}, SerializationError,
     r"value of 'lit' could not be pickled"),
]


@pytest.mark.parametrize("dsk, error, match", CRASH_CASES,
                         ids=[c[1].__name__ + "-" + c[0]["k"][0].__name__ for c in CRASH_CASES])
def test_crashes(dsk, error, match):
    with pytest.raises(error) as info:
        pm.get(dsk, "k", num_workers=2)
    assert __import__("re").search(match, message(info.value)), message(info.value)
    assert segments() == []
    # the pool works afterwards, with every worker alive
    assert pm.get({"ok": (inc, 1)}, "ok", num_workers=2) == 2
    assert all(h.alive for p in pools.pools() for h in p.workers)


def test_task_error_keeps_type_and_remote_traceback():
    with pytest.raises(ValueError) as info:
        pm.get({"boom": (raise_value_error, 2)}, "boom", num_workers=2)
    assert isinstance(info.value.__cause__, RemoteTraceback)
    assert "raise_value_error" in str(info.value.__cause__)


def test_result_that_cannot_be_pickled_is_fine_inside_a_worker():
    dsk = {"lock": (return_lock, 1), "n": (lock_is_unlocked, "lock")}
    assert pm.get(dsk, "n", num_workers=2) is True


def lock_is_unlocked(lock):
    return not lock.locked()


def test_value_that_cannot_move_between_workers_names_its_key():
    # the two roots run side by side; 'both' goes where the big array is,
    # so the lock must move from the other worker, and cannot
    dsk = {"lock": (lock_after, 0.3), "big": (slow_make, 2 * MB, 0.3),
           "both": (pair_after, "lock", "big", 0)}
    with pytest.raises(SerializationError, match=r"value of 'lock' could not be pickled"):
        pm.get(dsk, "both", num_workers=2)
    assert segments() == []


def lock_after(seconds):
    import time

    time.sleep(seconds)
    return threading.Lock()


def slow_make(nbytes, seconds):
    import time

    time.sleep(seconds)
    return make(nbytes, 0)


def pair_after(a, b, seconds):
    return (a, b)


# -- dead workers ---------------------------------------------------------------

def kill_once(x, flag):
    if not os.path.exists(flag):
        open(flag, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_worker_killed_mid_graph_gives_the_right_answer(tmp_path):
    flag = str(tmp_path / "killed")
    dsk = {("x", i): (make, 100_000, i) for i in range(8)}
    dsk.update({("y", i): (inc, ("x", i)) for i in range(8)})
    dsk["t"] = (sum, [(total, ("y", i)) for i in range(8)])
    expected = plait.get(dsk, "t")
    dsk[("y", 5)] = (kill_once, ("y", 4), flag)
    expected += total(make(100_000, 4) + 1) - total(make(100_000, 5) + 1)
    pids_before = {h.pid for p in pools.pools() for h in p.workers}
    assert pm.get(dsk, "t", num_workers=2) == pytest.approx(expected)
    stats = pm.last_run_stats()
    assert stats.workers_lost == 1
    assert stats.tasks_run >= 17
    live = [h for p in pools.pools() for h in p.workers]
    assert all(h.alive for h in live)  # the dead worker was replaced
    assert {h.pid for h in live} != pids_before
    assert segments() == []


def test_values_lost_with_a_worker_are_recomputed(tmp_path):
    flag = str(tmp_path / "killed")
    # one worker: it makes 'a', then dies running 'die'; 'c' still needs 'a'
    dsk = {"a": (make, 2 * MB, 1), "die": (kill_once, 5, flag),
           "c": (total_plus, "a", "die")}
    assert pm.get(dsk, "c", num_workers=1) == pytest.approx(total(make(2 * MB, 1)) + 5)
    stats = pm.last_run_stats()
    assert stats.workers_lost == 1
    assert stats.recomputed >= 1  # 'a' ran again on the replacement
    assert segments() == []


def total_plus(x, n):
    return total(x) + n


def test_task_that_kills_three_workers_fails_and_names_itself():
    with pytest.raises(TerminatedWorkerError, match=r"'bad'.*3 times.*SIGKILL\(-9\)"):
        pm.get({"bad": (kill_self, 1), "good": (inc, 1)}, ["good", "bad"], num_workers=2)
    assert pm.last_run_stats().workers_lost == 3


def test_worker_dying_while_idle_is_replaced_before_the_next_run():
    pm.get({"a": (inc, 1)}, "a", num_workers=2)
    (pool,) = [p for p in pools.pools() if p.num_workers == 2 and p.initializer is None
               and p.context == "spawn"][:1]
    victim = pool.workers[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.process.join()
    assert pm.get({"a": (inc, 1)}, "a", num_workers=2) == 2
    assert pool.workers[0] is not victim and pool.workers[0].alive


# -- retries and timeouts ----------------------------------------------------------

def flaky(path, failures):
    n = int(open(path).read()) if os.path.exists(path) else 0
    with open(path, "w") as f:
        f.write(str(n + 1))
    if n < failures:
        raise ValueError(f"attempt {n} failed")
    return n


def test_retries_run_a_failing_task_again(tmp_path):
    path = str(tmp_path / "count")
    assert pm.get({"f": (flaky, path, 2)}, "f", num_workers=2, retries=2) == 2
    assert pm.last_run_stats().retries == 2


def test_retries_exhausted_raise_the_last_error(tmp_path):
    path = str(tmp_path / "count")
    with pytest.raises(ValueError, match="attempt 1 failed"):
        pm.get({"f": (flaky, path, 5)}, "f", num_workers=2, retries=1)


def test_timeout_kills_the_task_and_names_it():
    with pytest.raises(TaskTimeoutError, match=r"'slow'.*timeout of 0.3 s"):
        pm.get({"slow": (sleep_then, 1, 30), "fast": (inc, 1)}, ["fast", "slow"],
               num_workers=2, timeout=0.3)
    assert pm.get({"a": (inc, 1)}, "a", num_workers=2) == 2


def test_timeout_with_retries_counts_each_try():
    with pytest.raises(TaskTimeoutError):
        pm.get({"slow": (sleep_then, 1, 30)}, "slow", num_workers=2, timeout=0.2, retries=1)
    stats = pm.last_run_stats()
    assert stats.retries == 1 and stats.workers_lost == 2


# -- start-up failures ----------------------------------------------------------------

def broken_initializer():
    raise RuntimeError("initializer exploded")


def test_initializer_failure_is_reported():
    with pytest.raises(pools.WorkerStartError, match="initializer exploded"):
        pm.get({"a": (inc, 1)}, "a", num_workers=1, initializer=broken_initializer)


def test_unguarded_script_gets_an_explanation(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent("""
        from operator import add
        import plait.multiprocessing
        print(plait.multiprocessing.get({'a': 1, 'b': (add, 'a', 1)}, 'b', num_workers=1))
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode != 0
    assert 'if __name__ == "__main__":' in proc.stderr
    assert "WorkerStartError" in proc.stderr


# -- Ctrl-C ------------------------------------------------------------------------

def test_ctrl_c_kills_busy_workers_and_leaks_no_shared_memory():
    import psutil
    import time

    pm.get({"warm": (inc, 1)}, "warm", num_workers=2)
    dsk = {("big", i): (make, 8 * MB, i) for i in range(4)}
    dsk.update({("s", i): (sleep_then, ("big", i), 5) for i in range(4)})
    dsk["all"] = (sum, [(total, ("s", i)) for i in range(4)])
    threading.Timer(0.8, os.kill, (os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        pm.get(dsk, "all", num_workers=2)
    assert time.monotonic() - t0 < 4  # far less than the 10 s of sleeping left
    assert segments() == []
    zombies = [p for p in psutil.Process().children() if p.status() == psutil.STATUS_ZOMBIE]
    assert zombies == []
    assert pm.get({"again": (inc, 1)}, "again", num_workers=2) == 2


# -- the main process dies -------------------------------------------------------------

@pytest.mark.parametrize("context", ["spawn", "fork"])
def test_workers_exit_when_the_main_process_is_killed(tmp_path, context):
    import psutil

    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys, time
        import plait.multiprocessing
        from plait.scheduling import pool
        if __name__ == "__main__":
            with plait.config.set({{"multiprocessing.context": "{context}"}}):
                plait.multiprocessing.get({{"a": (abs, -1)}}, "a", num_workers=2)
                plait.multiprocessing.get({{"b": (abs, -2)}}, "b", num_workers=3)
            pids = [h.pid for p in pool.pools() for h in p.workers]
            print(" ".join(map(str, pids)), flush=True)
            time.sleep(60)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 5
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs([psutil.Process(p) for p in pids if psutil.pid_exists(p)],
                                    timeout=20)
    assert alive == []


def mix_slowly(a, b):
    import time

    time.sleep(0.02)
    return a[: len(a) // 2] + b[: len(b) // 2]


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9])
def test_ctrl_c_during_transfers_leaks_no_shared_memory(delay):
    rng = np.random.default_rng(int(delay * 10))
    dsk = {("r", i): (make, 4 * MB, i) for i in range(16)}
    for j in range(60):
        a, b = rng.integers(0, 16, 2)
        dsk[("m", j)] = (mix_slowly, ("r", int(a)), ("r", int(b)))
    dsk["all"] = (sum, [(total, ("m", j)) for j in range(60)])
    pm.get({"warm": (inc, 1)}, "warm", num_workers=2)
    threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        pm.get(dsk, "all", num_workers=2)
    except KeyboardInterrupt:
        pass
    else:  # finished before the signal: wait for it here
        with pytest.raises(KeyboardInterrupt):
            __import__("time").sleep(5)
    assert segments() == []
    assert pm.get({"again": (inc, 1)}, "again", num_workers=2) == 2
