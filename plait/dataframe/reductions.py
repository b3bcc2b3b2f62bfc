"""Reductions as trees: a chunk step per partition (fused with the steps
before it), combine steps over ``split_every`` results at a time, and one
aggregate step.

Each reduction is three small functions over pandas objects: ``chunk``
(partition -> partial), ``combine`` (list of partials -> partial) and
``finalize`` (partial -> result). Partials are plain values or tuples, so
they pickle cheaply between processes.
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from plait import config
from plait.dataframe import utils
from plait.dataframe.blockwise import Columnless
from plait.dataframe.expr import Blockwise, Layer, Partitions


class TreeReduce(Layer):
    """Reduce the partitions of ``chunks`` (already partial results) with a
    tree: ``combine`` over ``split_every`` at a time, then ``aggregate``.

    With ``split_out > 1`` each chunk is a list of ``split_out`` pieces and
    piece ``j`` of every chunk reduces to output partition ``j``.
    """

    prefix = "reduce"

    def __init__(self, chunks, combine, aggregate, meta, split_every=None, split_out=1,
                 prefix=None):
        split_every = split_every or config.get("dataframe.split_every", 8) or 8
        if split_every < 2:
            raise ValueError(f"split_every must be at least 2, got {split_every!r}")
        super().__init__((chunks, combine, aggregate, split_every, split_out), meta,
                         (None,) * (split_out + 1))
        if prefix is not None:
            self.prefix = prefix

    def _layer(self):
        chunks, combine, aggregate, split_every, split_out = self.operands
        dsk, name = {}, self._name
        for j in range(split_out):
            keys = [(chunks._name, i) for i in range(chunks.npartitions)]
            if split_out > 1:
                keys = [(_piece, k, j) for k in keys]
            level = 0
            while len(keys) > split_every:
                batches = [keys[b:b + split_every] for b in range(0, len(keys), split_every)]
                keys = []
                for b, batch in enumerate(batches):
                    key = (f"{name}-combine-{level}", j, b)
                    dsk[key] = (combine, batch)
                    keys.append(key)
                level += 1
            dsk[(name, j)] = (aggregate, keys)
        return dsk


def _piece(pieces, j):
    return pieces[j]


def tree_reduce(frame_expr, chunk, combine, finalize, meta, split_every=None,
                chunk_kwargs=None, prefix="reduce", columns_free=False, split_out=1):
    """The expression reducing ``frame_expr`` with chunk/combine/finalize.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> from plait.dataframe.core import new_collection
    >>> e = tree_reduce(s.expr, len, sum, lambda n: n * 10, 0)
    >>> new_collection(e).compute()
    40
    """
    step = Columnless if columns_free else Blockwise
    chunks = step(chunk, (frame_expr,), chunk_kwargs, meta=None, prefix=f"{prefix}-chunk")
    return TreeReduce(chunks, combine, partial(_aggregate, combine, finalize), meta,
                      split_every=split_every, split_out=split_out, prefix=prefix)


def _aggregate(combine, finalize, partials):
    return finalize(combine(partials))


# ---------------------------------------------------------------- Series reductions

def _simple_chunk(part, name, skipna):
    if not len(part):
        return None
    return getattr(part, name)(skipna=skipna)


def _simple_combine(name, skipna, partials):
    values = [p for p in partials if p is not None]
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return getattr(pd.Series(values), name)(skipna=skipna)


def _simple_finalize(empty, name, skipna, value):
    if value is None:
        return getattr(empty, name)(skipna=skipna)
    return value


def _count_chunk(part):
    return part.count()


def _sum_partials(partials):
    return sum(partials)


def _identity(x):
    return x


def _mean_chunk(part, skipna):
    return (part.sum(skipna=skipna), part.count() if skipna else len(part))


def _mean_combine(partials):
    partials = list(partials)
    return (sum(p[0] for p in partials), sum(p[1] for p in partials))


def _mean_finalize(value):
    total, count = value
    return np.float64(total / count) if count else np.float64(np.nan)


def _moments_chunk(part, skipna):
    """(count, mean, sum of squared deviations) of a numeric Series."""
    values = part.to_numpy(dtype="float64", na_value=np.nan)
    if skipna:
        values = values[~np.isnan(values)]
    n = len(values)
    if not n:
        return (0, 0.0, 0.0)
    mean = values.mean()
    return (n, mean, float(((values - mean) ** 2).sum()))


def _moments_combine(partials):
    """Chan et al.'s pairwise merge of (count, mean, M2)."""
    n, mean, m2 = 0, 0.0, 0.0
    for nb, mb, m2b in partials:
        if not nb:
            continue
        total = n + nb
        delta = mb - mean
        mean = mean + delta * nb / total
        m2 = m2 + m2b + delta * delta * n * nb / total
        n = total
    return (n, mean, m2)


