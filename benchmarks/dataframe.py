"""DataFrame benchmark: seed 003's flights queries on nycflights13, replicated.

    df = read_csv('nycflights/*.csv', parse_dates={'Date': [0, 1, 2]}, dtype=...)
    df[~df.Cancelled].DepDelay.max()                 len(df)
    len(df[~df.Cancelled])                           ...groupby('Origin').Origin.count()
    ...groupby('Origin').DepDelay.mean()             df.groupby(df.Date.dt.dayofweek).DepDelay.mean()

on the 2013 flights written 10 times over (3.4M rows, 12 files, 270 MB;
``--quick``: 2 times), each query from the CSV files as the seed runs them,
by plait.dataframe and Dask DataFrame (threads and processes) and by pandas
in one thread, in one run, repeats interleaved. pandas reads the files with
the seed's arguments (every column, as the seed's reader would) and, in a
second column, with ``usecols`` (only the needed columns, as a careful
pandas user would).

Dask needs three changes to run the seed here: pandas 3 dropped the
``parse_dates`` dict form (the Date column is made with ``dd.to_datetime``
from the three columns); Dask infers dtypes from 10 rows, so the columns
with missing values later on get ``float`` in ``dtype=``; and Dask 2026.8
loses every column of ``df[~df.Cancelled]`` once Date is assigned (its
meta comes out empty), so the queries without Date run on the frame
without it.

    python -m benchmarks dataframe [--quick] [--replicate N] [--repeat N] [--workers N]
"""
from __future__ import annotations

import argparse
import glob
import os
import tempfile
import time

from benchmarks.common import table

DTYPE = {"TailNum": object, "CRSElapsedTime": float, "Cancelled": bool}
DASK_FLOATS = ["DepTime", "ArrTime", "ActualElapsedTime", "AirTime", "ArrDelay", "DepDelay",
               "TaxiIn", "TaxiOut"]
QUERIES = ["max delay", "len(df)", "len(not cancelled)", "count per airport",
           "mean delay per airport", "mean delay per weekday"]
GROUPBY = QUERIES[3:]
# the columns each query needs, for pandas with usecols
NEEDS = {"max delay": ["Cancelled", "DepDelay"], "len(df)": ["Year"],
         "len(not cancelled)": ["Cancelled"], "count per airport": ["Cancelled", "Origin"],
         "mean delay per airport": ["Cancelled", "Origin", "DepDelay"],
         "mean delay per weekday": ["Year", "Month", "DayofMonth", "DepDelay"]}


def run_query(df, name, compute):
    """Query ``name`` on a plait or Dask frame; ``compute`` finishes a lazy value."""
    if name == "max delay":
        return float(compute(df[~df.Cancelled].DepDelay.max()))
    if name == "len(df)":
        return len(df)
    if name == "len(not cancelled)":
        return len(df[~df.Cancelled])
    if name == "count per airport":
        return compute(df[~df.Cancelled].groupby("Origin").Origin.count())
    if name == "mean delay per airport":
        return compute(df[~df.Cancelled].groupby("Origin").DepDelay.mean())
    return compute(df.groupby(df.Date.dt.dayofweek).DepDelay.mean())


def plait_frame(pattern):
    import plait.dataframe as pdd

    return pdd.read_csv(pattern, parse_dates={"Date": [0, 1, 2]}, dtype=DTYPE)


def dask_frames(pattern):
    """The Dask frame, and the same with the Date column."""
    import dask.dataframe as dd

    df = dd.read_csv(pattern, dtype={**DTYPE, **{c: float for c in DASK_FLOATS}})
    parts = df[["Year", "Month", "DayofMonth"]].rename(
        columns={"Year": "year", "Month": "month", "DayofMonth": "day"})
    return df, df.assign(Date=dd.to_datetime(parts))


def pandas_query(files, name, usecols):
    import pandas as pd

    cols = NEEDS[name] if usecols else None
    dtype = {k: v for k, v in DTYPE.items() if cols is None or k in cols}
    df = pd.concat([pd.read_csv(f, dtype=dtype, usecols=cols) for f in files],
                   ignore_index=True)
    if "Year" in df.columns and "Month" in df.columns:
        date = pd.to_datetime(df[["Year", "Month", "DayofMonth"]].rename(
            columns={"Year": "year", "Month": "month", "DayofMonth": "day"}))
        df = df.drop(columns=["Year", "Month", "DayofMonth"])
        df.insert(0, "Date", date)
    return run_query(df, name, lambda x: x)


