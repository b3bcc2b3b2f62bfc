"""Helpers to test code that uses plait.dataframe: compare with pandas, and
hypothesis strategies for frames with missing values, strings and dates."""
from __future__ import annotations

import numpy as np
import pandas as pd

SCHEDULERS = ("sync", "threads", "processes")


def assert_eq(got, want, scheduler="sync", check_index=True, sort=False, **kwargs):
    """Compute ``got`` (a plait collection, or a pandas object/value) and
    check it equals the pandas ``want``.

    ``sort`` compares rows in sorted order (for operations whose row order
    is not pandas'); ``check_index=False`` drops the indexes first.

    >>> import plait.dataframe as pdd
    >>> s = pd.Series([1, 2, 3])
    >>> assert_eq(pdd.from_pandas(s, npartitions=2) * 2, s * 2)
    """
    if hasattr(got, "__plait_graph__"):
        got = got.compute(scheduler=scheduler)
    if isinstance(want, (pd.DataFrame, pd.Series, pd.Index)):
        got, want = _prepare(got, check_index, sort), _prepare(want, check_index, sort)
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(got, want, **kwargs)
        elif isinstance(want, pd.Series):
            pd.testing.assert_series_equal(got, want, **kwargs)
        else:
            pd.testing.assert_index_equal(got, want, **kwargs)
        return
    if isinstance(want, float) and np.isnan(want):
        assert isinstance(got, float) and np.isnan(got), f"{got!r} != {want!r}"
        return
    if isinstance(want, (float, np.floating)):
        assert np.isclose(got, want, rtol=1e-9, atol=0), f"{got!r} != {want!r}"
        return
    assert got == want, f"{got!r} != {want!r}"


def _prepare(obj, check_index, sort):
    if isinstance(obj, pd.Index):
        return obj.sort_values() if sort else obj
    if sort:
        if isinstance(obj, pd.DataFrame):
            obj = obj.reset_index() if check_index and obj.index.name is not None else obj
            obj = obj.sort_values(list(obj.columns), kind="stable", na_position="last")
        else:
            obj = obj.sort_values(kind="stable", na_position="last")
    if not check_index or sort:
        obj = obj.reset_index(drop=True)
    return obj


def frames(min_rows=0, max_rows=40):
    """A hypothesis strategy: pandas DataFrames with an int column ``i``, a
    float column ``f`` with NaN, string columns ``s`` (with missing values)
    and ``k`` (a few keys), a bool column ``b`` and dates ``d`` with NaT.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3)
    ... @given(frames())
    ... def check(df):
    ...     assert list(df.columns) == ['i', 'f', 's', 'k', 'b', 'd']
    >>> check()
    """
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        n = draw(st.integers(min_rows, max_rows))
        ints = draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n))
        floats = draw(st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3, width=32)),
                               min_size=n, max_size=n))
        text = draw(st.lists(st.one_of(st.none(), st.text("abcxyz", max_size=3)),
                             min_size=n, max_size=n))
        keys = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
        bools = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        days = draw(st.lists(st.one_of(st.none(), st.integers(0, 60)), min_size=n, max_size=n))
        dates = [pd.NaT if d is None else pd.Timestamp("2013-01-01") + pd.Timedelta(days=d)
                 for d in days]
        return pd.DataFrame({
            "i": pd.Series(ints, dtype="int64"),
            "f": pd.Series([np.nan if x is None else x for x in floats], dtype="float64"),
            "s": pd.Series(text, dtype=object).astype("str" if _pandas3() else object),
            "k": pd.Series(keys, dtype=object).astype("str" if _pandas3() else object),
            "b": pd.Series(bools, dtype=bool),
            "d": pd.Series(dates, dtype="datetime64[ns]"),
        })

    return build()


def _pandas3():
    return int(pd.__version__.split(".")[0]) >= 3