def _var_finalize(ddof, value):
    n, _, m2 = value
    return np.float64(m2 / (n - ddof)) if n - ddof > 0 else np.float64(np.nan)


def _std_finalize(ddof, value):
    return np.float64(math.sqrt(_var_finalize(ddof, value)))


def _drop_duplicates(part):
    return part.drop_duplicates()


def _concat_unique(partials):
    return utils.concat(list(partials)).drop_duplicates()


def _nunique_finalize(dropna, value):
    return value.nunique(dropna=dropna)


SIMPLE = ("sum", "prod", "min", "max", "any", "all")


def series_reduction(name, empty, skipna=True, ddof=1):
    """(chunk, combine, finalize) for reduction ``name`` of a Series whose
    meta is ``empty``.

    >>> import pandas as pd
    >>> chunk, combine, finalize = series_reduction('mean', pd.Series([], dtype=float))
    >>> float(finalize(combine([chunk(pd.Series([1.0, 2.0])), chunk(pd.Series([6.0]))])))
    3.0
    """
    if name in SIMPLE:
        return (partial(_simple_chunk, name=name, skipna=skipna),
                partial(_simple_combine, name, skipna),
                partial(_simple_finalize, empty, name, skipna))
    if name == "count":
        return _count_chunk, _sum_partials, _identity
    if name == "mean":
        return partial(_mean_chunk, skipna=skipna), _mean_combine, _mean_finalize
    if name in ("var", "std"):
        fin = _var_finalize if name == "var" else _std_finalize
        return partial(_moments_chunk, skipna=skipna), _moments_combine, partial(fin, ddof)
    raise ValueError(f"unknown reduction {name!r}")


# ---------------------------------------------------------------- DataFrame reductions

class _PerColumn:
    """Run a Series reduction on every column; partials are dicts (with the
    row count, so an empty frame gives pandas' own empty result)."""

    def __init__(self, columns, parts, empty_result, dtypes=None):
        self.columns = list(columns)
        self.parts = parts
        self.empty_result = empty_result
        self.dtypes = dtypes or {}

    def chunk(self, frame):
        out = {c: self.parts[c][0](frame[c]) for c in self.columns}
        out[_ROWS] = len(frame)
        return out

    def combine(self, partials):
        partials = list(partials)
        out = {c: self.parts[c][1]([p[c] for p in partials]) for c in self.columns}
        out[_ROWS] = sum(p[_ROWS] for p in partials)
        return out

    def finalize(self, value):
        if not value[_ROWS] and self.empty_result is not None:
            return self.empty_result
        # one Series per column, concatenated: pandas' rule for the common dtype
        pieces = [_one(self.parts[c][2](value[c]), c, self.dtypes.get(c))
                  for c in self.columns]
        return pd.concat(pieces) if pieces else self.empty_result


def _one(value, label, dtype):
    """A one-value Series with the dtype pandas gives this column's result."""
    if dtype is not None:
        try:
            return pd.Series([value], index=[label], dtype=dtype)
        except (TypeError, ValueError):
            pass
    return pd.Series([value], index=[label])


def _result_dtypes(meta, name, kwargs):
    """{column: dtype of pandas' reduction ``name`` of that column}."""
    sample = utils.meta_nonempty(meta)
    out = {}
    for c in meta.columns:
        try:
            out[c] = pd.Series([getattr(sample[c], name)(**kwargs)]).dtype
        except (TypeError, ValueError):
            out[c] = None
    return out


