"""What a progress bar costs per task: plait vs Dask, same graph, same run.

``python -m benchmarks callbacks [--n N] [--quick] [--repeat R] [--schedulers sync,threads]``

The graph has N no-op tasks in groups of 100, each group summed by one more
task (so N + N/100 tasks, one small output): the time is the scheduler's.
Each library runs it without a bar and inside its own ``ProgressBar``
(writing to ``os.devnull``); the table gives µs per task for both, what the
bar adds per task, and that as a share of the library's own per-task
overhead. Target: plait's bar adds less than 10 %. The last column runs
plait with a callback that does nothing, to show what any active callback
costs the engine (timing every task for ``state.times``). Runs of the
variants are interleaved, so a noisy machine slows all of them alike; the
second table counts the CPU time of this process, steadier on a busy machine.
"""
from __future__ import annotations

import argparse
import gc
import os
import time

from benchmarks.common import table


def noop(*args):
    return None


def graph(n):
    """``n`` no-op tasks, in groups of 100 each read by one gathering task."""
    groups = max(1, n // 100)
    dsk = {("x", g, i): (noop, i) for g in range(groups) for i in range(100)}
    dsk.update({("s", g): (noop, [("x", g, i) for i in range(100)]) for g in range(groups)})
    dsk["total"] = (noop, [("s", g) for g in range(groups)])
    return dsk


def libraries(names):
    """(name, get, bar factory, empty-callback factory or None) per library and scheduler."""
    import dask.diagnostics
    import dask.local
    import dask.threaded

    import plait
    import plait.threaded
    from plait.callbacks import Callback
    from plait.diagnostics import ProgressBar

    gets = {"sync": (plait.get, dask.local.get_sync),
            "threads": (plait.threaded.get, dask.threaded.get)}
    rows = []
    for name in names:
        if name not in gets:
            raise SystemExit(f"unknown scheduler {name!r}; choose from sync, threads")
        ours, theirs = gets[name]
        rows.append((f"plait {name}", ours, lambda out: ProgressBar(out=out),
                     lambda out: Callback(finish=lambda graph, state, errored: None)))
        rows.append((f"dask {name}", theirs,
                     lambda out: dask.diagnostics.ProgressBar(out=out), None))
    return rows


def run_once(get, dsk, make=None, out=None):
    """(wall seconds, CPU seconds of this process) for one computation."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    if make is None:
        get(dsk, "total")
    else:
        with make(out):
            get(dsk, "total")
    return time.perf_counter() - t0, time.process_time() - c0


def measure(get, makers, dsk, repeat):
    """Best (wall, CPU) µs per task for each of ``makers`` (None: no callback).

    The variants' runs are interleaved, so a busy machine slows them alike.
    """
    best = [(float("inf"), float("inf"))] * len(makers)
    with open(os.devnull, "w") as out:
        get(dsk, "total")  # warm the pools
        for _ in range(repeat):
            for k, make in enumerate(makers):
                wall, cpu = run_once(get, dsk, make, out)
                best[k] = (min(best[k][0], wall), min(best[k][1], cpu))
    n = len(dsk)
    return [(wall / n * 1e6, cpu / n * 1e6) for wall, cpu in best]


def rows_for(name, results, clock):
    """One table row from ``measure``'s results, for clock 0 (wall) or 1 (CPU)."""
    plain, barred, *empty = [r[clock] for r in results]
    return [name, plain, barred, barred - plain, f"{barred / plain - 1:+.1%}",
            f"{empty[0] / plain - 1:+.1%}" if empty else "-"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks callbacks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="no-op tasks (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs (default 3)")
    parser.add_argument("--quick", action="store_true", help="n=20000, best of 1")
    parser.add_argument("--schedulers", default="sync,threads")
    args = parser.parse_args(argv)
    n, repeat = (20_000, 1) if args.quick else (args.n, args.repeat)
    dsk = graph(n)
    results = []
    for name, get, make_bar, make_empty in libraries(args.schedulers.split(",")):
        makers = [None, make_bar] + ([make_empty] if make_empty else [])
        results.append((name, measure(get, makers, dsk, repeat)))
    headers = ["scheduler", "µs/task", "with bar", "bar adds µs/task", "bar adds",
               "empty callback adds"]
    tables = {}
    for clock, title in enumerate(["wall clock", "CPU time of this process"]):
        tables[title] = [rows_for(name, r, clock) for name, r in results]
        print(f"ProgressBar overhead, {title}: {len(dsk):,} no-op tasks, best of "
              f"{repeat}, runs interleaved")
        print(table(tables[title], headers))
        print()
    return tables

if __name__ == "__main__":
    main()
