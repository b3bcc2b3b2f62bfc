"""Grouped aggregations (tree reductions, split_every, split_out) against pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plait.dataframe as pdd
from plait.dataframe.testing import SCHEDULERS, assert_eq, frames

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
NPARTS = st.integers(1, 5)
SCHED = st.sampled_from(SCHEDULERS)
METHODS = ["sum", "mean", "count", "size", "min", "max", "std", "var", "first", "last",
           "nunique"]


def _check(got, want, scheduler, split_out=1, **kwargs):
    got = got.compute(scheduler=scheduler)
    if split_out > 1:
        got = got.sort_index()
    assert_eq(got, want, check_exact=False, rtol=1e-6, **kwargs)


@SETTINGS
@given(frames(min_rows=1), NPARTS, SCHED, st.sampled_from(METHODS),
       st.sampled_from([None, 2]), st.sampled_from([1, 2]))
def test_series_groupby_methods(pdf, n, scheduler, method, split_every, split_out):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    got = getattr(ddf.groupby("k").f, method)(split_every=split_every, split_out=split_out)
    _check(got, getattr(pdf.groupby("k").f, method)(), scheduler, split_out)


@SETTINGS
@given(frames(min_rows=1), NPARTS, SCHED, st.sampled_from(METHODS))
def test_frame_groupby_methods(pdf, n, scheduler, method):
    pdf = pdf[["k", "i", "f", "b"]]
    ddf = pdd.from_pandas(pdf, npartitions=n)
    _check(getattr(ddf.groupby("k"), method)(), getattr(pdf.groupby("k"), method)(),
           scheduler)


@SETTINGS
@given(frames(min_rows=1), NPARTS, SCHED)
def test_groupby_by_series_and_several_keys(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    _check(ddf.groupby(ddf.d.dt.dayofweek).f.mean(),
           pdf.groupby(pdf.d.dt.day_of_week).f.mean(), scheduler)
    _check(ddf.groupby(["k", "b"]).i.sum(), pdf.groupby(["k", "b"]).i.sum(), scheduler)
    _check(ddf.groupby(["k", ddf.i % 3]).f.max(), pdf.groupby(["k", pdf.i % 3]).f.max(),
           scheduler)
    _check(ddf.groupby("k", dropna=False).i.count(), pdf.groupby("k", dropna=False).i.count(),
           scheduler)
    _check(ddf.f.groupby(ddf.k).sum(), pdf.f.groupby(pdf.k).sum(), scheduler)


@SETTINGS
@given(frames(min_rows=1), NPARTS, SCHED)
def test_agg_forms(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    g, p = ddf.groupby("k"), pdf.groupby("k")
    _check(g.agg({"i": "sum", "f": ["mean", "std"]}), p.agg({"i": "sum", "f": ["mean", "std"]}),
           scheduler)
    _check(g.f.agg(["min", "max", "count"]), p.f.agg(["min", "max", "count"]), scheduler)
    _check(g[["i", "f"]].agg("mean"), p[["i", "f"]].agg("mean"), scheduler)
    _check(g.agg(total=("i", "sum"), top=("f", "max")), p.agg(total=("i", "sum"), top=("f", "max")),
           scheduler)
    _check(g.agg({"s": "nunique"}), p.agg({"s": "nunique"}), scheduler)


def test_seed_shapes_by_column_name():
    pdf = pd.DataFrame({"Origin": list("ABAACB"), "DepDelay": [1.0, 2, np.nan, 4, 5, 6],
                        "Cancelled": [False, False, True, False, False, True]})
    ddf = pdd.from_pandas(pdf, npartitions=2)
    sel = ddf[~ddf.Cancelled]
    p = pdf[~pdf.Cancelled]
    assert_eq(sel.groupby("Origin").Origin.count(), p.groupby("Origin").Origin.count())
    assert_eq(sel.groupby("Origin").DepDelay.mean(), p.groupby("Origin").DepDelay.mean())


def test_split_out_gives_partitions():
    pdf = pd.DataFrame({"k": np.arange(200) % 17, "x": np.arange(200)})
    ddf = pdd.from_pandas(pdf, npartitions=6)
    out = ddf.groupby("k").x.sum(split_out=3)
    assert out.npartitions == 3
    parts = [p.compute() for p in out.to_delayed()]
    assert sum(len(p) for p in parts) == 17
    assert not set(parts[0].index) & set(parts[1].index)
    assert_eq(out.compute().sort_index(), pdf.groupby("k").x.sum())


def test_chunk_step_fuses_with_the_filter():
    from plait.graph import cull

    pdf = pd.DataFrame({"k": [1, 2] * 10, "x": range(20)})
    ddf = pdd.from_pandas(pdf, npartitions=4)
    out = ddf[ddf.x > 3].groupby("k").x.mean(split_every=2)
    dsk = cull(out.__plait_graph__(), out.__plait_keys__())[0]
    assert len(dsk) == 4 + 2 + 1


def test_groupby_errors():
    ddf = pdd.from_pandas(pd.DataFrame({"k": [1], "x": [2]}), npartitions=1)
    with pytest.raises(KeyError, match=r"column 'nope' not found; the columns are: 'k', 'x'"):
        ddf.groupby("nope")
    with pytest.raises(KeyError, match="column 'y' not found"):
        ddf.groupby("k")["y"]
    with pytest.raises(ValueError, match="aggregation 'median' is not supported as a tree"):
        ddf.groupby("k").agg("median")
    with pytest.raises(AttributeError, match="has no attribute 'zz'"):
        ddf.groupby("k").zz


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_groupby_on_each_scheduler(scheduler):
    pdf = pd.DataFrame({"k": np.arange(300) % 7, "x": np.linspace(-1, 1, 300)})
    ddf = pdd.from_pandas(pdf, npartitions=5)
    _check(ddf.groupby("k").x.std(), pdf.groupby("k").x.std(), scheduler)
    _check(ddf.groupby(ddf.k % 2).agg({"x": ["sum", "var"]}),
           pdf.groupby(pdf.k % 2).agg({"x": ["sum", "var"]}), scheduler)