_ROWS = ("__rows__",)


def reduce_frame(frame, name, skipna=True, split_every=None, ddof=1, numeric_only=False,
                 axis=None):
    """A Scalar (for a Series) or a one-partition Series (for a DataFrame)
    with reduction ``name``.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2], 'b': [3.0, 4.0]}), npartitions=2)
    >>> df.sum().compute().tolist()
    [3.0, 7.0]
    """
    from plait.dataframe.core import new_collection

    if axis not in (None, 0, "index"):
        raise ValueError("only reductions over the rows (axis=0) are supported; use "
                         "map_partitions for row-wise reductions")
    meta = frame._meta
    if isinstance(meta, pd.DataFrame) and numeric_only:
        frame = frame.select_dtypes(include="number")
        meta = frame._meta
    kwargs = {} if name == "count" else {"skipna": skipna}
    if name in ("var", "std"):
        kwargs["ddof"] = ddof
    try:
        result_meta = getattr(utils.meta_nonempty(meta), name)(**kwargs)
    except TypeError as e:
        raise TypeError(f"{name}() is not defined for these dtypes: {e}") from e
    if isinstance(meta, pd.DataFrame):
        parts = {c: series_reduction(name, meta[c], skipna, ddof) for c in meta.columns}
        per = _PerColumn(meta.columns, parts, getattr(meta, name)(**kwargs),
                         _result_dtypes(meta, name, kwargs))
        expr = tree_reduce(frame.expr, per.chunk, per.combine, per.finalize,
                           utils.make_meta(result_meta), split_every, prefix=name)
        return new_collection(expr)
    chunk, combine, finalize = series_reduction(name, meta, skipna, ddof)
    expr = tree_reduce(frame.expr, chunk, combine, finalize, result_meta, split_every,
                       prefix=name)
    return new_collection(expr)


def length(frame, split_every=None):
    """The number of rows, lazily (``len(df)`` computes it).

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> length(s).compute()
    4
    """
    from plait.dataframe.core import Scalar

    expr = tree_reduce(frame.expr, len, _sum_partials, _identity, np.int64(0),
                       split_every, prefix="len", columns_free=True)
    return Scalar(expr)


def size(frame):
    """Rows times columns, lazily.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> size(s).compute()
    4
    """
    from plait.dataframe.core import Scalar

    ncols = len(frame._meta.columns) if isinstance(frame._meta, pd.DataFrame) else 1
    expr = tree_reduce(frame.expr, len, _sum_partials, partial(_times, ncols), np.int64(0),
                       None, prefix="size", columns_free=True)
    return Scalar(expr)


def _times(k, n):
    return n * k


def nunique(frame, dropna=True, split_every=None):
    """The number of distinct values (per column for a DataFrame).

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> nunique(s).compute()
    3
    """
    from plait.dataframe.core import new_collection

    meta = frame._meta
    fin = partial(_nunique_finalize, dropna)
    if isinstance(meta, pd.DataFrame):
        parts = {c: (_drop_duplicates, _concat_unique, fin) for c in meta.columns}
        per = _PerColumn(meta.columns, parts, meta.nunique(dropna=dropna))
        result_meta = pd.Series([], dtype="int64")
        return new_collection(tree_reduce(frame.expr, per.chunk, per.combine, per.finalize,
                                          result_meta, split_every, prefix="nunique"))
    return new_collection(tree_reduce(frame.expr, _drop_duplicates, _concat_unique, fin,
                                      np.int64(0), split_every, prefix="nunique"))


# ---------------------------------------------------------------- whole-result reductions

def _concat_list(partials):
    return utils.concat(list(partials))


def _describe(percentiles, value):
    return value.describe(percentiles=percentiles)


def describe(frame, percentiles=None, split_every=None):
    """pandas' describe on the columns it summarizes; the percentiles are
    exact, so those columns' values are gathered into one task.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> describe(s).compute()['50%']
    np.float64(1.5)
    """
    from plait.dataframe.core import new_collection

    meta = frame._meta
    if isinstance(meta, pd.DataFrame):
        cols = list(meta.select_dtypes(include="number").columns) or list(meta.columns)
        frame = frame[cols]
    result_meta = utils.make_meta(utils.meta_nonempty(frame._meta).describe(
        percentiles=percentiles))
    expr = tree_reduce(frame.expr, _identity, _concat_list,
                       partial(_describe, percentiles), result_meta, split_every,
                       prefix="describe")
    return new_collection(expr)


