"""Moving rows between partitions: repartition, hash shuffles, set_index and
sort_values with divisions computed from the data.

A shuffle is two steps: a partition-wise split (each input partition into
``k`` pieces, fused with whatever came before it) and a gather (output
partition ``j`` concatenates piece ``j`` of every input).
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from plait.dataframe import utils
from plait.dataframe.blockwise import ColumnsStep
from plait.dataframe.expr import Blockwise, Layer
from plait.dataframe.reductions import split_by_hash, tree_reduce


class Gather(Layer):
    """Output partition ``j`` is the concatenation of piece ``j`` of every
    partition of ``pieces`` (whose partitions are lists of pieces)."""

    prefix = "shuffle"

    def __init__(self, pieces, nout, meta, divisions=None, finish=None, prefix=None):
        divisions = divisions or (None,) * (nout + 1)
        super().__init__((pieces, nout, finish), meta, divisions)
        if prefix is not None:
            self.prefix = prefix

    def _layer(self):
        pieces, nout, finish = self.operands
        inputs = [(pieces._name, i) for i in range(pieces.npartitions)]
        func = partial(_gather, finish) if finish is not None else _gather_plain
        return {(self._name, j): (func, inputs, j) for j in range(nout)}


def _gather_plain(parts, j):
    return utils.concat([p[j] for p in parts])


def _gather(finish, parts, j):
    return finish(utils.concat([p[j] for p in parts]))


def hash_shuffle(frame, on, npartitions=None):
    """``frame`` with equal values of columns ``on`` in the same partition.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'k': [1, 2, 1, 2], 'x': range(4)}), npartitions=2)
    >>> parts = hash_shuffle(df, ['k']).to_delayed()
    >>> sorted(sorted(set(p.compute().k)) for p in parts)
    [[1], [2]]
    """
    from plait.dataframe.core import new_collection

    npartitions = npartitions or frame.npartitions
    on = [on] if not isinstance(on, list) else on
    cols = utils.column_list(frame._meta)
    for c in on:
        if c not in cols:
            raise utils.missing_column_error(c, cols)
    split = Blockwise(partial(_split_on, on, npartitions), (frame.expr,), meta=None,
                      prefix="shuffle-split")
    return new_collection(Gather(split, npartitions, frame._meta))


def _split_on(on, n, part):
    return split_by_hash(part, n, on)


# ---------------------------------------------------------------- repartition

class Repartition(Layer):
    """Output partition ``j`` concatenates slices of input partitions:
    ``plan[j]`` is a list of (input partition, start row, stop row) or
    (input partition, label range) pieces."""

    prefix = "repartition"

    def __init__(self, frame, plan, divisions, by_label=False):
        super().__init__((frame, tuple(tuple(p) for p in plan), by_label), frame._meta,
                         divisions)

    def _layer(self):
        frame, plan, by_label = self.operands
        dsk = {}
        for j, pieces in enumerate(plan):
            items = []
            for i, lo, hi, right in pieces:
                if by_label:
                    items.append((_loc_slice, (frame._name, i), lo, hi, right))
                elif lo is None and hi is None:
                    items.append((frame._name, i))
                else:
                    items.append((_iloc_slice, (frame._name, i), lo, hi))
            dsk[(self._name, j)] = (utils.concat, items)
        return dsk


def _iloc_slice(part, lo, hi):
    return part.iloc[lo:hi]


def _loc_slice(part, lo, hi, right_inclusive):
    index = part.index
    start = index.searchsorted(lo, side="left") if lo is not None else 0
    stop = index.searchsorted(hi, side="right" if right_inclusive else "left") \
        if hi is not None else len(index)
    return part.iloc[start:stop]


def repartition(frame, npartitions=None, divisions=None, partition_size=None):
    """The same rows in ``npartitions`` partitions, at ``divisions``, or in
    partitions of about ``partition_size`` bytes.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> repartition(s, divisions=[0, 1, 3]).divisions
    (0, 1, 3)
    """
    given = [x is not None for x in (npartitions, divisions, partition_size)]
    if sum(given) != 1:
        raise ValueError("pass exactly one of npartitions=, divisions= and partition_size=")
    if divisions is not None:
        if not frame.known_divisions:
            raise ValueError("repartition(divisions=...) needs known divisions; use "
                             "set_index first")
        return repartition_divisions(frame, tuple(divisions))
    if partition_size is not None:
        return _repartition_size(frame, partition_size)
    if npartitions < 1:
        raise ValueError(f"npartitions must be at least 1, got {npartitions!r}")
    return repartition_npartitions(frame, npartitions)


def repartition_npartitions(frame, n):
    """``frame`` in ``n`` partitions: neighbours joined, or each split by rows.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> repartition_npartitions(s, 4).compute().tolist()
    [3, 1, 2, 1]
    """
    from plait.dataframe.core import new_collection

    old = frame.npartitions
    if n == old:
        return frame
    if n < old:
        bounds = [round(k * old / n) for k in range(n + 1)]
        plan = [[(i, None, None, False) for i in range(a, b)] for a, b in zip(bounds, bounds[1:])]
        divisions = tuple(frame.divisions[b] for b in bounds) if frame.known_divisions \
            else (None,) * (n + 1)
        return new_collection(Repartition(frame.expr, plan, divisions))
    return _split_partitions(frame, n)


def _split_partitions(frame, n):
    """More partitions: each input is cut into about n / old pieces by rows."""
    from plait.dataframe.core import new_collection

    old = frame.npartitions
    counts = [n // old + (1 if i < n % old else 0) for i in range(old)]
    split = Blockwise(_split_rows, (frame.expr, _PerCount(counts)), meta=None,
                      prefix="split-rows")
    pieces = []
    for i, k in enumerate(counts):
        pieces.extend((i, j) for j in range(k))
    return new_collection(_Pieces(split, pieces, frame._meta))


def _PerCount(counts):
    from plait.dataframe.expr import PerPartition

    return PerPartition(counts)


def _split_rows(part, k):
    bounds = np.linspace(0, len(part), k + 1).round().astype(int)
    return [part.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


class _Pieces(Layer):
    """Output partition ``m`` is piece ``pieces[m][1]`` of input ``pieces[m][0]``."""

    prefix = "split"

    def __init__(self, split, pieces, meta):
        super().__init__((split, tuple(pieces)), meta, (None,) * (len(pieces) + 1))

    def _layer(self):
        split, pieces = self.operands
        return {(self._name, m): (_pick, (split._name, i), j)
                for m, (i, j) in enumerate(pieces)}


def _pick(pieces, j):
    return pieces[j]


def repartition_divisions(frame, divisions):
    """``frame`` cut at new ``divisions`` (its own must be known).

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([3, 1, 2, 1]), npartitions=2)
    >>> [len(p.compute()) for p in repartition_divisions(s, (0, 2, 3)).to_delayed()]
    [2, 2]
    """
    from plait.dataframe.core import new_collection

    old = frame.divisions
    if divisions[0] > old[0] or divisions[-1] < old[-1]:
        raise ValueError(f"new divisions {divisions[0]!r}..{divisions[-1]!r} must cover "
                         f"the old range {old[0]!r}..{old[-1]!r}")
    nold, nnew = len(old) - 1, len(divisions) - 1
    plan = []
    for j in range(nnew):
        lo, hi = divisions[j], divisions[j + 1]
        last_out = j == nnew - 1
        pieces = []
        for i in range(nold):
            a, b = old[i], old[i + 1]
            last_in = i == nold - 1
            if (a < hi or (last_out and a <= hi)) and (lo < b or (last_in and lo <= b)):
                pieces.append((i, lo, hi, last_out))
        plan.append(pieces or [(0, lo, lo, False)])
    return new_collection(Repartition(frame.expr, plan, divisions, by_label=True))


def _repartition_size(frame, partition_size):
    sizes = frame.map_partitions(_memory, meta=("bytes", "int64")).compute().tolist()
    limit = _parse_bytes(partition_size)
    groups, current, total = [], [], 0
    for i, s in enumerate(sizes):
        if current and total + s > limit:
            groups.append(current)
            current, total = [], 0
        current.append(i)
        total += s
    groups.append(current)
    from plait.dataframe.core import new_collection

    plan = [[(i, None, None, False) for i in g] for g in groups]
    if frame.known_divisions:
        divisions = tuple(frame.divisions[g[0]] for g in groups) + (frame.divisions[-1],)
    else:
        divisions = (None,) * (len(groups) + 1)
    return new_collection(Repartition(frame.expr, plan, divisions))


def _memory(part):
    usage = part.memory_usage(deep=True)
    return int(usage.sum() if hasattr(usage, "sum") else usage)


def _parse_bytes(size):
    if isinstance(size, (int, np.integer)):
        return int(size)
    units = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20,
             "gib": 2**30, "b": 1}
    text = str(size).strip().lower().replace(" ", "")
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            return int(float(text[:-len(unit)]) * units[unit])
    return int(float(text))


# ---------------------------------------------------------------- set_index, sort_values

def _sample_chunk(values, q=100):
    """Evenly spaced sorted values of one partition, and its count."""
    values = values.dropna()
    if not len(values):
        return (values.iloc[:0], 0)
    ordered = values.sort_values(kind="stable").reset_index(drop=True)
    pos = np.unique(np.linspace(0, len(ordered) - 1, min(q, len(ordered))).round().astype(int))
    return (ordered.iloc[pos], len(ordered))


def _resample(values, weights, n, q=400):
    """Thin a weighted sorted sample back to about ``q`` values."""
    if len(values) <= q:
        return (values, n, weights)
    cum = np.cumsum(weights)
    picks = np.unique(np.searchsorted(cum / cum[-1], np.linspace(0, 1, q), side="left")
                      .clip(0, len(values) - 1))
    return (values.iloc[picks].reset_index(drop=True), n, np.full(len(picks), n / len(picks)))


def compute_divisions(series, npartitions):
    """Division values that cut ``series`` into about ``npartitions`` equal parts.

    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series(range(100)), npartitions=4, sort=False)
    >>> compute_divisions(s, 2)
    [0, 50, 99]
    """
    from plait.dataframe.core import new_collection

    expr = tree_reduce(series.expr, _sample_chunk, _sample_merge,
                       partial(_sample_divisions, npartitions), pd.Series([], dtype=object),
                       None, prefix="divisions")
    return new_collection(expr).compute()


def _sample_merge(partials):
    """Merge (values, count[, weights]) samples into one weighted sample."""
    items = []
    for p in partials:
        values, n = p[0], p[1]
        if not n:
            continue
        w = p[2] if len(p) == 3 else np.full(len(values), n / len(values))
        items.append((values, n, w))
    if not items:
        return partials[0]
    values = pd.concat([v for v, _, _ in items], ignore_index=True)
    weights = np.concatenate([w for _, _, w in items])
    order = np.argsort(values.to_numpy(), kind="stable")
    values = values.iloc[order].reset_index(drop=True)
    return _resample(values, weights[order], sum(n for _, n, _ in items))


def _sample_divisions(npartitions, merged):
    values, n = merged[0], merged[1]
    if not n:
        return []
    weights = merged[2] if len(merged) == 3 else np.ones(len(values))
    cum = np.cumsum(weights)
    cum = (cum - weights / 2) / cum[-1]  # the middle of each value's weight
    targets = np.linspace(0, 1, npartitions + 1)[1:-1]
    picks = np.searchsorted(cum, targets, side="left").clip(0, len(values) - 1)
    out = [values.iloc[0]] + [values.iloc[i] for i in picks] + [values.iloc[-1]]
    unique = []
    for v in out:
        if not unique or v > unique[-1]:
            unique.append(v)
    if len(unique) == 1:
        unique.append(unique[0])
    return [v.item() if isinstance(v, np.generic) else v for v in unique]


def _range_split(divisions, column, ascending, na_position, part):
    """Pieces of ``part`` by which division range its ``column`` (or index)
    values fall in; missing values go to the last (or first) piece."""
    values = np.asarray(part.index if column is None else part[column])
    n = len(divisions) - 1
    missing = pd.isna(values)
    ok = ~missing
    inner = np.asarray(divisions[1:-1], dtype=values.dtype if values.dtype.kind in "iufMm"
                       else object)
    codes = np.empty(len(values), dtype=np.int64)
    codes[ok] = np.searchsorted(inner, values[ok], side="right")
    if not ascending:
        codes = n - 1 - codes
    codes[missing] = n - 1 if na_position == "last" else 0
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    return [part.iloc[order[bounds[j]:bounds[j + 1]]] for j in range(n)]


def _finish_index(column, drop, part):
    return part.set_index(column, drop=drop).sort_index(kind="stable")


def set_index(frame, column, drop=True, sorted=False, npartitions=None, divisions=None):
    """``frame`` indexed by ``column``, sorted, with known divisions.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'k': [3, 1, 2, 0], 'x': range(4)}), npartitions=2)
    >>> out = df.set_index('k')
    >>> out.divisions, out.compute().index.tolist()
    ((0, 2, 3), [0, 1, 2, 3])
    """
    from plait.dataframe.core import Series, new_collection

    if isinstance(column, Series):
        raise TypeError("set_index takes a column name; assign the Series as a column first")
    cols = utils.column_list(frame._meta)
    if column not in cols:
        raise utils.missing_column_error(column, cols)
    meta = frame._meta.set_index(column, drop=drop)
    if sorted:
        return _set_sorted_index(frame, column, drop, meta)
    npartitions = npartitions or frame.npartitions
    if divisions is None:
        divisions = compute_divisions(frame[column], npartitions)
    if not divisions:
        return frame.map_partitions(partial(_finish_index, column, drop), meta=meta,
                                    clear_divisions=True)
    split = ColumnsStep(partial(_range_split, tuple(divisions), column, True, "last"),
                        (frame.expr,), meta=None, prefix="set-index-split")
    expr = Gather(split, len(divisions) - 1, meta, divisions=tuple(divisions),
                  finish=partial(_finish_index, column, drop), prefix="set-index")
    return new_collection(expr)


def _set_sorted_index(frame, column, drop, meta):
    from plait.dataframe.core import new_collection

    indexed = frame.map_partitions(partial(_finish_index, column, drop), meta=meta,
                                   clear_divisions=True)
    bounds = frame[column].map_partitions(_min_max, meta=("bounds", object)).compute()
    pairs = [b for b in bounds.tolist()]
    for (lo_a, hi_a), (lo_b, _) in zip(pairs, pairs[1:]):
        if lo_b < hi_a:
            raise ValueError(f"set_index(sorted=True): column {column!r} is not sorted "
                             f"across partitions ({lo_b!r} follows {hi_a!r})")
    divisions = tuple(p[0] for p in pairs) + (pairs[-1][1],)
    expr = indexed.expr
    expr.divisions = divisions
    return new_collection(expr)


def _min_max(s):
    return pd.Series([(s.min(), s.max())], dtype=object)


def _finish_sort(by, ascending, na_position, part):
    return part.sort_values(by, ascending=ascending, na_position=na_position, kind="stable")


def sort_values(frame, by, ascending=True, npartitions=None, na_position="last"):
    """Rows sorted by ``by`` (a column or list) across partitions: ranges of
    the first column, from its quantiles, go to successive partitions.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': [3, 1, 2, 0]}), npartitions=2)
    >>> df.sort_values('x').compute().x.tolist()
    [0, 1, 2, 3]
    """
    from plait.dataframe.core import new_collection

    by_list = by if isinstance(by, list) else [by]
    cols = utils.column_list(frame._meta)
    for c in by_list:
        if c not in cols:
            raise utils.missing_column_error(c, cols)
    if not isinstance(ascending, bool):
        raise ValueError("sort_values takes one ascending= for all columns")
    npartitions = npartitions or frame.npartitions
    divisions = compute_divisions(frame[by_list[0]], npartitions)
    finish = partial(_finish_sort, by, ascending, na_position)
    if not divisions:
        return frame.repartition(npartitions=1).map_partitions(finish, meta=frame._meta)
    split = ColumnsStep(partial(_range_split, tuple(divisions), by_list[0], ascending,
                                na_position), (frame.expr,), meta=None, prefix="sort-split")
    expr = Gather(split, len(divisions) - 1, frame._meta, finish=finish, prefix="sort-values")
    return new_collection(expr)


class LocIndexer:
    """``df.loc[label]`` and ``df.loc[lo:hi]`` on an index with known divisions
    (only the partitions that can hold the labels are read)."""

    def __init__(self, frame):
        self.frame = frame

    def __getitem__(self, key):
        frame = self.frame
        if isinstance(key, tuple):
            rows, cols = key
            return self[rows][cols]
        if isinstance(key, slice):
            if key.step is not None:
                raise ValueError(".loc slices take no step")
            return _loc_range(frame, key.start, key.stop)
        return _loc_range(frame, key, key)


def _loc_range(frame, lo, hi):
    from plait.dataframe.core import new_collection
    from plait.dataframe.expr import Partitions

    if frame.known_divisions:
        div = frame.divisions
        n = frame.npartitions
        first = 0 if lo is None else max(0, int(np.searchsorted(div[1:-1], lo, side="right")))
        last = n - 1 if hi is None else min(n - 1, int(np.searchsorted(div[1:-1], hi,
                                                                         side="right")))
        frame = new_collection(Partitions(frame.expr, range(first, last + 1)))
    return frame.map_partitions(_loc_part, lo, hi, meta=frame._meta)


def _loc_part(part, lo, hi):
    return part.loc[lo:hi]
