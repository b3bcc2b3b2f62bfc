"""DataFrame/Series collections: metadata, partitions, element-wise operations,
map_partitions, head/tail, persist, fusion; all against pandas."""
from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plait
import plait.dataframe as pdd
from plait.dataframe.testing import SCHEDULERS, assert_eq, frames

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
NPARTS = st.integers(1, 4)
SCHED = st.sampled_from(SCHEDULERS)


@pytest.fixture
def pdf():
    return pd.DataFrame({
        "i": [1, 2, 3, 4, 5, 6],
        "f": [1.5, np.nan, -2.0, 4.0, np.nan, 0.5],
        "s": pd.Series(["a", "bb", None, "a", "ccc", "bb"], dtype=object).astype("str"),
        "b": [True, False, True, True, False, False],
        "d": pd.to_datetime(["2013-01-01", "2013-01-02", None, "2013-02-03",
                             "2013-03-04", "2013-03-05"]),
    }, index=[10, 11, 12, 13, 14, 15])


@pytest.fixture
def ddf(pdf):
    return pdd.from_pandas(pdf, npartitions=3)


# ---------------------------------------------------------------- structure

def test_meta_divisions_npartitions(ddf, pdf):
    assert list(ddf.columns) == list(pdf.columns)
    assert ddf.dtypes.to_dict() == pdf.dtypes.to_dict()
    assert ddf.npartitions == 3 and ddf.divisions == (10, 12, 14, 15)
    assert len(ddf._meta) == 0 and ddf.known_divisions


def test_partitions_accessor(ddf, pdf):
    assert_eq(ddf.partitions[1], pdf.iloc[2:4])
    assert_eq(ddf.partitions[-1], pdf.iloc[4:])
    assert_eq(ddf.partitions[::2], pd.concat([pdf.iloc[:2], pdf.iloc[4:]]))
    assert ddf.partitions[1].divisions == (12, 14)
    with pytest.raises(IndexError, match="partition 5 out of range: this collection has 3"):
        ddf.partitions[5]


def test_repr_and_html(ddf):
    text = repr(ddf)
    assert "plait.dataframe.DataFrame<from-pandas, npartitions=3>" in text
    assert "int64" in text and "datetime64" in text and "npartitions=3" in text
    html = ddf._repr_html_()
    assert "<table" in html and "npartitions=3" in html
    assert "Series<getitem, npartitions=3>" in repr(ddf.i)
    assert "Scalar<max" in repr(ddf.i.max())


def test_protocol_and_compute_together(ddf, pdf):
    keys = ddf.__plait_keys__()
    assert keys == [(ddf._name, i) for i in range(3)]
    assert all(k in ddf.__plait_graph__() for k in keys)
    a, b = plait.compute(ddf.i.sum(), ddf.f.max())
    assert (a, b) == (pdf.i.sum(), pdf.f.max())


def test_names_are_deterministic(pdf):
    a = pdd.from_pandas(pdf, npartitions=2)
    b = pdd.from_pandas(pdf, npartitions=2)
    assert a._name == b._name and (a.i + 1)._name == (b.i + 1)._name
    assert (a.i + 1)._name != (a.i + 2)._name


def test_len_and_persist(ddf, pdf):
    assert len(ddf) == 6 and len(ddf[ddf.b]) == 3 and len(ddf.index) == 6
    persisted = (ddf.i * 2).persist()
    assert_eq(persisted, pdf.i * 2)
    assert all(not callable(v) for v in persisted.__plait_graph__().values()
               if not isinstance(v, tuple))


def test_truth_value_is_an_error(ddf):
    with pytest.raises(TypeError, match="ambiguous"):
        bool(ddf.i > 1)


# ---------------------------------------------------------------- columns and filters

def test_column_access(ddf, pdf):
    assert_eq(ddf.i, pdf.i)
    assert_eq(ddf["s"], pdf["s"])
    assert_eq(ddf[["f", "i"]], pdf[["f", "i"]])
    assert "i" in dir(ddf)


def test_missing_column_names_it_and_lists_the_columns(ddf):
    with pytest.raises(KeyError, match=r"column 'nope' not found; the columns are: "
                                       r"'i', 'f', 's', 'b', 'd'"):
        ddf["nope"]
    with pytest.raises(KeyError, match="column 'zz' not found"):
        ddf[["i", "zz"]]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ddf.nope


@SETTINGS
@given(frames(), NPARTS, SCHED)
def test_boolean_filters(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    assert_eq(ddf[~ddf.b], pdf[~pdf.b], scheduler)
    assert_eq(ddf[ddf.f > 0].s, pdf[pdf.f > 0].s, scheduler)
    assert_eq(ddf.i[ddf.i % 2 == 0], pdf.i[pdf.i % 2 == 0], scheduler)
    assert_eq(ddf[(ddf.i > 0) & ddf.k.isin(["a", "b"])], pdf[(pdf.i > 0) & pdf.k.isin(["a", "b"])],
              scheduler)


# ---------------------------------------------------------------- element-wise

BINOPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.lt,
          operator.ge, operator.eq, operator.ne]


