"""How per-task cost and memory grow with graph size.

``python -m benchmarks scaling [--max N] [--scheduler sync|threads|processes]``

Runs a tree reduction of no-op tasks at 1k, 10k, 100k and 1M tasks with
plait (and Dask up to 100k, where its run stays short), reporting µs per task,
its ratio to the 1k figure, and the peak RSS of the whole run (this process
and its workers).
"""
from __future__ import annotations

import argparse
import gc
import sys

from benchmarks.common import PeakRSS, table, timed
from benchmarks.overhead import schedulers, tree


def main(argv=()):
    p = argparse.ArgumentParser(prog="python -m benchmarks scaling")
    p.add_argument("--max", type=int, default=1_000_000)
    p.add_argument("--scheduler", default="threads")
    p.add_argument("--dask-max", type=int, default=100_000)
    args = p.parse_args(list(argv))
    plait_get, dask_get = schedulers([args.scheduler])[args.scheduler]
    plait_get({"a": 1}, "a")
    sizes = [n for n in (1_000, 10_000, 100_000, 1_000_000) if n <= args.max]
    rows = []
    base = None
    for n in sizes:
        dsk, keys = tree(n // 2)  # a tree of n/2 leaves has about n tasks
        gc.collect()
        with PeakRSS() as mem:
            seconds, _ = timed(plait_get, dsk, keys, repeat=1 if n >= 1_000_000 else 3)
        per = seconds / len(dsk) * 1e6
        base = base or per
        theirs = ""
        if n <= args.dask_max:
            dseconds, _ = timed(dask_get, dsk, keys, repeat=1)
            theirs = dseconds / len(dsk) * 1e6
        rows.append([len(dsk), per, f"{per / base:.2f}", mem.peak / 2**20, theirs])
        print(f"  {len(dsk):>9,} tasks: {per:.2f} µs/task, peak {mem.peak / 2**20:.0f} MiB",
              file=sys.stderr)
        del dsk, keys
    print(f"\nScaling on {args.scheduler} (tree reduction of no-op tasks; peak RSS "
          f"includes building the graph dict)")
    print(table(rows, ["tasks", "plait µs/task", "vs 1k", "peak MiB", "dask µs/task"]))


if __name__ == "__main__":
    main(sys.argv[1:])
