"""Metadata helpers: empty and tiny stand-ins for pandas objects, checks."""
from __future__ import annotations

import numpy as np
import pandas as pd

PANDAS_GE_3 = int(pd.__version__.split(".")[0]) >= 3


def make_meta(x):
    """An empty pandas object like ``x`` (a frame, series or index); scalars
    and other objects are returned as they are.

    >>> make_meta(pd.DataFrame({'a': [1, 2]})).dtypes.to_dict()
    {'a': dtype('int64')}
    """
    if isinstance(x, (pd.DataFrame, pd.Series)):
        return x.iloc[:0]
    if isinstance(x, pd.Index):
        return x[:0]
    return x


def _nonempty_values(dtype, n=2):
    """``n`` values of ``dtype`` (not missing)."""
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if len(cats):
            return pd.Categorical([cats[0]] * n, dtype=dtype)
        return pd.Categorical(["a"] * n, categories=["a"], ordered=dtype.ordered)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return pd.array([pd.Timestamp("2000-01-01", tz=dtype.tz)] * n, dtype=dtype)
    if isinstance(dtype, np.dtype):
        kind = dtype.kind
        if kind == "M":
            return np.array(["2000-01-01"] * n, dtype="M8[s]").astype(dtype)
        if kind == "m":
            return np.array([1] * n, dtype="m8[D]").astype(dtype)
        if kind == "b":
            return np.array([True, False] * n)[:n]
        if kind in "iufc":
            return np.ones(n, dtype=dtype)
        if kind in "OSU":
            return np.array(["foo", "bar"] * n, dtype=object)[:n]
    try:
        if pd.api.types.is_bool_dtype(dtype):
            return pd.array([True, False] * n, dtype=dtype)[:n]
        if pd.api.types.is_numeric_dtype(dtype):
            return pd.array([1] * n, dtype=dtype)
        if pd.api.types.is_string_dtype(dtype):
            return pd.array(["foo", "bar"] * n, dtype=dtype)[:n]
        return pd.array([dtype.na_value] * n, dtype=dtype)
    except (TypeError, ValueError):
        return pd.array([None] * n, dtype=object)


def _nonempty_index(index, n=2):
    if isinstance(index, pd.MultiIndex):
        levels = [_nonempty_index(lv, n) for lv in index.levels]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(n, name=index.name)
    return pd.Index(_nonempty_values(index.dtype, n), name=index.name)


def meta_nonempty(meta):
    """A two-row pandas object with ``meta``'s columns, dtypes and index type,
    to run functions on when an empty object would mislead them.

    >>> meta_nonempty(pd.DataFrame({'a': pd.Series([], dtype='int64')}))
       a
    0  1
    1  1
    """
    if isinstance(meta, pd.DataFrame):
        index = _nonempty_index(meta.index)
        data = {i: _nonempty_values(dt) for i, dt in enumerate(meta.dtypes)}
        out = pd.DataFrame(data, index=index)
        out.columns = meta.columns
        return out
    if isinstance(meta, pd.Series):
        return pd.Series(_nonempty_values(meta.dtype), index=_nonempty_index(meta.index),
                         name=meta.name)
    if isinstance(meta, pd.Index):
        return _nonempty_index(meta)
    return meta


def emulate(func, *args, **kwargs):
    """The meta of ``func``'s result, found by running it on tiny stand-ins of
    the arguments (their metas, made non-empty).

    >>> emulate(lambda df: df.a + 0.5, pd.DataFrame({'a': [1]}).iloc[:0]).dtype
    dtype('float64')
    """
    args = [meta_nonempty(a) if isinstance(a, (pd.DataFrame, pd.Series, pd.Index)) else a
            for a in args]
    return make_meta(func(*args, **kwargs))


def kind_of(x):
    """'DataFrame', 'Series', 'Index' or 'scalar'.

    >>> kind_of(pd.Series([1])), kind_of(3)
    ('Series', 'scalar')
    """
    if isinstance(x, pd.DataFrame):
        return "DataFrame"
    if isinstance(x, pd.Series):
        return "Series"
    if isinstance(x, pd.Index):
        return "Index"
    return "scalar"


def describe_mismatch(result, meta):
    """Why ``result`` does not match ``meta`` (None when it does).

    >>> describe_mismatch(pd.Series([1]), pd.DataFrame({'a': []}))
    'it is a Series but the meta is a DataFrame'
    """
    rk, mk = kind_of(result), kind_of(meta)
    if rk != mk:
        return f"it is a {rk} but the meta is a {mk}"
    if rk == "DataFrame":
        if list(result.columns) != list(meta.columns):
            return (f"its columns are {list(result.columns)} but the meta's are "
                    f"{list(meta.columns)}")
        if len(result):
            bad = [f"{c!r}: {result.dtypes.iloc[i]} (meta {meta.dtypes.iloc[i]})"
                   for i, c in enumerate(result.columns)
                   if not _same_kind(result.dtypes.iloc[i], meta.dtypes.iloc[i])]
            if bad:
                return "its dtypes differ: " + ", ".join(bad)
    if rk == "Series" and len(result) and not _same_kind(result.dtype, meta.dtype):
        return f"its dtype is {result.dtype} but the meta's is {meta.dtype}"
    return None


def _same_kind(a, b):
    if a == b:
        return True
    strings = (pd.api.types.is_string_dtype, pd.api.types.is_object_dtype)
    return any(f(a) for f in strings) and any(f(b) for f in strings) and \
        not isinstance(a, pd.CategoricalDtype) and not isinstance(b, pd.CategoricalDtype)


def check_meta(result, meta, where):
    """``result`` if it matches ``meta``; else a ValueError naming ``where``
    (e.g. 'partition 3 of map_partitions(func)').

    >>> check_meta(pd.Series([1.5]), pd.Series([], dtype=int), 'partition 0')
    Traceback (most recent call last):
    ...
    ValueError: partition 0 does not match its metadata: its dtype is float64 but the meta's is int64. Pass meta= describing what the function really returns.
    """
    problem = describe_mismatch(result, meta)
    if problem is not None:
        raise ValueError(f"{where} does not match its metadata: {problem}. "
                         f"Pass meta= describing what the function really returns.")
    return result


def concat(parts):
    """Concatenate partitions (frames, series or indexes), keeping dtypes
    when some are empty.

    >>> concat([pd.Series([1]), pd.Series([2])]).tolist()
    [1, 2]
    """
    parts = list(parts)
    if not parts:
        raise ValueError("nothing to concatenate")
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], pd.Index):
        out = parts[0]
        return out.append(parts[1:])
    nonempty = [p for p in parts if len(p)]
    if not nonempty:
        return parts[0]
    if len(nonempty) == 1:
        return nonempty[0]
    return pd.concat(nonempty)


def column_list(meta):
    """The column labels of a DataFrame meta, [] for anything else.

    >>> column_list(pd.DataFrame({'a': []})), column_list(pd.Series([]))
    (['a'], [])
    """
    return list(meta.columns) if isinstance(meta, pd.DataFrame) else []


def missing_column_error(key, columns):
    """A KeyError naming the missing column and the existing ones.

    >>> missing_column_error('z', ['a', 'b'])
    KeyError("column 'z' not found; the columns are: 'a', 'b'")
    """
    shown = ", ".join(repr(c) for c in columns[:50])
    more = f" (and {len(columns) - 50} more)" if len(columns) > 50 else ""
    return KeyError(f"column {key!r} not found; the columns are: {shown}{more}")
