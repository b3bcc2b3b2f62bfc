"""read_csv / to_csv / read_parquet / to_parquet / from_* / to_delayed."""
from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plait
import plait.dataframe as pdd
from plait.dataframe.optimize import optimize_expr, toposort_exprs
from plait.dataframe.testing import SCHEDULERS, assert_eq


@pytest.fixture
def pdf():
    n = 300
    return pd.DataFrame({
        "y": np.full(n, 2013), "m": np.arange(n) % 12 + 1, "d": np.arange(n) % 28 + 1,
        "x": np.arange(n, dtype="int64"),
        "f": np.where(np.arange(n) % 7 == 0, np.nan, np.arange(n) / 4),
        "s": [f"w{i % 13}" if i % 11 else None for i in range(n)],
        "flag": (np.arange(n) % 3 == 0).astype(int),
    })


@pytest.fixture
def csv_dir(tmp_path, pdf):
    for i in range(3):
        pdf.iloc[i * 100:(i + 1) * 100].to_csv(tmp_path / f"part-{i}.csv", index=False)
    return tmp_path


def _expected(pdf):
    """What reading ``pdf`` back gives: strings as pandas' own reader types them
    (the ``str`` dtype on pandas 3, objects with NaN for missing on pandas 2)."""
    out = pdf.copy()
    if int(pd.__version__.split(".")[0]) >= 3:
        out["s"] = out["s"].astype("str")
    else:
        out["s"] = out["s"].where(out["s"].notna(), np.nan)
    return out


def _readers(coll, prefix):
    return [e for e in toposort_exprs(optimize_expr(coll.expr)) if e.prefix == prefix]


# ---------------------------------------------------------------- read_csv

@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_read_csv_glob(csv_dir, pdf, scheduler):
    df = pdd.read_csv(str(csv_dir / "*.csv"))
    assert df.npartitions == 3
    assert_eq(df, _expected(pdf), scheduler, check_index=False)


def test_read_csv_list_and_blocksize_repeat_the_header(csv_dir, pdf):
    files = [str(csv_dir / f"part-{i}.csv") for i in range(3)]
    df = pdd.read_csv(files, blocksize=700)
    assert df.npartitions > 6
    assert_eq(df, _expected(pdf), check_index=False)
    assert all(len(p.compute()) > 0 for p in [df.partitions[i] for i in (1, 4)])


def test_read_csv_fsspec_url(pdf):
    import fsspec

    fs = fsspec.filesystem("memory")
    with fs.open("/flights/a.csv", "w") as f:
        pdf.to_csv(f, index=False)
    df = pdd.read_csv("memory://flights/*.csv", blocksize=2000)
    assert df.npartitions > 1
    assert_eq(df, _expected(pdf), check_index=False)


def test_read_csv_compressed_reads_whole_files(tmp_path, pdf):
    with gzip.open(tmp_path / "a.csv.gz", "wt") as f:
        pdf.to_csv(f, index=False)
    df = pdd.read_csv(str(tmp_path / "*.csv.gz"), blocksize=500)
    assert df.npartitions == 1
    assert_eq(df, _expected(pdf), check_index=False)


def test_read_csv_dtype_usecols(csv_dir, pdf):
    df = pdd.read_csv(str(csv_dir / "*.csv"), dtype={"x": "float64", "flag": bool},
                      usecols=["x", "flag", "s"])
    assert df.dtypes.to_dict() == {"x": np.dtype("float64"), "s": pd.StringDtype(na_value=np.nan),
                                   "flag": np.dtype(bool)}
    want = pdf[["x", "s", "flag"]].astype({"x": "float64", "flag": bool, "s": "str"})
    assert_eq(df, want, check_index=False)


@pytest.mark.parametrize("spec", [{"Date": [0, 1, 2]}, {"Date": ["y", "m", "d"]}])
def test_parse_dates_dict_combines_columns_first(csv_dir, pdf, spec):
    df = pdd.read_csv(str(csv_dir / "*.csv"), parse_dates=spec)
    assert list(df.columns) == ["Date", "x", "f", "s", "flag"]
    dates = pd.to_datetime(pdf.y.astype(str) + " " + pdf.m.astype(str) + " " + pdf.d.astype(str))
    assert_eq(df.Date, dates.rename("Date"), check_index=False)
    assert_eq(df.Date.dt.dayofweek, dates.dt.day_of_week.rename("Date"), check_index=False)


def test_parse_dates_nested_list_and_keep_date_col(csv_dir):
    df = pdd.read_csv(str(csv_dir / "*.csv"), parse_dates=[[0, 1, 2]], keep_date_col=True)
    assert list(df.columns)[:4] == ["y_m_d", "y", "m", "d"]
    assert df.y_m_d.min().compute() == pd.Timestamp("2013-01-01")


def test_parse_dates_text_columns(tmp_path):
    (tmp_path / "a.csv").write_text("day,time,v\n2013-01-05,10:30,1\n2013-02-06,23:59,2\n")
    df = pdd.read_csv(str(tmp_path / "a.csv"), parse_dates={"when": ["day", "time"]})
    assert df.when.compute().tolist() == [pd.Timestamp("2013-01-05 10:30"),
                                          pd.Timestamp("2013-02-06 23:59")]


