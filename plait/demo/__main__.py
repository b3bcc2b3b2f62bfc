"""The main demo: the seeds' examples on every scheduler, with timings.

Run it with ``python -m plait.demo`` (``make demo`` does). Options:
``--sleep S`` sets the seconds each slow-arithmetic task sleeps (default 1,
as in the seed), ``--data DIR`` where example data is written (default
``data``), ``--quick`` for shorter sleeps and smaller data.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from operator import add

import plait
import plait.multiprocessing
import plait.threaded
from plait.demo.arithmetic import slow_add, slow_div, slow_mul, slow_sub

SCHEDULERS = ["single-threaded", "threads", "processes"]

class Table:
    """Rows printed as an aligned table at the end of each section."""

    def __init__(self, title, headers):
        self.title, self.headers, self.rows = title, headers, []

    def add(self, *row):
        self.rows.append([str(c) for c in row])

    def print(self):
        cells = [self.headers] + self.rows
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.headers))]
        print(f"\n== {self.title}")
        for n, r in enumerate(cells):
            print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)))
            if n == 0:
                print("  " + "  ".join("-" * w for w in widths))


def timed(func, *args, **kwargs):
    t0 = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - t0


def seed_graphs():
    """Seed 000: the raw graph and its get functions."""
    dsk = {"a": 1, "b": 2, "c": (add, "a", "b"), "d": (sum, ["a", "b", "c"])}
    table = Table("seed 000: get on a raw graph", ["scheduler", "get(dsk, 'c')",
                                                   "get(dsk, 'd')", "get(dsk, ['a','b','c'])",
                                                   "seconds"])
    for name, get in [("plait.get", plait.get), ("plait.threaded.get", plait.threaded.get),
                      ("plait.multiprocessing.get", plait.multiprocessing.get)]:
        t0 = time.perf_counter()
        c, d, abc = get(dsk, "c"), get(dsk, "d"), get(dsk, ["a", "b", "c"])
        table.add(name, c, d, abc, f"{time.perf_counter() - t0:.3f}")
        assert (c, d, abc) == (3, 6, [1, 2, 3])
    table.print()


def seed_slow_arithmetic(seconds):
    """Seed 004: (1 + 3) * (2 - 4) / 5.0 with slow delayed functions."""
    delayed = plait.delayed
    x = delayed(slow_add)(1, 3, seconds)
    y = delayed(slow_sub)(2, 4, seconds)
    z = delayed(slow_mul)(x, y, seconds)
    result = delayed(slow_div)(z, 5.0, seconds)
    table = Table(f"seed 004: slow arithmetic, each task sleeps {seconds:g} s holding a lock",
                  ["scheduler", "result", "seconds", "expected"])
    expect = {"single-threaded": "4 x sleep (serial)",
              "threads": "4 x sleep (the lock serialises threads)",
              "processes": "3 x sleep (add and sub side by side) + start-up"}
    for name in SCHEDULERS:
        value, dt = timed(result.compute, scheduler=name)
        table.add(name, value, f"{dt:.2f}", expect[name])
        assert value == -1.6
    (xs, ys, zs), dt = timed(plait.compute, x, y, z, scheduler="threads")
    table.add("plait.compute(x, y, z)", (xs, ys, zs), f"{dt:.2f}", "shared tasks run once")
    table.print()


def write_json_lines(directory, files=4, lines=20_000):
    """JSON records with a 'name' field, as seed 001's bag example reads."""
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(0)
    names = ["alice"] * 1 + ["bob"] * 2 + ["charlie"] * 3
    for f in range(files):
        with open(os.path.join(directory, f"{f}.json"), "w") as out:
            for i in range(lines):
                out.write(json.dumps({"id": i, "name": rng.choice(names),
                                      "amount": rng.random()}) + "\n")
    return os.path.join(directory, "*.json")


def seed_bag(data, quick):
    """Seed 001: read_text('*.json').map(json.loads).pluck('name').frequencies()."""
    import plait.bag as pb

    pattern = write_json_lines(os.path.join(data, "json"), lines=5_000 if quick else 50_000)
    table = Table("seed 001: bag of JSON records, name frequencies",
                  ["scheduler", "result", "seconds"])
    for name in SCHEDULERS:
        bag = pb.read_text(pattern).map(json.loads).pluck("name").frequencies()
        value, dt = timed(bag.compute, scheduler=name)
        table.add(name, dict(sorted(value)), f"{dt:.2f}")
    table.print()


def seed_array():
    """Seed 000: x = arange(100, chunks=10); x.sum(); compute(y, z) sharing x + 1."""
    import plait.array as pa

    x = pa.arange(100, chunks=10)
    y, z = (x + 1).sum(), (x + 1).mean()
    table = Table("seed 000: plait.array", ["scheduler", "x.sum()", "compute(y, z)", "seconds"])
    for name in SCHEDULERS:
        t0 = time.perf_counter()
        s = x.sum().compute(scheduler=name)
        yz = pa.compute(y, z, scheduler=name)
        table.add(name, s, tuple(v.item() for v in yz), f"{time.perf_counter() - t0:.3f}")
        assert s == 4950 and yz == (5050, 50.5)
    table.print()


def seed_dataframe(data):
    """Seed 003: the flights analysis on nycflights13, on every scheduler."""
    import plait.dataframe as pdd
    from plait.dataframe.flights import write_flights

    path = os.path.join(data, "nycflights")
    if not os.path.isdir(path) or not os.listdir(path):
        write_flights(path)
    df = pdd.read_csv(os.path.join(path, "*.csv"), parse_dates={"Date": [0, 1, 2]},
                      dtype={"TailNum": object, "CRSElapsedTime": float, "Cancelled": bool})
    queries = {
        "max delay": lambda: df[~df.Cancelled].DepDelay.max(),
        "count/airport": lambda: df[~df.Cancelled].groupby("Origin").Origin.count(),
        "mean delay/airport": lambda: df[~df.Cancelled].groupby("Origin").DepDelay.mean(),
        "mean delay/weekday": lambda: df.groupby(df.Date.dt.dayofweek).DepDelay.mean(),
    }
    table = Table(f"seed 003: nycflights13 ({len(df):,} flights)",
                  ["query"] + [f"{s} (s)" for s in SCHEDULERS] + ["result"])
    for qname, build in queries.items():
        times = []
        value = None
        for name in SCHEDULERS:
            value, dt = timed(build().compute, scheduler=name)
            times.append(f"{dt:.2f}")
        shown = value if qname == "max delay" else f"{len(value)} rows"
        table.add(qname, *times, shown)
    table.print()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m plait.demo", description=__doc__.split("\n")[0])
    p.add_argument("--sleep", type=float, default=1.0)
    p.add_argument("--data", default="data")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    seconds = 0.2 if args.quick and args.sleep == 1.0 else args.sleep
    print(f"plait {plait.__version__} demo: Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    t0 = time.perf_counter()
    seed_graphs()
    seed_slow_arithmetic(seconds)
    seed_array()
    seed_bag(args.data, args.quick)
    seed_dataframe(args.data)
    print(f"\ndemo finished in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