def _value_counts_chunk(part, dropna):
    return part.value_counts(dropna=dropna, sort=False)


def _value_counts_combine(dropna, partials):
    parts = [p for p in partials if len(p)]
    if not parts:
        return partials[0]
    if len(parts) == 1:
        return parts[0]
    joined = pd.concat(parts)
    return joined.groupby(level=0, sort=False, dropna=False).sum()


def _value_counts_finalize(sort, ascending, normalize, value):
    if normalize:
        value = value / value.sum()
        value.name = "proportion"
    if sort:
        value = value.sort_values(ascending=ascending, kind="stable")
    return value


def value_counts(series, sort=True, ascending=False, dropna=True, normalize=False,
                 split_every=None, split_out=1):
    """Counts of distinct values (a one-partition Series unless ``split_out``).

    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series(list('abbccc')), npartitions=3)
    >>> s.value_counts().compute().to_dict()
    {'c': 3, 'b': 2, 'a': 1}
    """
    from plait.dataframe.core import new_collection

    meta = utils.make_meta(utils.meta_nonempty(series._meta).value_counts(
        dropna=dropna, normalize=normalize))
    chunk = partial(_value_counts_chunk, dropna=dropna)
    if split_out > 1:
        chunk = partial(_split_chunk, chunk, split_out)
    combine = partial(_value_counts_combine, dropna)
    fin = partial(_value_counts_finalize, sort, ascending, normalize)
    return new_collection(tree_reduce(series.expr, chunk, combine, fin, meta, split_every,
                                      prefix="value-counts", split_out=split_out))


def _split_chunk(chunk, n, part, **kwargs):
    return split_by_hash(chunk(part, **kwargs), n)


def split_by_hash(obj, n, columns=None):
    """``obj`` split into ``n`` pieces by a hash of its index (or of
    ``columns``); equal keys land in the same piece even when their dtypes
    differ (1 and 1.0), so two frames can be split alike for a join.

    >>> sorted(len(p) for p in split_by_hash(pd.Series([1, 2, 3], index=[1, 1, 1]), 2))
    [0, 3]
    """
    if columns is None:
        index = obj.index
        keys = [index.get_level_values(i) for i in range(index.nlevels)]
    else:
        keys = [obj[c] for c in columns]
    codes = (hash_keys(keys) % np.uint64(n)).astype(np.int64)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    return [obj.iloc[order[bounds[j]:bounds[j + 1]]] for j in range(n)]


def hash_keys(keys):
    """A uint64 hash per row of the key columns ``keys`` (arrays or Series):
    numbers hash by value as float64, everything else as Python objects.

    >>> bool((hash_keys([pd.Series([1, 2])]) == hash_keys([pd.Series([1.0, 2.0])])).all())
    True
    """
    out = None
    for k in keys:
        values = np.asarray(k)
        if values.dtype.kind in "iufb":
            h = pd.util.hash_array(values.astype("float64"))
        elif values.dtype.kind in "mM":
            unit = "M8[ns]" if values.dtype.kind == "M" else "m8[ns]"
            h = pd.util.hash_array(values.astype(unit).view("int64"))
        else:
            h = pd.util.hash_array(values.astype(object))
        out = h if out is None else (out * np.uint64(1000003)) ^ h
    return out


def _unique_finalize(name, value):
    return value.reset_index(drop=True).rename(name)


def unique(series, split_every=None):
    """The distinct values of a Series, in order of first appearance.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> unique(s).compute().tolist()
    [3, 1, 2]
    """
    from plait.dataframe.core import new_collection

    meta = series._meta.reset_index(drop=True)
    fin = partial(_unique_finalize, series._meta.name)
    return new_collection(tree_reduce(series.expr, _drop_duplicates, _concat_unique, fin,
                                      meta, split_every, prefix="unique"))