def test_projection_reads_only_used_columns(csv_dir):
    df = pdd.read_csv(str(csv_dir / "*.csv"), parse_dates={"Date": [0, 1, 2]})
    (reader,) = _readers(df[df.flag == 1].f.sum(), "read-csv")
    assert reader.reader.usecols == ["f", "flag"]
    (reader,) = _readers(df.groupby(df.Date.dt.month).x.max(), "read-csv")
    assert reader.reader.usecols == ["y", "m", "d", "x"]
    (reader,) = _readers(df.index, "read-csv")
    assert len(reader.reader.usecols) == 1


def test_dtype_mismatch_names_file_column_and_line(tmp_path):
    rows = "\n".join(f"{i},{i * 2}" for i in range(2000))
    (tmp_path / "a.csv").write_text("a,b\n" + rows + "\n")
    (tmp_path / "b.csv").write_text("a,b\n1,2\n3,\n5,x7\n")
    df = pdd.read_csv(str(tmp_path / "*.csv"), sample=1000)
    assert df.b.dtype == np.dtype("int64")
    with pytest.raises(ValueError) as info:
        df.b.sum().compute(scheduler="sync")
    msg = str(info.value)
    assert "b.csv" in msg and "column 'b' as int64: line 3 has an empty field" in msg
    assert "inferred from the first 1,000 bytes" in msg and "dtype={'b': 'float64'}" in msg


def test_dtype_mismatch_in_a_later_block_counts_lines(tmp_path):
    rows = [f"{i},{i}" for i in range(500)]
    rows[400] = "400,oops"
    (tmp_path / "a.csv").write_text("a,b\n" + "\n".join(rows) + "\n")
    df = pdd.read_csv(str(tmp_path / "a.csv"), blocksize=1000, sample=500)
    with pytest.raises(ValueError, match=r"column 'b' as int64: line 402 has the value 'oops'"):
        df.compute(scheduler="sync")


def test_read_csv_errors(tmp_path, csv_dir):
    with pytest.raises(FileNotFoundError, match="no files match"):
        pdd.read_csv(str(tmp_path / "nothing-*.csv"))
    with pytest.raises(KeyError, match="column 'zz' not found"):
        pdd.read_csv(str(csv_dir / "*.csv"), usecols=["x", "zz"])
    with pytest.raises(IndexError, match="column position 40 is out of range"):
        pdd.read_csv(str(csv_dir / "*.csv"), parse_dates={"D": [0, 40]})
    with pytest.raises(ValueError, match="does not support nrows="):
        pdd.read_csv(str(csv_dir / "*.csv"), nrows=3)


def test_include_path_column(csv_dir):
    df = pdd.read_csv(str(csv_dir / "*.csv"), include_path_column=True)
    paths = df.path.compute()
    assert sorted(set(os.path.basename(p) for p in paths)) == [f"part-{i}.csv" for i in range(3)]


def test_to_csv_roundtrip(tmp_path, pdf):
    df = pdd.from_pandas(pdf, npartitions=3)
    names = df.to_csv(str(tmp_path / "out-*.csv"), index=False)
    assert [os.path.basename(n) for n in names] == ["out-0.csv", "out-1.csv", "out-2.csv"]
    assert_eq(pdd.read_csv(str(tmp_path / "out-*.csv")), _expected(pdf), check_index=False)
    single = df.to_csv(str(tmp_path / "all.csv"), single_file=True, index=False)
    assert_eq(pd.read_csv(single[0]), pd.read_csv(pd.io.common.StringIO(pdf.to_csv(index=False))))


# ---------------------------------------------------------------- parquet

@pytest.fixture
def pq_dir(tmp_path, pdf):
    df = pdd.from_pandas(pdf, npartitions=3)
    df.to_parquet(str(tmp_path), row_group_size=25)
    return tmp_path


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_parquet_roundtrip(pq_dir, pdf, scheduler):
    df = pdd.read_parquet(str(pq_dir))
    assert df.npartitions == 3
    assert_eq(df, _expected(pdf), scheduler)
    assert pdd.read_parquet(str(pq_dir), calculate_divisions=True).divisions == (0, 100, 200, 299)


def test_parquet_column_and_row_group_pruning(pq_dir, pdf):
    df = pdd.read_parquet(str(pq_dir), columns=["x", "f"], filters=[("x", ">=", 260)])
    assert df.npartitions == 1
    assert_eq(df, pdf[pdf.x >= 260][["x", "f"]])
    split = pdd.read_parquet(str(pq_dir), split_row_groups=True, filters=[("x", "<", 30)])
    assert split.npartitions == 2
    assert_eq(split.x, pdf.x[pdf.x < 30])


def test_parquet_projection_and_predicate_pushdown(pq_dir, pdf):
    df = pdd.read_parquet(str(pq_dir))
    q = df[(df.x > 250) & (df.flag == 1)].f
    (reader,) = _readers(q, "read-parquet")
    assert reader.reader.columns == ["x", "f", "flag"]
    assert reader.reader.filters == [[("x", ">", 250), ("flag", "==", 1)]]
    assert_eq(q, pdf[(pdf.x > 250) & (pdf.flag == 1)].f)


