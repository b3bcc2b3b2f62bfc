"""The same results on sync, threads and processes; memory stays bounded."""
from __future__ import annotations

import threading
import weakref

import numpy as np
import pytest

import plait
import plait.array as pa
from plait.array.testing import assert_eq

SCHEDULERS = ["sync", "threads", "processes"]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_seed_example_on_every_scheduler(scheduler):
    x = pa.arange(100, chunks=10)
    assert x.sum().compute(scheduler=scheduler) == 4950
    y, z = (x + 1).sum(), (x + 1).mean()
    assert pa.compute(y, z, scheduler=scheduler) == (5050, 50.5)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_representative_pipeline_on_every_scheduler(scheduler):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((30, 20))
    x = pa.from_array(a, chunks=(7, 6))
    centred = x - x.mean(axis=0)
    got = pa.compute(
        centred.std(axis=1),
        (x @ x.T)[::3, [1, 0, 5]],
        x.reshape(20, 30).rechunk((10, 15)).T.max(axis=0),
        x.map_overlap(lambda b: b + np.roll(b, 1, axis=0), depth={0: 1}, boundary="periodic"),
        pa.random.default_rng(5).random((10, 10), chunks=5),
        x.argmax(axis=1),
        scheduler=scheduler)
    expected = (
        (a - a.mean(axis=0)).std(axis=1),
        (a @ a.T)[::3, [1, 0, 5]],
        a.reshape(20, 30).T.max(axis=0),
        a + np.roll(a, 1, axis=0),
        pa.random.default_rng(5).random((10, 10), chunks=5).compute(scheduler="sync"),
        a.argmax(axis=1),
    )
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10)


def test_default_scheduler_is_threads():
    assert pa.Array.__plait_scheduler__ == "threads"
    seen = set()

    def note(b):
        seen.add(threading.current_thread().name)
        return b

    x = pa.ones(40, chunks=10).map_blocks(note, dtype=float)
    x.sum().compute()
    assert seen and threading.main_thread().name not in seen


def test_config_scheduler_is_honoured():
    seen = set()

    def note(b):
        seen.add(threading.current_thread().name)
        return b

    with plait.config.set(scheduler="sync"):
        pa.ones(40, chunks=10).map_blocks(note, dtype=float).sum().compute()
    assert seen == {threading.main_thread().name}


def test_errors_in_blocks_keep_their_type_and_name_the_key():
    def fail(b):
        raise ZeroDivisionError("bad block")

    x = pa.ones(10, chunks=5).map_blocks(fail, dtype=float)
    for scheduler in ("sync", "threads"):
        with pytest.raises(ZeroDivisionError, match="bad block") as info:
            x.sum().compute(scheduler=scheduler)
        assert "fail" in "".join(info.value.__notes__)


# ---------------------------------------------------------------- memory

LIVE = {"now": 0, "peak": 0}
LOCK = threading.Lock()


def _dead():
    with LOCK:
        LIVE["now"] -= 1


def tracked_block(b):
    """A real 1 MB block that counts how many blocks are alive."""
    out = np.ones(b.shape)
    with LOCK:
        LIVE["now"] += 1
        LIVE["peak"] = max(LIVE["peak"], LIVE["now"])
    weakref.finalize(out, _dead)
    return out


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_plus_one_sum_streams_blocks(scheduler):
    LIVE.update(now=0, peak=0)
    n_blocks, block = 200, 125_000  # 200 blocks of 1 MB
    x = pa.ones(n_blocks * block, chunks=block).map_blocks(tracked_block, dtype=float)
    total = (x + 1).sum().compute(scheduler=scheduler, num_workers=2)
    assert total == 2 * n_blocks * block
    assert LIVE["peak"] <= 4  # at most a couple per worker, never the whole array
    assert LIVE["now"] == 0


def test_centring_holds_bounded_memory():
    LIVE.update(now=0, peak=0)
    x = pa.ones((400, 4000), chunks=(10, 4000)).map_blocks(tracked_block, dtype=float)
    y = (x - x.mean(axis=0)).sum()
    assert y.compute(scheduler="sync") == 0
    # the mean needs a pass over x first; blocks are recomputed or held, never more than x
    assert LIVE["peak"] <= x.npartitions
