"""Seed 003's flights analysis, as written, against pandas on nycflights13."""
from __future__ import annotations

import glob
import os

import pandas as pd
import pytest

import plait.dataframe as pd_
from plait.dataframe.flights import COLUMNS, write_flights

DTYPE = {"TailNum": object, "CRSElapsedTime": float, "Cancelled": bool}
SCHEDULERS = ["sync", "threads", "processes"]


@pytest.fixture(scope="session")
def flights_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "nycflights"
    write_flights(str(path))
    return str(path)


@pytest.fixture(scope="session")
def expected(flights_dir):
    """The same data read by pandas alone, dates combined by hand."""
    files = sorted(glob.glob(os.path.join(flights_dir, "*.csv")))
    df = pd.concat([pd.read_csv(f, dtype=DTYPE) for f in files], ignore_index=True)
    text = (df.Year.astype(str) + " " + df.Month.astype(str) + " " +
            df.DayofMonth.astype(str))
    df.insert(0, "Date", pd.to_datetime(text))
    return df.drop(columns=["Year", "Month", "DayofMonth"])


@pytest.fixture(scope="session")
def df(flights_dir):
    return pd_.read_csv(os.path.join(flights_dir, "*.csv"),
                        parse_dates={"Date": [0, 1, 2]}, dtype=DTYPE)


def test_layout(flights_dir):
    files = sorted(os.listdir(flights_dir))
    assert [f for f in files if f.endswith(".csv")] == [f"2013-{m:02d}.csv" for m in range(1, 13)]
    head = pd.read_csv(os.path.join(flights_dir, "2013-01.csv"), nrows=5)
    assert list(head.columns) == COLUMNS


def test_metadata_without_computing(df, expected):
    assert list(df.columns) == list(expected.columns)
    assert df.dtypes.to_dict() == expected.dtypes.to_dict()
    assert df.columns[0] == "Date" and df.npartitions == 12


def test_whole_frame(df, expected):
    pd.testing.assert_frame_equal(df.compute().reset_index(drop=True), expected)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_largest_delay(df, expected, scheduler):
    got = df[~df.Cancelled].DepDelay.max().compute(scheduler=scheduler)
    assert got == expected[~expected.Cancelled].DepDelay.max()


def test_lengths(df, expected):
    assert len(df) == len(expected) == 336776
    assert len(df[~df.Cancelled]) == len(expected[~expected.Cancelled])


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_flights_per_airport(df, expected, scheduler):
    got = df[~df.Cancelled].groupby("Origin").Origin.count().compute(scheduler=scheduler)
    e = expected[~expected.Cancelled]
    pd.testing.assert_series_equal(got, e.groupby("Origin").Origin.count())


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_mean_delay_per_airport(df, expected, scheduler):
    got = df[~df.Cancelled].groupby("Origin").DepDelay.mean().compute(scheduler=scheduler)
    e = expected[~expected.Cancelled]
    pd.testing.assert_series_equal(got, e.groupby("Origin").DepDelay.mean())


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_mean_delay_per_day_of_week(df, expected, scheduler):
    got = df.groupby(df.Date.dt.dayofweek).DepDelay.mean().compute(scheduler=scheduler)
    want = expected.groupby(expected.Date.dt.day_of_week).DepDelay.mean()
    pd.testing.assert_series_equal(got, want)


def test_seed_query_is_one_task_per_file(df):
    """Reading, filtering and the max's first step fuse into 12 tasks; then a
    tree of split_every=8: 2 combines and 1 aggregate."""
    from plait.graph import cull

    q = df[~df.Cancelled].DepDelay.max()
    dsk = cull(q.__plait_graph__(), q.__plait_keys__())[0]
    assert len(dsk) == 12 + 2 + 1


def test_only_used_columns_are_read(df):
    from plait.dataframe.optimize import optimize_expr, toposort_exprs

    q = df[~df.Cancelled].groupby("Origin").DepDelay.mean()
    readers = [e for e in toposort_exprs(optimize_expr(q.expr)) if e.prefix == "read-csv"]
    assert len(readers) == 1
    assert readers[0].reader.usecols == ["DepDelay", "Origin", "Cancelled"]
