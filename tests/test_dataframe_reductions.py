"""Reductions as trees, against pandas on random frames and every scheduler."""
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
SPLIT = st.sampled_from([None, 2, 3])

SERIES_OPS = {
    "i": ["sum", "mean", "min", "max", "count", "std", "var", "prod"],
    "f": ["sum", "mean", "min", "max", "count", "std", "var"],
    "s": ["min", "max", "count"],
    "b": ["sum", "mean", "any", "all", "count"],
    "d": ["min", "max", "count"],
}


def _check_scalar(got, want):
    if isinstance(want, float) and np.isnan(want) or want is pd.NaT:
        assert pd.isna(got), (got, want)
    elif isinstance(want, (float, np.floating)):
        assert np.isclose(got, want, rtol=1e-6, atol=1e-9), (got, want)
    else:
        assert got == want, (got, want)


@SETTINGS
@given(frames(), NPARTS, SCHED, SPLIT)
def test_series_reductions(pdf, n, scheduler, split_every):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    for col, ops in SERIES_OPS.items():
        for op in ops:
            if op == "prod":
                pdf_col, ddf_col = pdf[col] % 3, ddf[col] % 3
            else:
                pdf_col, ddf_col = pdf[col], ddf[col]
            got = getattr(ddf_col, op)(split_every=split_every).compute(scheduler=scheduler)
            _check_scalar(got, getattr(pdf_col, op)())


@SETTINGS
@given(frames(), NPARTS, SCHED)
def test_frame_reductions(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    num = ["i", "f", "b"]
    for op in ["sum", "mean", "min", "max", "count", "std", "var"]:
        assert_eq(getattr(ddf[num], op)(), getattr(pdf[num], op)(), scheduler,
                  check_exact=False, rtol=1e-6)
    assert_eq(ddf.count(), pdf.count(), scheduler)
    assert_eq(ddf[["i", "s"]].max(), pdf[["i", "s"]].max(), scheduler)


@SETTINGS
@given(frames(), NPARTS, SCHED)
def test_counting(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    assert len(ddf) == len(pdf)
    assert ddf.size.compute(scheduler=scheduler) == pdf.size
    assert ddf.f.size.compute(scheduler=scheduler) == pdf.f.size
    assert ddf.k.nunique().compute(scheduler=scheduler) == pdf.k.nunique()
    assert ddf.d.nunique(dropna=False).compute(scheduler=scheduler) == pdf.d.nunique(dropna=False)
    assert_eq(ddf[["i", "k"]].nunique(), pdf[["i", "k"]].nunique(), scheduler)


@SETTINGS
@given(frames(), NPARTS, SCHED, SPLIT, st.sampled_from([1, 2]))
def test_value_counts_unique_drop_duplicates(pdf, n, scheduler, split_every, split_out):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    got = ddf.k.value_counts(split_every=split_every, split_out=split_out)
    assert_eq(got.compute(scheduler=scheduler).sort_index(), pdf.k.value_counts().sort_index())
    got = ddf.k.value_counts(dropna=False, normalize=True).compute(scheduler=scheduler)
    want = pdf.k.value_counts(dropna=False, normalize=True)
    assert_eq(got.sort_index(), want.sort_index(), check_exact=False)
    assert_eq(ddf.s.unique(split_every=split_every), pd.Series(pdf.s.unique(), name="s"),
              scheduler, sort=True)
    assert_eq(ddf.drop_duplicates(subset=["k"], split_every=split_every),
              pdf.drop_duplicates(subset=["k"]), scheduler)
    assert_eq(ddf[["k", "b"]].drop_duplicates(split_out=split_out),
              pdf[["k", "b"]].drop_duplicates(), scheduler, sort=True)


def test_value_counts_order_matches_pandas():
    s = pd.Series(list("abbcccdddd"))
    got = pdd.from_pandas(s, npartitions=3).value_counts().compute()
    assert_eq(got, s.value_counts())


def test_describe():
    pdf = pd.DataFrame({"x": np.arange(40.0), "y": np.arange(40) % 7, "s": ["a"] * 40})
    ddf = pdd.from_pandas(pdf, npartitions=4)
    assert_eq(ddf.describe(), pdf.describe(), check_exact=False)
    assert_eq(ddf.x.describe(percentiles=[0.1, 0.9]), pdf.x.describe(percentiles=[0.1, 0.9]),
              check_exact=False)
    assert_eq(ddf.s.describe(), pdf.s.describe())


def test_tree_shape():
    """Nine chunks with split_every=3: three combines, then the aggregate."""
    from plait.graph import cull

    s = pdd.from_pandas(pd.Series(range(90)), npartitions=9)
    out = s.sum(split_every=3)
    dsk = cull(out.__plait_graph__(), out.__plait_keys__())[0]
    assert len(dsk) == 9 + 3 + 1
    assert out.compute() == sum(range(90))


def test_reduction_errors():
    ddf = pdd.from_pandas(pd.DataFrame({"s": ["a", "b"]}), npartitions=1)
    with pytest.raises(TypeError, match="mean.. is not defined for these dtypes"):
        ddf.mean()
    with pytest.raises(ValueError, match="split_every must be at least 2"):
        ddf.s.count(split_every=1)
    with pytest.raises(ValueError, match="only reductions over the rows"):
        ddf.count(axis=1)
    with pytest.raises(ValueError, match="keep must be 'first' or 'last'"):
        ddf.drop_duplicates(keep=False)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_reductions_on_each_scheduler(scheduler):
    pdf = pd.DataFrame({"x": np.arange(100) % 13, "y": np.linspace(0, 1, 100)})
    ddf = pdd.from_pandas(pdf, npartitions=7)
    assert ddf.x.sum().compute(scheduler=scheduler) == pdf.x.sum()
    assert np.isclose(ddf.y.std().compute(scheduler=scheduler), pdf.y.std())
    assert_eq(ddf.x.value_counts(), pdf.x.value_counts(), scheduler)