def test_no_pushdown_when_the_rows_are_used_elsewhere(pq_dir, pdf):
    df = pdd.read_parquet(str(pq_dir))
    both = df[df.x > 250].f.sum() + df.f.count()
    (reader,) = _readers(both, "read-parquet")
    assert reader.reader.filters is None
    assert np.isclose(both.compute(), pdf[pdf.x > 250].f.sum() + pdf.f.count())
    ne = df[df.f != 1.0]
    (reader,) = _readers(ne, "read-parquet")
    assert reader.reader.filters is None
    assert_eq(ne, _expected(pdf)[pdf.f != 1.0])


def test_parquet_errors(tmp_path, pq_dir):
    with pytest.raises(FileNotFoundError, match="no Parquet files"):
        pdd.read_parquet(str(tmp_path / "missing"))
    with pytest.raises(KeyError, match="column 'nope' not found"):
        pdd.read_parquet(str(pq_dir), columns=["nope"])
    with pytest.raises(ValueError, match="unknown filter operator '~'"):
        pdd.read_parquet(str(pq_dir), filters=[("x", "~", 1)])


# ---------------------------------------------------------------- pandas, dicts, delayed

def test_from_pandas_sort_and_chunksize(pdf):
    shuffled = pdf.sample(frac=1, random_state=0)
    df = pdd.from_pandas(shuffled, npartitions=4)
    assert df.known_divisions and df.divisions[0] == 0
    assert_eq(df, shuffled.sort_index())
    unsorted = pdd.from_pandas(shuffled, chunksize=100, sort=False)
    assert unsorted.npartitions == 3 and not unsorted.known_divisions
    assert_eq(unsorted, shuffled)
    with pytest.raises(ValueError, match="exactly one of npartitions= and chunksize="):
        pdd.from_pandas(pdf)
    with pytest.raises(TypeError, match="takes a pandas DataFrame or Series"):
        pdd.from_pandas([1, 2], npartitions=1)


def test_duplicate_index_values_stay_in_one_partition():
    s = pd.Series(range(8), index=[0, 0, 0, 0, 1, 1, 2, 3])
    df = pdd.from_pandas(s, npartitions=4)
    assert df.divisions == (0, 1, 2, 3)
    assert_eq(df, s)


def test_from_dict():
    assert_eq(pdd.from_dict({"a": [1, 2, 3], "b": list("xyz")}, npartitions=2),
              pd.DataFrame({"a": [1, 2, 3], "b": list("xyz")}))


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_delayed_roundtrip(pdf, scheduler):
    df = pdd.from_pandas(pdf, npartitions=3)
    parts = df.to_delayed()
    assert len(parts) == 3 and all(isinstance(p, plait.Delayed) for p in parts)
    back = pdd.from_delayed(parts, meta=df._meta, divisions=df.divisions)
    assert_eq(back, pdf, scheduler)
    assert_eq(pdd.from_delayed(parts), pdf, scheduler)


def test_from_delayed_meta_mismatch_names_the_partition(pdf):
    parts = [plait.delayed(pdf.iloc[:5].copy)(), plait.delayed(pdf.iloc[5:10][["x"]].copy)()]
    df = pdd.from_delayed(parts, meta=pdf)
    with pytest.raises(ValueError, match=r"partition 1 of from_delayed does not match its "
                                         r"metadata: its columns are \['x'\]"):
        df.compute(scheduler="sync")
    with pytest.raises(TypeError, match="item 0 is a int, not a Delayed"):
        pdd.from_delayed([1])


def test_bad_combined_date_names_file_and_line(tmp_path):
    (tmp_path / "a.csv").write_text("y,m,d,v\n2013,1,5,1\n2013,2,30,2\n")
    df = pdd.read_csv(str(tmp_path / "a.csv"), parse_dates={"Date": [0, 1, 2]}, sample=12)
    with pytest.raises(ValueError, match=r"a.csv, column 'Date' \(from 'y', 'm', 'd'\): line 3 "
                                         r"has '2013 2 30', which is not a date"):
        df.compute(scheduler="sync")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(-99, 99),
                          st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False)),
                          st.one_of(st.none(), st.text('ab ,"NAnul#-', max_size=5))),
                min_size=1, max_size=40),
       st.sampled_from([None, 60, 200]))
def test_read_csv_matches_pandas_on_text(tmp_path, rows, blocksize):
    """Whichever parser reads a block (pyarrow for text columns), the values
    are pandas' own."""
    frame = pd.DataFrame(rows, columns=["i", "f", "s"])
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    dtype = {"i": "int64", "f": "float64", "s": "str"}
    want = pd.read_csv(path, dtype=dtype)
    got = pdd.read_csv(str(path), dtype=dtype, blocksize=blocksize, sample=50)
    assert_eq(got, want, check_index=False)
    assert_eq(got.s, want.s, check_index=False)
