"""plait.array against dask.array, threads and processes, with peak memory.

``python -m benchmarks array [--quick] [--repeat N] [--cases a,b,c]
[--schedulers threads,processes]``

(a) ``(x + 1).sum()`` on 1e9 float64 (uniform random) in 100 MB chunks: the
    blocks must stream; peak memory is the point.
(b) blocked matmul of two 4000x4000 random arrays in 1000x1000 chunks.
(c) ``(x - x.mean(axis=0)).sum()`` on a 20000x20000 random array in
    4000x4000 chunks (x is needed twice, so it is held: 3.2 GB).

"peak RSS MB" is the peak of this process and its children (worker processes)
during the computation; "added MB" is that peak minus the RSS just before it
(plait keeps its worker pool alive between runs, dask starts one per run, so
idle plait workers are counted in both libraries' peak but in neither's
"added").

Both libraries build the same graph shapes from seeded random generators in
the graph, so no input is made up front. ``--quick`` shrinks every case ~10x.
"""
from __future__ import annotations

import argparse
import gc
import time

from benchmarks.common import PeakRSS, table

MB = 2**20


def _sizes(quick):
    if quick:
        return {"a": (100_000_000, 12_500_000), "b": (2000, 500), "c": (6000, 2000)}
    return {"a": (1_000_000_000, 12_500_000), "b": (4000, 1000), "c": (20000, 4000)}


def case_a(lib, n, chunk):
    x = lib.random.default_rng(0).random(n, chunks=chunk)
    return (x + 1).sum()


def case_b(lib, n, chunk):
    rng = lib.random.default_rng(1)
    x = rng.random((n, n), chunks=chunk)
    y = rng.random((n, n), chunks=chunk)
    return x @ y


def case_c(lib, n, chunk):
    x = lib.random.default_rng(2).random((n, n), chunks=chunk)
    return (x - x.mean(axis=0)).sum()


CASES = {"a": case_a, "b": case_b, "c": case_c}
HEADERS = ["case", "scheduler", "library", "seconds", "peak RSS MB", "added MB", "check",
           "plait/dask"]
LABELS = {"a": "(x + 1).sum()", "b": "x @ y", "c": "(x - x.mean(0)).sum()"}


def _check(key, result, n):
    if key == "a":
        return abs(float(result) / n - 1.5) < 1e-3
    if key == "b":
        return result.shape == (n, n) and abs(result.mean() / n - 0.25) < 0.02
    return abs(float(result)) < 1e-3 * n * n


def run_once(lib, key, scheduler, sizes):
    """Seconds for one computation, the peak RSS (this process + children) and
    whether the result is right."""
    n, chunk = sizes[key]
    gc.collect()
    expr = CASES[key](lib, n, chunk)
    with PeakRSS(dt=0.01) as before:
        time.sleep(0.05)
    with PeakRSS(dt=0.01) as mem:
        t0 = time.perf_counter()
        result = expr.compute(scheduler=scheduler)
        elapsed = time.perf_counter() - t0
    return elapsed, mem.peak, mem.peak - before.peak, _check(key, result, n)


def _warm(lib, scheduler):
    """Start worker pools before timing (both libraries reuse or restart them
    as they do in normal use)."""
    lib.ones(10, chunks=5).sum().compute(scheduler=scheduler)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks array")
    parser.add_argument("--quick", action="store_true", help="~10x smaller sizes")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--cases", default="a,b,c")
    parser.add_argument("--schedulers", default="threads,processes")
    args = parser.parse_args(argv)
    import dask.array as da

    import plait.array as pa

    sizes = _sizes(args.quick)
    repeat = args.repeat or (1 if args.quick else 2)
    rows = []
    for key in args.cases.split(","):
        for scheduler in args.schedulers.split(","):
            libs = (("plait", pa), ("dask", da))
            best = {name: [float("inf"), 0, 0, True] for name, _ in libs}
            for name, lib in libs:
                _warm(lib, scheduler)
            for _ in range(repeat):  # interleaved, so both see the same machine load
                for name, lib in libs:
                    t, peak, added, ok = run_once(lib, key, scheduler, sizes)
                    b = best[name]
                    b[:] = min(b[0], t), max(b[1], peak), max(b[2], added), b[3] and ok
            for name, _ in libs:
                t, peak, added, ok = best[name]
                rows.append([f"({key}) {LABELS[key]}", scheduler, name, t, peak / MB,
                             added / MB, "ok" if ok else "WRONG"])
            timings = {name: best[name][0] for name, _ in libs}
            rows[-2].append(f"{timings['plait'] / timings['dask']:.2f}")
            rows[-1].append("")
            print(table(rows[-2:], HEADERS), flush=True)
    print()
    print(table(rows, HEADERS))
    return 0


if __name__ == "__main__":
    main()
