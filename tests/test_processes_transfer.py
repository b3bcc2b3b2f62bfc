"""Where values live and how they move: the processes backend's data path.

Counts, never times: bytes moved between workers, through the main process
and back to it, shared-memory segments left behind.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plait
import plait.multiprocessing as pm
from plait.scheduling import transfer
from plait.scheduling.placement import choose_worker

MB = 1 << 20


def segments():
    """Shared-memory segments this test process's pools created and left."""
    mine = f"pl{os.getpid():x}"
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(mine))


def make(nbytes, seed):
    return np.random.default_rng(seed).random(nbytes // 8)


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def total(x):
    return float(np.sum(x))


def pid(*args):
    return os.getpid()


def pid_of(x):
    return os.getpid()


def slow_make(nbytes, seed, seconds):
    import time

    time.sleep(seconds)
    return make(nbytes, seed)


@pytest.fixture(autouse=True)
def no_leaked_segments():
    yield
    assert segments() == []


# -- the data path, counted --------------------------------------------------

def test_chain_of_100mb_arrays_moves_nothing_through_the_main_process():
    dsk = {"a": (make, 100 * MB, 0), "b": (inc, "a"), "c": (inc, "b"), "d": (inc, "c"),
           "t": (total, "d")}
    expected = float(np.sum(make(100 * MB, 0) + 3))
    assert pm.get(dsk, "t", num_workers=2) == pytest.approx(expected)
    stats = pm.last_run_stats()
    assert stats.tasks_run == 5
    assert stats.bytes_transferred == 0
    assert stats.bytes_relayed == 0
    assert stats.bytes_from_main == 0
    assert stats.bytes_to_main < 100  # the pickled float only


def test_only_requested_outputs_come_back():
    dsk = {"a": (make, 4 * MB, 1), "b": (inc, "a"), "c": (total, "b")}
    b, c = pm.get(dsk, ["b", "c"], num_workers=2)
    assert c == pytest.approx(float(np.sum(b)))
    stats = pm.last_run_stats()
    assert 4 * MB <= stats.bytes_to_main < 4 * MB + 1000  # b once, c, nothing of a


def test_diamond_moves_each_input_once():
    # two roots land on the two idle workers; both middle tasks need both roots
    dsk = {"x": (slow_make, 8 * MB, 1, 0.2), "y": (slow_make, 8 * MB, 2, 0.2),
           "p": (add, "x", "y"), "q": (add, "y", "x"), "r": (add, "p", "q"),
           "t": (total, "r")}
    x, y = make(8 * MB, 1), make(8 * MB, 2)
    assert pm.get(dsk, "t", num_workers=2) == pytest.approx(float(np.sum(2 * (x + y))))
    stats = pm.last_run_stats()
    assert min(stats.tasks_per_worker[:2]) >= 1  # the roots ran side by side
    # at most x, y and one of p/q cross over, each exactly once, by shared memory
    assert 1 <= stats.transfers <= 3
    assert stats.bytes_transferred <= 3 * (8 * MB + 1000)
    assert stats.bytes_shared_memory == stats.bytes_transferred
    assert stats.bytes_relayed == 0


def test_value_needed_by_many_tasks_on_a_worker_moves_once():
    dsk = {"x": (slow_make, 2 * MB, 3, 0.2), "y": (slow_make, 2 * MB, 4, 0.2)}
    dsk.update({("s", i): (total_of_sum, "x", "y", i) for i in range(6)})
    dsk["t"] = (sum, [("s", i) for i in range(6)])
    base = float(np.sum(make(2 * MB, 3) + make(2 * MB, 4)))
    assert pm.get(dsk, "t", num_workers=2) == pytest.approx(6 * base + 15 * 2 * MB // 8)
    stats = pm.last_run_stats()
    # x and y each cross to the other worker at most once, however many tasks read them
    assert stats.bytes_shared_memory <= 2 * (2 * MB + 1000)
    assert stats.bytes_relayed < 6 * 100  # the floats gathered for t


def total_of_sum(x, y, i):
    return float(np.sum(x + y + i))


def test_small_values_are_relayed_not_put_in_shared_memory():
    dsk = {("a", i): (pid, i) for i in range(40)}
    dsk["all"] = (sorted, [("a", i) for i in range(40)])
    out = pm.get(dsk, "all", num_workers=2)
    assert len(out) == 40
    stats = pm.last_run_stats()
    assert stats.bytes_shared_memory == 0
    assert stats.bytes_relayed == stats.bytes_transferred


def test_literal_inputs_are_sent_once_per_worker():
    arr = np.arange(100_000.0)
    dsk = {"lit": arr, **{("s", i): (add, "lit", i) for i in range(8)}}
    dsk["t"] = (sum, [(total, ("s", i)) for i in range(8)])
    assert pm.get(dsk, "t", num_workers=2) == pytest.approx(
        sum(float(np.sum(arr + i)) for i in range(8)))
    stats = pm.last_run_stats()
    assert arr.nbytes <= stats.bytes_from_main <= 2 * (arr.nbytes + 1000)


def test_values_are_released_in_the_workers():
    dsk = {("a", i): (make, MB, i) for i in range(6)}
    dsk.update({("b", i): (total, ("a", i)) for i in range(6)})
    dsk["probe"] = (arrays_held, [("b", i) for i in range(6)])
    held, sessions = pm.get(dsk, "probe", num_workers=2)
    assert held == 0  # every ('a', i) was deleted once its ('b', i) was done
    assert sessions == 1  # earlier computations left nothing behind
    assert min(pm.last_run_stats().tasks_per_worker) >= 1


def arrays_held(_):
    from plait.scheduling.worker import current

    w = current()
    values = w.stores[w.sid].values()
    return sum(isinstance(v, np.ndarray) for v in values), len(w.stores)


@pytest.mark.parametrize("nbytes", [10, 64 * 1024, 3 * MB])
def test_results_of_every_size_come_back_intact(nbytes):
    dsk = {"a": (make, nbytes, 7), "b": (inc, "a")}
    out = pm.get(dsk, "b", num_workers=2)
    np.testing.assert_array_equal(out, make(nbytes, 7) + 1)


def test_bytes_and_pandas_values_move_between_workers():
    import pandas as pd

    frame = pd.DataFrame({"x": np.arange(200_000), "y": np.arange(200_000) * 0.5})
    dsk = {"f": (slow_frame, frame, 0.2), "g": (slow_bytes, 600_000, 0.2),
           "both": (combine, "f", "g")}
    assert pm.get(dsk, "both", num_workers=2) == (frame["y"].sum(), 600_000)


def slow_frame(frame, seconds):
    import time

    time.sleep(seconds)
    return frame


def slow_bytes(n, seconds):
    import time

    time.sleep(seconds)
    return b"\x01" * n


def combine(frame, data):
    return frame["y"].sum(), len(data)


# -- random graphs equal the synchronous scheduler -----------------------------

@st.composite
def array_graphs(draw):
    n = draw(st.integers(2, 12))
    dsk, names = {}, []
    for i in range(n):
        if not names or draw(st.integers(0, 3)) == 0:
            size = draw(st.sampled_from([16, 4096, 400_000]))
            dsk[f"k{i}"] = (make, size, i)
        else:
            refs = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
            dsk[f"k{i}"] = (_mix, *refs)
        names.append(f"k{i}")
    outs = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    return dsk, outs


def _mix(*arrays):
    n = min(a.size for a in arrays)
    return sum(a[:n] for a in arrays) * 0.5 + 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(array_graphs())
def test_random_array_graphs_equal_sync(case):
    dsk, outs = case
    expected = plait.get(dsk, outs)
    got = pm.get(dsk, outs, num_workers=2)
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(e, g)
    assert segments() == []


# -- transfer.py --------------------------------------------------------------

def test_pack_small_value_inline():
    desc, nbytes = transfer.pack({"a": [1, 2]}, name="/plnotused")
    assert desc[0] == "f"
    assert nbytes == transfer.desc_nbytes(desc)
    assert transfer.unpack(desc) == {"a": [1, 2]}


def test_pack_large_array_through_shared_memory_without_extra_copy():
    x = np.arange(1_000_000, dtype=np.float64)
    name = f"/pl{os.getpid():x}test_pack"
    desc, nbytes = transfer.pack(x, name=name)
    assert desc[0] == "s" and desc[1] == name
    assert nbytes >= x.nbytes
    y = transfer.unpack(desc)
    np.testing.assert_array_equal(x, y)
    assert y.flags.writeable and y.ctypes.data % 64 == 0
    # the reader unlinked the name already; unlinking again is harmless
    transfer.unlink(name)


def test_write_segment_refuses_an_existing_name():
    name = f"/pl{os.getpid():x}test_twice"
    transfer.write_segment(name, [b"abc"])
    try:
        with pytest.raises(FileExistsError):
            transfer.write_segment(name, [b"abc"])
    finally:
        transfer.unlink(name)


def test_read_segment_of_missing_name_raises():
    with pytest.raises(FileNotFoundError):
        transfer.read_segment(f"/pl{os.getpid():x}test_missing", [3])


def test_sizeof_estimates():
    assert transfer.sizeof(np.zeros(10)) == 80
    assert transfer.sizeof(b"abcd") == 4
    assert transfer.sizeof([b"x" * 100] * 50) >= 5000
    assert transfer.sizeof({i: "y" * 10 for i in range(100)}) >= 1000
    assert transfer.sizeof(None) > 0


# -- placement ----------------------------------------------------------------

def test_placement_spreads_tasks_without_inputs_over_idle_workers():
    queued = [0, 0, 0]
    chosen = []
    for _ in range(3):
        s = choose_worker(None, 0, queued, 1e-3, [True] * 3, [True] * 3)
        queued[s] += 1
        chosen.append(s)
    assert sorted(chosen) == [0, 1, 2]


def test_placement_follows_the_bytes_unless_the_holder_is_swamped():
    free, ready = [True, True], [True, True]
    assert choose_worker([0, 50 * MB], 50 * MB, [1, 1], 1e-3, free, ready) == 1
    assert choose_worker([0, 50 * MB], 50 * MB, [0, 500], 1.0, free, ready) == 0
    assert choose_worker([0, 50 * MB], 50 * MB, [0, 1], 1e-3, [True, False], ready) == 0


def test_placement_avoids_a_starting_worker():
    assert choose_worker(None, 0, [3, 0], 1e-3, [True, True], [True, False]) == 0


# -- memory stays bounded in the workers -----------------------------------------

LIVE = {"now": 0, "peak": 0}


class Block:
    """5 MB that counts how many of its kind are alive in this process."""

    def __init__(self, n):
        self.n = n
        self.buf = bytearray(5 * MB)
        LIVE["now"] += 1
        LIVE["peak"] = max(LIVE["peak"], LIVE["now"])

    def __del__(self):
        LIVE["now"] -= 1


def start_block(_):
    LIVE.update(now=0, peak=0)
    return Block(0)


def step_block(b):
    return Block(b.n + 1)


def block_peak(b):
    return b.n, LIVE["peak"]


def test_long_chain_holds_few_blocks_in_its_worker():
    dsk = {("b", 0): (start_block, 0)}
    dsk.update({("b", i): (step_block, ("b", i - 1)) for i in range(1, 60)})
    dsk["n"] = (block_peak, ("b", 59))
    n, peak = pm.get(dsk, "n", num_workers=2)
    assert n == 59
    assert peak <= 3


def test_chain_split_by_callbacks_still_releases():
    from plait.callbacks import Callback

    dsk = {("b", 0): (start_block, 0)}
    dsk.update({("b", i): (step_block, ("b", i - 1)) for i in range(1, 60)})
    dsk["n"] = (block_peak, ("b", 59))
    seen = []
    n, peak = pm.get(dsk, "n", num_workers=2,
                     callbacks=[Callback(posttask=lambda k, r, g, s, w: seen.append(k))])
    assert n == 59 and len(seen) == 61
    assert peak <= 3


class OddSize:
    """A value whose size cannot be told."""

    @property
    def nbytes(self):
        raise RuntimeError("no size for you")


def make_odd(_):
    return OddSize()


def is_odd(x):
    return isinstance(x, OddSize)


def test_value_whose_size_cannot_be_told_still_flows():
    assert transfer.sizeof(OddSize()) == 0
    dsk = {("o", i): (make_odd, i) for i in range(4)}
    dsk["all"] = (all, [(is_odd, ("o", i)) for i in range(4)])
    assert pm.get(dsk, "all", num_workers=2) is True
