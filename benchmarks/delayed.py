"""Delayed benchmark: build and compute 100k delayed calls, plait vs Dask.

Three graphs of N calls each (``--calls``, default 100,000; ``--quick``: 10,000):

* map + sum:  N ``inc(i)`` calls, summed in groups of 1,000, then in total;
* chains:     N / 100 chains of 100 ``inc`` calls each, then one sum;
* operators:  the chains written ``x = x + 1`` (operators are pure: keys by token).

For each library: microseconds per call to BUILD the graph and to COMPUTE it
(graph optimization included) on the sync and the threads scheduler, and the
ratio Dask / plait (higher is better for plait). plait's chains are also
computed without fusion, to show what fusing saves.

    python -m benchmarks delayed [--quick] [--calls N] [--repeat N]
"""
from __future__ import annotations

import argparse

from benchmarks.common import table, timed

GROUP = 1_000
CHAIN = 100


def inc(x):
    return x + 1


def map_sum(delayed, n):
    dinc, dsum = delayed(inc), delayed(sum)
    parts = [dsum([dinc(i) for i in range(start, min(start + GROUP, n))])
             for start in range(0, n, GROUP)]
    return dsum(parts)


def chains(delayed, n):
    dinc = delayed(inc)
    ends = []
    for c in range(n // CHAIN):
        x = c
        for _ in range(CHAIN):
            x = dinc(x)
        ends.append(x)
    return delayed(sum)(ends)


def operators(delayed, n):
    ends = []
    for c in range(n // CHAIN):
        x = delayed(c)
        for _ in range(CHAIN):
            x = x + 1
        ends.append(x)
    return delayed(sum)(ends)


def expected(case, n):
    if case is map_sum:
        return sum(range(1, n + 1))
    return sum(c + CHAIN for c in range(n // CHAIN))


def measure(build, delayed, n, repeat, schedulers=("sync", "threads"), context=None):
    """Seconds to build, and to compute on each scheduler (best of ``repeat``)."""
    build_s, graph = timed(build, delayed, n, repeat=repeat)
    out = [build_s]
    for scheduler in schedulers:
        if context is not None:
            with context():
                seconds, result = timed(graph.compute, scheduler=scheduler, repeat=repeat)
        else:
            seconds, result = timed(graph.compute, scheduler=scheduler, repeat=repeat)
        if result != expected(build, n):
            raise AssertionError(f"{build.__name__} on {scheduler} gave {result}, "
                                 f"expected {expected(build, n)}")
        out.append(seconds)
    return out


def no_fuse():
    import plait
    return plait.config.set({"optimization.fuse.active": False})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks delayed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 calls instead of 100,000")
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    n = args.calls or (10_000 if args.quick else 100_000)
    n -= n % GROUP
    import dask

    import plait

    rows = []
    for case in (map_sum, chains, operators):
        ours = measure(case, plait.delayed, n, args.repeat)
        theirs = measure(case, dask.delayed, n, args.repeat)
        us = [1e6 * s / n for s in ours]
        them = [1e6 * s / n for s in theirs]
        ratios = [t / o for t, o in zip(them, us)]
        rows.append([case.__name__, "plait", *us])
        rows.append(["", "dask", *them])
        rows.append(["", "dask / plait", *ratios])
        if case is chains:
            unfused = measure(case, plait.delayed, n, args.repeat, context=no_fuse)
            rows.append(["", "plait, no fuse", *[1e6 * s / n for s in unfused]])
    print(f"delayed: {n:,} calls per graph; microseconds per call (best of {args.repeat})")
    print(table(rows, ["graph", "library", "build", "compute sync", "compute threads"]))
    return rows


if __name__ == "__main__":
    main()