@SETTINGS
@given(frames(), NPARTS, SCHED, st.sampled_from(BINOPS))
def test_arithmetic_and_comparisons(pdf, n, scheduler, op):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    assert_eq(op(ddf.i, ddf.f), op(pdf.i, pdf.f), scheduler)
    assert_eq(op(ddf.f, 2), op(pdf.f, 2), scheduler)
    assert_eq(op(3, ddf.i), op(3, pdf.i), scheduler)
    assert_eq(op(ddf[["i", "f"]], 2), op(pdf[["i", "f"]], 2), scheduler)


def test_alignment_of_known_divisions(pdf):
    a = pdd.from_pandas(pdf.i, npartitions=3)
    b = pdd.from_pandas(pdf.f, npartitions=2)
    assert a.divisions != b.divisions
    assert_eq(a + b, pdf.i + pdf.f)
    shifted = pdd.from_pandas(pdf.f.iloc[2:], npartitions=2)
    assert_eq(a * shifted, pdf.i * pdf.f.iloc[2:])


def test_alignment_needs_known_divisions_or_equal_counts(pdf):
    a = pdd.from_pandas(pdf.i, npartitions=3, sort=False)
    b = pdd.from_pandas(pdf.f, npartitions=2, sort=False)
    with pytest.raises(ValueError, match=r"cannot align partitions: .* counts differ \(2, 3\)"):
        a + b
    assert_eq(a + pdd.from_pandas(pdf.f, npartitions=3, sort=False), pdf.i + pdf.f)


