"""Memory stays bounded: intermediates are released as soon as nobody needs them."""
from __future__ import annotations

import threading

import pytest

import plait
import plait.threaded

LIVE = {"now": 0, "peak": 0}
LOCK = threading.Lock()


class Block:
    """25 MB that counts how many of its kind are alive."""

    def __init__(self, n):
        self.n = n
        self.buf = bytearray(25 * 2**20)
        with LOCK:
            LIVE["now"] += 1
            LIVE["peak"] = max(LIVE["peak"], LIVE["now"])

    def __del__(self):
        with LOCK:
            LIVE["now"] -= 1


def start(_):
    return Block(0)


def step(b):
    return Block(b.n + 1)


def size(b):
    return b.n


@pytest.mark.parametrize("get", [plait.get, plait.threaded.get], ids=["sync", "threads"])
def test_200_step_chain_holds_few_blocks(get):
    LIVE.update(now=0, peak=0)
    dsk = {("b", 0): (start, 0)}
    dsk.update({("b", i): (step, ("b", i - 1)) for i in range(1, 200)})
    dsk["n"] = (size, ("b", 199))
    assert get(dsk, "n") == 199
    assert LIVE["peak"] <= 3
    assert LIVE["now"] == 0


@pytest.mark.parametrize("get", [plait.get, plait.threaded.get], ids=["sync", "threads"])
def test_many_chains_released_branch_by_branch(get):
    LIVE.update(now=0, peak=0)
    dsk = {}
    for c in range(4):
        dsk[(c, 0)] = (start, c)
        dsk.update({(c, i): (step, (c, i - 1)) for i in range(1, 10)})
        dsk[("n", c)] = (size, (c, 9))
    dsk["sum"] = (sum, [("n", c) for c in range(4)])
    assert get(dsk, "sum", num_workers=2) == 36
    assert LIVE["peak"] <= 6
