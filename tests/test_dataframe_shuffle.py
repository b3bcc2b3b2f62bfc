"""Moving rows: repartition, set_index, sort_values, merge and join."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plait.dataframe as pdd
from plait.dataframe.optimize import optimize_expr, toposort_exprs
from plait.dataframe.testing import SCHEDULERS, assert_eq, frames

SETTINGS = settings(max_examples=10, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
NPARTS = st.integers(1, 4)
SCHED = st.sampled_from(SCHEDULERS)


@pytest.fixture
def pdf():
    rng = np.random.default_rng(1)
    return pd.DataFrame({"k": rng.integers(0, 25, 120), "x": rng.random(120),
                         "s": rng.choice(list("abcde"), 120)})


def _prefixes(coll):
    return {e.prefix for e in toposort_exprs(optimize_expr(coll.expr))}


# ---------------------------------------------------------------- repartition

@SETTINGS
@given(frames(), NPARTS, st.integers(1, 6), SCHED)
def test_repartition_npartitions(pdf, n, m, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n, sort=False)
    out = ddf.repartition(npartitions=m)
    assert out.npartitions == m or (m > n and out.npartitions == m)
    assert_eq(out, pdf, scheduler)


def test_repartition_divisions_and_size(pdf):
    ddf = pdd.from_pandas(pdf.set_index("k").sort_index(), npartitions=3)
    out = ddf.repartition(divisions=[0, 5, 10, 24])
    assert out.divisions == (0, 5, 10, 24)
    parts = [p.compute() for p in out.to_delayed()]
    assert parts[0].index.max() < 5 <= parts[1].index.min()
    assert_eq(out, ddf.compute())
    small = ddf.repartition(partition_size="2kB")
    assert small.npartitions >= 2
    assert_eq(small, ddf.compute())
    with pytest.raises(ValueError, match="exactly one of npartitions="):
        ddf.repartition()
    with pytest.raises(ValueError, match="must cover the old range"):
        ddf.repartition(divisions=[3, 24])


# ---------------------------------------------------------------- set_index, sort_values

@SETTINGS
@given(frames(), NPARTS, SCHED)
def test_set_index_computes_divisions(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n, sort=False)
    out = ddf.set_index("i")
    want = pdf.set_index("i").sort_index(kind="stable")
    assert_eq(out, want, scheduler, sort=True)
    if len(pdf):
        assert out.known_divisions
        assert out.divisions[0] == want.index.min() and out.divisions[-1] == want.index.max()
        parts = [p.compute(scheduler="sync") for p in out.to_delayed()]
        for a, lo, hi in zip(parts, out.divisions, out.divisions[1:]):
            assert a.index.is_monotonic_increasing
            assert len(a) == 0 or lo <= a.index.min() and a.index.max() <= hi


@SETTINGS
@given(frames(), NPARTS, SCHED, st.booleans())
def test_sort_values(pdf, n, scheduler, ascending):
    ddf = pdd.from_pandas(pdf, npartitions=n, sort=False)
    got = ddf.sort_values("f", ascending=ascending).compute(scheduler=scheduler)
    want = pdf.sort_values("f", ascending=ascending, kind="stable")
    assert got.f.tolist() == pytest.approx(want.f.tolist(), nan_ok=True)
    assert_eq(got, want, sort=True)
    got = ddf.sort_values(["k", "i"]).compute(scheduler=scheduler)
    want = pdf.sort_values(["k", "i"], kind="stable")
    assert got[["k", "i"]].astype(str).values.tolist() == want[["k", "i"]].astype(str).values.tolist()


def test_set_index_sorted_and_loc(pdf):
    pdf = pdf.sort_values("k")
    ddf = pdd.from_pandas(pdf, npartitions=4, sort=False)
    out = ddf.set_index("k", sorted=True)
    assert out.known_divisions
    assert_eq(out, pdf.set_index("k"))
    assert_eq(out.loc[3:7], pdf.set_index("k").loc[3:7])
    with pytest.raises(ValueError, match="is not sorted across partitions"):
        pdd.from_pandas(pdf.iloc[::-1], npartitions=3, sort=False).set_index("k", sorted=True)
    with pytest.raises(KeyError, match="column 'q' not found"):
        ddf.set_index("q")


# ---------------------------------------------------------------- merge, join

@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_hash_merge(pdf, how, scheduler):
    right = pd.DataFrame({"k": np.arange(0, 30, 1.0), "y": [f"v{i}" for i in range(30)]})
    a = pdd.from_pandas(pdf, npartitions=4)
    b = pdd.from_pandas(right, npartitions=3)
    out = a.merge(b, on="k", how=how)
    assert "merge-shuffle" in _prefixes(out)
    assert_eq(out, pdf.merge(right, on="k", how=how), scheduler, sort=True)


@pytest.mark.parametrize("how", ["inner", "left"])
def test_broadcast_merge_moves_nothing(pdf, how):
    right = pd.DataFrame({"k": [1, 2, 3], "y": ["a", "b", "c"]})
    a = pdd.from_pandas(pdf, npartitions=4)
    out = a.merge(right, on="k", how=how)
    assert "merge-broadcast" in _prefixes(out) and "merge-shuffle" not in _prefixes(out)
    assert out.npartitions == 4
    assert_eq(out, pdf.merge(right, on="k", how=how), sort=True)
    forced = a.merge(pdd.from_pandas(right, npartitions=2), on="k", how=how, broadcast=True)
    assert "merge-shuffle" not in _prefixes(forced)
    assert_eq(forced, pdf.merge(right, on="k", how=how), sort=True)


def test_merge_left_on_right_on_and_indexes(pdf):
    right = pd.DataFrame({"key": np.arange(25), "z": np.arange(25) * 2})
    a = pdd.from_pandas(pdf, npartitions=3)
    b = pdd.from_pandas(right, npartitions=2)
    assert_eq(a.merge(b, left_on="k", right_on="key"), pdf.merge(right, left_on="k",
                                                                   right_on="key"), sort=True)
    ri = right.set_index("key")
    assert_eq(a.merge(pdd.from_pandas(ri, npartitions=2), left_on="k", right_index=True,
                      how="left"),
              pdf.merge(ri, left_on="k", right_index=True, how="left"), sort=True)
    assert_eq(a.join(pdd.from_pandas(ri, npartitions=2), on="k"), pdf.join(ri, on="k"),
              sort=True)


def test_join_on_aligned_indexes(pdf):
    left = pdf.groupby("k").x.sum().to_frame()
    right = pdf.groupby("k").s.max().to_frame()
    a = pdd.from_pandas(left, npartitions=3)
    b = pdd.from_pandas(right, npartitions=2)
    out = a.join(b, how="inner")
    assert out.known_divisions and "merge-shuffle" not in _prefixes(out)
    assert_eq(out, left.join(right, how="inner"))


def test_merge_errors(pdf):
    a = pdd.from_pandas(pdf, npartitions=2)
    with pytest.raises(KeyError, match="column 'nope' not found"):
        a.merge(a, on="nope")
    with pytest.raises(ValueError, match="how must be inner, left, right, outer or cross"):
        a.merge(a, on="k", how="sideways")
    with pytest.raises(ValueError, match="no common columns to merge on"):
        a.merge(pdd.from_pandas(pd.DataFrame({"q": [1]}), npartitions=1))