@SETTINGS
@given(frames(), NPARTS, SCHED)
def test_column_methods(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    assert_eq(ddf.assign(g=ddf.i * ddf.f, h=1), pdf.assign(g=pdf.i * pdf.f, h=1), scheduler)
    assert_eq(ddf.astype({"i": "float64"}), pdf.astype({"i": "float64"}), scheduler)
    assert_eq(ddf.f.fillna(-1), pdf.f.fillna(-1), scheduler)
    assert_eq(ddf.fillna({"f": 0.0}), pdf.fillna({"f": 0.0}), scheduler)
    assert_eq(ddf.dropna(), pdf.dropna(), scheduler)
    assert_eq(ddf.dropna(subset=["f"]), pdf.dropna(subset=["f"]), scheduler)
    assert_eq(ddf.s.isin(["a", "xy"]), pdf.s.isin(["a", "xy"]), scheduler)
    assert_eq(ddf.f.where(ddf.i > 0, 7.0), pdf.f.where(pdf.i > 0, 7.0), scheduler)
    assert_eq(ddf.i.mask(ddf.b, -1), pdf.i.mask(pdf.b, -1), scheduler)
    assert_eq(ddf.isna(), pdf.isna(), scheduler)
    assert_eq(ddf.f.abs().round(1), pdf.f.abs().round(1), scheduler)


def test_setitem_rename_drop(ddf, pdf):
    ddf["z"] = ddf.i + 1
    pdf = pdf.assign(z=pdf.i + 1)
    assert_eq(ddf, pdf)
    assert_eq(ddf.rename(columns={"i": "j"}), pdf.rename(columns={"i": "j"}))
    assert_eq(ddf.drop(columns=["s", "d"]), pdf.drop(columns=["s", "d"]))
    with pytest.raises(KeyError, match="column 'q' not found"):
        ddf.drop(columns=["q"])
    with pytest.raises(KeyError, match="column 'q' not found"):
        ddf.astype({"q": int})


@SETTINGS
@given(frames(), NPARTS, SCHED)
def test_accessors(pdf, n, scheduler):
    ddf = pdd.from_pandas(pdf, npartitions=n)
    assert_eq(ddf.d.dt.year, pdf.d.dt.year, scheduler)
    assert_eq(ddf.d.dt.dayofweek, pdf.d.dt.day_of_week, scheduler)
    assert_eq(ddf.d.dt.strftime("%Y/%m"), pdf.d.dt.strftime("%Y/%m"), scheduler)
    assert_eq(ddf.s.str.upper(), pdf.s.str.upper(), scheduler)
    assert_eq(ddf.s.str.len(), pdf.s.str.len(), scheduler)
    assert_eq(ddf.s.str.contains("a"), pdf.s.str.contains("a"), scheduler)


def test_accessor_errors(ddf):
    with pytest.raises(AttributeError, match="needs a Series of datetime"):
        ddf.i.dt
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        ddf.d.dt.nope
    with pytest.raises(ValueError, match="expand=True.* needs n="):
        ddf.s.str.split("a", expand=True)


def test_scalar_arithmetic(ddf, pdf):
    mean = ddf.i.sum() / ddf.i.count()
    assert mean.compute() == pdf.i.sum() / pdf.i.count()
    assert_eq(ddf.i - ddf.i.mean(), pdf.i - pdf.i.mean())
    assert float(-ddf.f.max()) == -pdf.f.max()


# ---------------------------------------------------------------- map_partitions

@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_map_partitions(ddf, pdf, scheduler):
    out = ddf.map_partitions(lambda p, k: p.i * k, 3)
    assert out._meta.dtype == np.dtype("int64")
    assert_eq(out, pdf.i * 3, scheduler)
    lengths = ddf.map_partitions(len)
    assert lengths.compute(scheduler=scheduler).tolist() == [2, 2, 2]
    assert_eq(pdd.map_partitions(operator.add, ddf.i, ddf.f), pdf.i + pdf.f, scheduler)


def test_map_partitions_meta_mismatch_names_the_partition(ddf):
    def odd(p):
        return p[["i"]] if p.index[0] < 14 else p[["f"]]

    bad = ddf.map_partitions(odd, meta={"i": "int64"})
    with pytest.raises(ValueError, match=r"partition 2 of map_partitions\(odd\) does not "
                                         r"match its metadata: its columns are \['f'\] but "
                                         r"the meta's are \['i'\]"):
        bad.compute(scheduler="sync")


def test_map_partitions_meta_failure_says_pass_meta(ddf):
    def explode(p):
        raise RuntimeError("no")

    with pytest.raises(ValueError, match=r"map_partitions\(explode\) failed .* Pass meta="):
        ddf.map_partitions(explode)


# ---------------------------------------------------------------- head, tail

def _raising_frame(pdf):
    """Partition 0 is fine; partitions 1 and 2 raise if computed."""
    good = plait.delayed(lambda: pdf.iloc[:3])()
    bad = [plait.delayed(_explode)(i) for i in (1, 2)]
    return pdd.from_delayed([good] + bad, meta=pdf)


def _explode(i):
    raise RuntimeError(f"partition {i} was read")


def test_head_reads_only_the_partitions_it_needs(pdf):
    df = _raising_frame(pdf)
    assert_eq(df.head(2), pdf.head(2))
    with pytest.raises(RuntimeError, match="partition 1 was read"):
        df.head(4)


def test_head_and_tail_cross_partitions(ddf, pdf):
    assert_eq(ddf.head(5), pdf.head(5))
    assert_eq(ddf.tail(3), pdf.tail(3))
    assert_eq(ddf.head(100), pdf)
    assert_eq(ddf.head(3, npartitions=2), pdf.head(3))


# ---------------------------------------------------------------- fusion

def test_blockwise_steps_fuse_into_one_task_per_partition(ddf):
    from plait.graph import cull

    out = ddf[ddf.i > 1].assign(g=ddf.f * 2).g.fillna(0) + 1
    dsk = cull(out.__plait_graph__(), out.__plait_keys__())[0]
    assert len(dsk) == ddf.npartitions


def test_persisted_scalar_and_columns_setter(ddf, pdf):
    total = ddf.i.sum().persist()
    assert total.compute() == pdf.i.sum()
    assert (total + 1).compute() == pdf.i.sum() + 1
    ddf.columns = ["I", "F", "S", "B", "D"]
    assert list(ddf.compute().columns) == ["I", "F", "S", "B", "D"]
    with pytest.raises(ValueError, match="length mismatch: 5 columns, 2 new names"):
        ddf.columns = ["a", "b"]


def test_row_slices_are_refused_with_a_hint(ddf):
    with pytest.raises(TypeError, match="row slices are not supported.*use .loc"):
        ddf[1:3]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_computing_together_shares_the_partition_work(pdf, scheduler):
    from plait.base import collections_to_graph

    ddf = pdd.from_pandas(pdf, npartitions=3)
    kept = ddf[ddf.i > 1].f
    hi, lo = kept.max(), kept.min()
    dsk = collections_to_graph([hi, lo])
    # 3 shared filter tasks, 3 + 3 chunk tasks, 2 aggregates
    assert len(dsk) == 3 + 6 + 2
    kept_p = pdf[pdf.i > 1].f
    assert plait.compute(hi, lo, scheduler=scheduler) == (kept_p.max(), kept_p.min())
    plus = ddf.i + 1
    total, frame = plait.compute(plus.sum(), plus * 2, scheduler=scheduler)
    assert total == (pdf.i + 1).sum()
    assert_eq(frame, (pdf.i + 1) * 2)


def test_rename_of_index_labels_is_refused_by_name():
    import pandas as pd
    import pytest

    import plait.dataframe as pdd

    df = pdd.from_pandas(pd.DataFrame({"x": [1, 2]}), npartitions=1)
    with pytest.raises(TypeError, match=r"rename\(index=...\) is not supported"):
        df.rename(index={0: "a"})