def _dedup(subset, keep, part):
    if isinstance(part, pd.Series):
        return part.drop_duplicates(keep=keep)
    return part.drop_duplicates(subset=subset, keep=keep)


def _dedup_combine(subset, keep, partials):
    return _dedup(subset, keep, utils.concat(list(partials)))


def _dedup_finalize(ignore_index, value):
    return value.reset_index(drop=True) if ignore_index else value


def drop_duplicates(frame, subset=None, keep="first", split_every=None, split_out=1,
                    ignore_index=False):
    """Rows without repeats (one partition, or ``split_out`` by hash).

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> drop_duplicates(s).compute().tolist()
    [3, 1, 2]
    """
    from plait.dataframe.core import new_collection

    if keep not in ("first", "last"):
        raise ValueError(f"keep must be 'first' or 'last' for a partitioned frame, "
                         f"got {keep!r}")
    if isinstance(subset, str):
        subset = [subset]
    if subset is not None:
        missing = [c for c in subset if c not in frame._meta.columns]
        if missing:
            raise utils.missing_column_error(missing[0], list(frame._meta.columns))
    chunk = partial(_dedup, subset, keep)
    if split_out > 1:
        hash_cols = subset if subset is not None else (
            list(frame._meta.columns) if isinstance(frame._meta, pd.DataFrame) else None)
        chunk = partial(_split_frame_chunk, chunk, split_out, hash_cols)
    expr = tree_reduce(frame.expr, chunk, partial(_dedup_combine, subset, keep),
                       partial(_dedup_finalize, ignore_index), frame._meta, split_every,
                       prefix="drop-duplicates", split_out=split_out)
    return new_collection(expr)


def _split_frame_chunk(chunk, n, columns, part):
    out = chunk(part)
    if columns is None:
        return _split_values(out, n)
    return split_by_hash(out, n, columns)


def _split_values(series, n):
    codes = hash_keys([series]) % np.uint64(n)
    return [series[codes == j] for j in range(n)]


# ---------------------------------------------------------------- head and tail

def head(frame, n=5, npartitions=1, compute=True):
    """The first ``n`` rows, computing more partitions only while short.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> head(s, 3).tolist()
    [3, 1, 2]
    """
    from plait.dataframe.core import new_collection

    total = frame.npartitions
    npartitions = total if npartitions == -1 else npartitions
    if npartitions > total:
        raise ValueError(f"head(npartitions={npartitions}) but the collection has only "
                         f"{total} partitions")
    selected = new_collection(Partitions(frame.expr, range(npartitions)))
    lazy = selected.map_partitions(_head, n, meta=frame._meta, prefix="head")
    if not compute:
        return _head_all(lazy, n)
    result = lazy.compute().head(n)
    done = npartitions
    while len(result) < n and done < total:
        more = min(total, done + max(done, 1))
        part = new_collection(Partitions(frame.expr, range(done, more)))
        extra = part.map_partitions(_head, n - len(result), meta=frame._meta,
                                    prefix="head").compute()
        result = utils.concat([result, extra]).head(n)
        done = more
    return result


def _head(part, n):
    return part.head(n)


def _head_all(lazy, n):
    from plait.dataframe.core import new_collection

    expr = tree_reduce(lazy.expr, _identity, _concat_list, partial(_head, n=n),
                       lazy._meta, None, prefix="head-all")
    return new_collection(expr)


def tail(frame, n=5, compute=True):
    """The last ``n`` rows, computing earlier partitions only while short.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> tail(s, 3).tolist()
    [1, 2, 1]
    """
    from plait.dataframe.core import new_collection

    total = frame.npartitions
    last = new_collection(Partitions(frame.expr, [total - 1]))
    if not compute:
        return last.map_partitions(_tail, n, meta=frame._meta, prefix="tail")
    result = last.compute().tail(n)
    start = total - 1
    while len(result) < n and start > 0:
        lo = max(0, start - max(total - start, 1))
        part = new_collection(Partitions(frame.expr, range(lo, start))).compute()
        result = utils.concat([part, result]).tail(n)
        start = lo
    return result


def _tail(part, n):
    return part.tail(n)