def engines(pattern, files, workers):
    """(label, function of a query name) for every engine."""
    import dask

    pl = plait_frame(pattern)
    dk, dk_dated = dask_frames(pattern)

    def on_plait(scheduler):
        def run(name):
            from plait import config

            with config.set(scheduler=scheduler, num_workers=workers):
                return run_query(pl, name, lambda x: x.compute())
        return run

    def on_dask(scheduler):
        def run(name):
            frame = dk_dated if name == "mean delay per weekday" else dk
            with dask.config.set(scheduler=scheduler, num_workers=workers):
                return run_query(frame, name, lambda x: x.compute())
        return run

    return [("pandas (1 thread)", lambda n: pandas_query(files, n, False)),
            ("pandas usecols (1 thread)", lambda n: pandas_query(files, n, True)),
            ("plait threads", on_plait("threads")), ("dask threads", on_dask("threads")),
            ("plait processes", on_plait("processes")),
            ("dask processes", on_dask("processes"))]


def same(a, b):
    import pandas as pd

    if isinstance(a, pd.Series):
        return a.index.tolist() == b.index.tolist() and \
            ((a - b).abs() < 1e-9 * (1 + b.abs())).all()
    return a == b


def measure(runs, repeat):
    """{(query, engine): best seconds}, repeats interleaved over engines."""
    best, answers = {}, {}
    for _ in range(repeat):
        for query in QUERIES:
            for label, run in runs:
                t0 = time.perf_counter()
                result = run(query)
                seconds = time.perf_counter() - t0
                key = (query, label)
                best[key] = min(best.get(key, float("inf")), seconds)
                first = answers.setdefault(query, (label, result))
                if not same(result, first[1]):
                    raise AssertionError(f"{label} gave {result!r} for {query!r}; "
                                         f"{first[0]} gave {first[1]!r}")
    return best


def report(best, labels):
    rows = []
    for query in QUERIES:
        base = best[(query, "pandas (1 thread)")]
        for label in labels:
            s = best[(query, label)]
            vs_dask = ""
            if label.startswith("plait"):
                vs_dask = f"{best[(query, label.replace('plait', 'dask'))] / s:.2f}"
            rows.append([query, label, s, f"{base / s:.2f}", vs_dask])
    return rows


def verdicts(best):
    lines = []
    for sched in ("threads", "processes"):
        slower = [q for q in QUERIES if best[(q, f"plait {sched}")] >= best[(q, f"dask {sched}")]]
        lines.append(f"plait {sched} faster than dask {sched} on every query: "
                     f"{'yes' if not slower else 'NO (' + ', '.join(slower) + ')'}")
    for base in ("pandas (1 thread)", "pandas usecols (1 thread)"):
        for sched in ("threads", "processes"):
            worst = min(best[(q, base)] / best[(q, f"plait {sched}")] for q in GROUPBY)
            lines.append(f"plait {sched} on groupby queries vs {base}: at least {worst:.2f}x")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks dataframe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="replicate 2 instead of 10")
    parser.add_argument("--replicate", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    replicate = args.replicate or (2 if args.quick else 10)
    from plait.dataframe.flights import write_flights

    path = os.path.join(tempfile.gettempdir(), f"plait-bench-nycflights-x{replicate}")
    files = write_flights(path, replicate=replicate)
    pattern = os.path.join(path, "*.csv")
    size = sum(os.path.getsize(f) for f in glob.glob(pattern)) / 2**20
    runs = engines(pattern, files, args.workers)
    _warm_up(args.workers)
    best = measure(runs, args.repeat)
    labels = [label for label, _ in runs]
    print(f"dataframe: seed 003 queries on nycflights13 x{replicate} "
          f"({336776 * replicate:,} rows, {len(files)} files, {size:.0f} MiB), "
          f"{args.workers} workers, best of {args.repeat}")
    print(table(report(best, labels), ["query", "engine", "seconds", "x pandas", "x dask"]))
    for line in verdicts(best):
        print(line)
    return best


def _warm_up(workers):
    """Start the process pools, so their start-up is not in the first timing."""
    import dask
    import dask.bag as db

    import plait

    plait.compute(plait.delayed(abs)(-1), scheduler="processes", num_workers=workers)
    with dask.config.set(num_workers=workers):
        db.from_sequence([1, 2]).sum().compute(scheduler="processes")


if __name__ == "__main__":
    main()
