"""Per-task scheduling overhead: plait vs Dask, same graphs, same run.

``python -m benchmarks overhead [--n N] [--quick] [--schedulers sync,threads,processes]``

Graphs of no-op tasks (the task itself costs ~0.1 µs, so the time is the
scheduler's): N independent tasks, an N-long chain, a binary tree reduction
of N leaves, and a fan-in of N/100 groups of 100. Pools are warmed first and
reused, as both libraries do. Prints µs per task for each and plait/Dask.
"""
from __future__ import annotations

import argparse
import sys

from benchmarks.common import table, timed


def noop(*args):
    return 1


def independent(n):
    dsk = {("x", i): (noop, i) for i in range(n)}
    return dsk, list(dsk)


def chain(n):
    dsk = {("c", 0): (noop, 0)}
    dsk.update({("c", i): (noop, ("c", i - 1)) for i in range(1, n)})
    return dsk, [("c", n - 1)]


def tree(n):
    dsk = {("t", 0, i): (noop, i) for i in range(n)}
    level, width = 0, n
    while width > 1:
        nxt = (width + 1) // 2
        for j in range(nxt):
            args = [("t", level, 2 * j)] + ([("t", level, 2 * j + 1)] if 2 * j + 1 < width else [])
            dsk[("t", level + 1, j)] = (noop, *args)
        level, width = level + 1, nxt
    return dsk, [("t", level, 0)]


def fan_in(n):
    groups = max(1, n // 100)
    dsk = {("x", g, i): (noop, i) for g in range(groups) for i in range(100)}
    dsk.update({("s", g): (noop, [("x", g, i) for i in range(100)]) for g in range(groups)})
    return dsk, [("s", g) for g in range(groups)]


GRAPHS = {"independent": independent, "chain": chain, "tree": tree, "fan-in": fan_in}


def schedulers(names):
    import dask
    import dask.local
    import dask.multiprocessing
    import dask.threaded

    import plait
    import plait.multiprocessing
    import plait.threaded

    table_ = {
        "sync": (plait.get, dask.local.get_sync),
        "threads": (plait.threaded.get, dask.threaded.get),
        "processes": (plait.multiprocessing.get, dask.multiprocessing.get),
    }
    dask.config.set({"multiprocessing.context": "spawn"})
    return {k: table_[k] for k in names}


def measure(get, dsk, keys, repeat):
    try:
        seconds, _ = timed(get, dsk, keys, repeat=repeat)
    except RecursionError:
        return None
    return seconds / len(dsk) * 1e6


def main(argv=()):
    p = argparse.ArgumentParser(prog="python -m benchmarks overhead")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--quick", action="store_true", help="n = 10,000")
    p.add_argument("--schedulers", default="sync,threads,processes")
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args(list(argv))
    n = 10_000 if args.quick else args.n
    chosen = schedulers(args.schedulers.split(","))
    rows = []
    for sname, (plait_get, dask_get) in chosen.items():
        warm = {"a": (noop, 1)}
        plait_get(warm, "a")
        dask_get(warm, "a")
        for gname, build in GRAPHS.items():
            dsk, keys = build(n)
            mine = measure(plait_get, dsk, keys, args.repeat)
            theirs = measure(dask_get, dsk, keys, args.repeat)
            ratio = "" if theirs is None else f"{mine / theirs:.3f}"
            rows.append([sname, gname, len(dsk), mine,
                         "RecursionError" if theirs is None else theirs, ratio])
            print(f"  {sname:9} {gname:11} plait {mine:8.2f} µs/task   dask "
                  f"{'failed' if theirs is None else f'{theirs:8.2f}'}", file=sys.stderr)
    print(f"\nPer-task overhead (µs/task, best of {args.repeat} runs each)")
    print(table(rows, ["scheduler", "graph", "tasks", "plait µs", "dask µs", "plait/dask"]))


if __name__ == "__main__":
    main(sys.argv[1:])
