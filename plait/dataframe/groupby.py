"""Grouped aggregations as tree reductions.

Each partition is grouped and reduced to *partials* (per group: sums,
counts, minima, ..., or (count, mean, M2) for variances); ``split_every``
partials at a time are merged; the last merge turns them into the answer.
The chunk step is partition-wise, so it fuses with the reading and
filtering before it into one task per partition. With ``split_out=k`` the
partials are split by a hash of the group keys and the result has ``k``
partitions.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from plait.dataframe import utils
from plait.dataframe.blockwise import ColumnsStep
from plait.dataframe.reductions import TreeReduce, split_by_hash

# what each aggregation needs from every partition, and how partials merge
PARTIALS = {"sum": ("sum",), "count": ("count",), "size": ("size",), "min": ("min",),
            "max": ("max",), "first": ("first",), "last": ("last",), "prod": ("prod",),
            "mean": ("sum", "count"), "var": ("n", "mean", "m2"), "std": ("n", "mean", "m2")}
MERGE = {"sum": "sum", "count": "sum", "size": "sum", "min": "min", "max": "max",
         "first": "first", "last": "last", "prod": "prod"}
ALIASES = {np.sum: "sum", np.mean: "mean", np.min: "min", np.max: "max", np.std: "std",
           np.var: "var", np.prod: "prod", len: "size", sum: "sum", min: "min", max: "max"}
KNOWN = set(PARTIALS) | {"nunique"}


class _GroupBy:
    def __init__(self, obj, by=None, level=None, sort=True, dropna=None, observed=None,
                 group_keys=True, selection=None):
        from plait.dataframe.core import Series, _Frame, align

        if by is None and level is None:
            raise TypeError("groupby needs by= (columns or Series) or level=")
        self.obj = obj
        self.level = level
        self.sort = sort
        self.dropna = True if dropna is None else dropna
        self.observed = observed
        self.selection = selection
        self.by_is_list = isinstance(by, list)
        items = by if isinstance(by, list) else ([] if by is None else [by])
        labels, series = [], []
        columns = list(obj._meta.columns) if isinstance(obj._meta, pd.DataFrame) else []
        for item in items:
            if isinstance(item, Series):
                series.append(item)
                labels.append(("arg", len(series) - 1))
            elif isinstance(item, _Frame):
                raise TypeError("groupby by a DataFrame is not supported; pass column "
                                "names or Series")
            elif isinstance(item, pd.Series):
                raise TypeError("groupby by a pandas Series is not supported on a "
                                "partitioned frame; add it as a column first")
            else:
                if item not in columns:
                    raise utils.missing_column_error(item, columns)
                labels.append(("col", item))
        if series:
            aligned = align(obj, *series)
            self.obj, series = aligned[0], aligned[1:]
        self.by = labels
        self.by_series = list(series)

    # ---------------------------------------------------------------- selection

    def __getitem__(self, key):
        columns = list(self.obj._meta.columns)
        keys = key if isinstance(key, list) else [key]
        for k in keys:
            if k not in columns:
                raise utils.missing_column_error(k, columns)
        cls = DataFrameGroupBy if isinstance(key, list) else SeriesGroupBy
        new = cls.__new__(cls)
        new.__dict__.update(self.__dict__)
        new.selection = key
        return new

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        obj = self.__dict__.get("obj")
        if obj is not None and isinstance(obj._meta, pd.DataFrame) and \
                name in obj._meta.columns:
            return self[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ---------------------------------------------------------------- the plan

    def _key_labels(self):
        return [v for kind, v in self.by if kind == "col"]

    def _data_columns(self):
        meta = self.obj._meta
        if isinstance(meta, pd.Series):
            return None
        if self.selection is not None:
            return self.selection if isinstance(self.selection, list) else [self.selection]
        keys = set(self._key_labels())
        return [c for c in meta.columns if c not in keys]

    def _meta_of(self, func):
        """The result's meta: ``func`` on the pandas groupby of tiny stand-ins."""
        part = utils.meta_nonempty(self.obj._meta)
        by_parts = [pd.Series(utils.meta_nonempty(s._meta).to_numpy(), index=part.index,
                              name=s._meta.name) for s in self.by_series]
        return utils.make_meta(func(_GroupKeys(self).group(part, by_parts, self.selection)))

    def _aggregate(self, specs, meta, split_every, split_out, ddof=1):
        """The collection computing ``specs`` [(column, func)]; ``meta`` names
        and types the result."""
        from plait.dataframe.core import new_collection

        plan = _Plan(self, specs, ddof)
        args = (self.obj.expr, *[s.expr for s in self.by_series])
        columns = None if plan.columns is None else self._key_labels() + plan.columns
        chunk = partial(_chunk, plan) if split_out == 1 else \
            partial(_split_chunk, plan, split_out)
        chunks = ColumnsStep(chunk, args, meta=None, prefix="groupby-chunk",
                             columns=columns)
        aggregate = partial(_finalize, plan, meta)
        expr = TreeReduce(chunks, partial(_combine, plan), aggregate, meta,
                          split_every=split_every, split_out=split_out,
                          prefix="groupby-agg")
        return new_collection(expr)

    def _simple(self, func, split_every=None, split_out=1, **kwargs):
        meta = self._meta_of(lambda g: getattr(g, func)(**kwargs))
        cols = self._data_columns()
        if func == "size":
            specs = [(None, "size")]
        elif cols is None:
            specs = [(None, func)]
        else:
            specs = [(c, func) for c in (list(meta.columns) if isinstance(meta, pd.DataFrame)
                                         else cols)]
        if func == "nunique":
            return self._nunique(meta, split_every, split_out)
        return self._aggregate(specs, meta, split_every, split_out, kwargs.get("ddof", 1))

    # ---------------------------------------------------------------- methods

    def sum(self, split_every=None, split_out=1, **kwargs):
        return self._simple("sum", split_every, split_out, **kwargs)

    def count(self, split_every=None, split_out=1):
        return self._simple("count", split_every, split_out)

    def size(self, split_every=None, split_out=1):
        return self._simple("size", split_every, split_out)

    def mean(self, split_every=None, split_out=1, **kwargs):
        """Mean per group: sums and counts per partition, merged by a tree.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': [1, 1, 2], 'x': [1.0, 3.0, 5.0]}), npartitions=2)
        >>> df.groupby('k').x.mean().compute().tolist()
        [2.0, 5.0]
        """
        return self._simple("mean", split_every, split_out, **kwargs)

    def min(self, split_every=None, split_out=1, **kwargs):
        return self._simple("min", split_every, split_out, **kwargs)

    def max(self, split_every=None, split_out=1, **kwargs):
        return self._simple("max", split_every, split_out, **kwargs)

    def prod(self, split_every=None, split_out=1, **kwargs):
        return self._simple("prod", split_every, split_out, **kwargs)

    def first(self, split_every=None, split_out=1):
        return self._simple("first", split_every, split_out)

    def last(self, split_every=None, split_out=1):
        return self._simple("last", split_every, split_out)

    def var(self, ddof=1, split_every=None, split_out=1):
        return self._simple("var", split_every, split_out, ddof=ddof)

    def std(self, ddof=1, split_every=None, split_out=1):
        return self._simple("std", split_every, split_out, ddof=ddof)

    def nunique(self, split_every=None, split_out=1, dropna=True):
        meta = self._meta_of(lambda g: g.nunique(dropna=dropna))
        return self._nunique(meta, split_every, split_out, dropna)

    def agg(self, arg=None, split_every=None, split_out=1, **named):
        """Several aggregations at once: a name, a list of names, a dict of
        column -> name(s), or named aggregations ``out=(column, name)``.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': [1, 1, 2], 'x': [1, 3, 5]}), npartitions=2)
        >>> df.groupby('k').agg({'x': ['sum', 'max']}).compute().values.tolist()
        [[4, 3], [5, 5]]
        """
        specs = _normalize_agg(self, arg, named)
        funcs = {f for _, f in specs}
        if "nunique" in funcs and funcs != {"nunique"}:
            raise ValueError("agg: combine 'nunique' with other aggregations in separate "
                             "calls (it needs its own reduction)")
        meta = self._meta_of(lambda g: g.agg(arg, **named) if arg is not None else g.agg(**named))
        if funcs == {"nunique"}:
            return self._nunique(meta, split_every, split_out,
                                 columns=[c for c, _ in specs if c is not None] or None)
        return self._aggregate(specs, meta, split_every, split_out)

    aggregate = agg

    def _nunique(self, meta, split_every, split_out, dropna=True, columns=None):
        from plait.dataframe.core import new_collection

        columns = columns or self._data_columns() or [None]
        plan = _Plan(self, [(c, "nunique") for c in columns], 1)
        args = (self.obj.expr, *[s.expr for s in self.by_series])
        columns = None if plan.columns is None else self._key_labels() + plan.columns
        chunk = partial(_unique_chunk, plan)
        if split_out > 1:
            chunk = partial(_split_unique_chunk, plan, split_out)
        chunks = ColumnsStep(chunk, args, meta=None, prefix="groupby-unique",
                             columns=columns)
        expr = TreeReduce(chunks, _unique_combine, partial(_nunique_finalize, plan, meta,
                                                           dropna),
                          meta, split_every=split_every, split_out=split_out,
                          prefix="groupby-nunique")
        return new_collection(expr)


class DataFrameGroupBy(_GroupBy):
    """A lazy ``DataFrame.groupby``: select columns, then aggregate."""


class SeriesGroupBy(_GroupBy):
    """A lazy grouping of one column (or of a Series)."""


def _normalize_agg(gb, arg, named):
    """[(column, func)] in pandas' output order."""
    cols = gb._data_columns()
    if named:
        if arg is not None:
            raise TypeError("pass either an aggregation spec or named aggregations")
        specs = []
        for out, spec in named.items():
            if not (isinstance(spec, tuple) and len(spec) == 2):
                raise TypeError(f"named aggregation {out}= must be (column, func), "
                                f"got {spec!r}")
            specs.append((spec[0], _func_name(spec[1])))
        return specs
    if isinstance(arg, dict):
        specs = []
        for col, funcs in arg.items():
            if col not in (cols or []):
                raise utils.missing_column_error(col, cols or [])
            for f in (funcs if isinstance(funcs, list) else [funcs]):
                specs.append((col, _func_name(f)))
        return specs
    funcs = arg if isinstance(arg, list) else [arg]
    targets = cols if cols is not None else [None]
    if isinstance(arg, list):
        return [(c, _func_name(f)) for c in targets for f in funcs]
    return [(c, _func_name(arg)) for c in targets]


def _func_name(f):
    name = ALIASES.get(f, f) if not isinstance(f, str) else f
    if not isinstance(name, str) or name not in KNOWN:
        known = ", ".join(sorted(KNOWN))
        raise ValueError(f"groupby aggregation {f!r} is not supported as a tree "
                         f"reduction; use one of: {known}")
    return name


class _Plan:
    """What the chunk computes and how the final step assembles the result."""

    def __init__(self, gb, specs, ddof):
        self.gb = _GroupKeys(gb)
        self.specs = specs
        self.ddof = ddof
        self.sort = gb.sort
        self.series = isinstance(gb.obj._meta, pd.Series)
        self.columns = None if self.series else list(dict.fromkeys(
            c for c, f in specs if c is not None))
        kinds = {}
        for c, f in specs:
            for k in PARTIALS.get(f, ()):
                kinds.setdefault(k, [])
                if c is not None and c not in kinds[k]:
                    kinds[k].append(c)
        self.kinds = kinds

    def data(self, part):
        return part if self.series else part[self.columns]


class _GroupKeys:
    """The picklable part of a groupby: how to group a partition."""

    def __init__(self, gb):
        self.by = gb.by
        self.by_is_list = gb.by_is_list
        self.dropna = gb.dropna
        self.observed = gb.observed
        self.level = gb.level

    def group(self, part, by_parts, selection=None):
        keys = [v if kind == "col" else by_parts[v] for kind, v in self.by]
        kwargs = {"sort": False, "dropna": self.dropna}
        if self.observed is not None:
            kwargs["observed"] = self.observed
        if self.level is not None:
            kwargs["level"] = self.level
        by = keys if (self.by_is_list or len(keys) != 1) else keys[0]
        g = part.groupby(by if keys else None, **kwargs)
        return g if selection is None else g[selection]


def _chunk(plan, part, *by_parts):
    """The partial frame of one partition: columns (kind, column)."""
    g = plan.gb.group(part, by_parts)
    pieces = {}
    for kind, cols in plan.kinds.items():
        if kind == "size":
            pieces[kind] = g.size().to_frame("__size__")
            continue
        if kind in ("n", "mean", "m2"):
            continue
        gk = g if plan.series else g[cols]
        pieces[kind] = _as_frame(getattr(gk, kind)(), plan)
    if "n" in plan.kinds:
        gk = g if plan.series else g[plan.kinds["n"]]
        n = _as_frame(gk.count(), plan)
        mean = _as_frame(gk.mean(), plan)
        m2 = _as_frame(gk.var(ddof=0), plan) * n
        pieces["n"], pieces["mean"], pieces["m2"] = n, mean.fillna(0.0), m2.fillna(0.0)
    return pd.concat(pieces, axis=1)


def _as_frame(r, plan):
    if isinstance(r, pd.Series):
        return r.to_frame("__value__" if plan.series else r.name)
    return r


def _split_chunk(plan, n, part, *by_parts):
    return split_by_hash(_chunk(plan, part, *by_parts), n)


def _combine(plan, partials):
    parts = [p for p in partials if len(p)]
    if not parts:
        return partials[0]
    if len(parts) == 1:
        return _common_keys(parts[0], partials)
    df = _common_keys(pd.concat(parts), partials)
    levels = list(range(df.index.nlevels))
    out = {}
    for kind in plan.kinds:
        if kind in MERGE:
            g = df[kind].groupby(level=levels, sort=False, dropna=False)
            out[kind] = getattr(g, MERGE[kind])()
    if "n" in plan.kinds:
        out["n"], out["mean"], out["m2"] = _merge_moments(df, levels)
    return pd.concat(out, axis=1)


def _common_keys(df, partials):
    """Keys typed as pandas would type them over all the data: integer keys
    of one partition become float when another partition's were float
    (missing values seen there)."""
    if df.index.nlevels != 1:
        return df
    dtypes = {p.index.dtype for p in partials}
    if len(dtypes) < 2 or not all(d.kind in "iuf" for d in dtypes if hasattr(d, "kind")):
        return df
    common = np.result_type(*dtypes)
    if df.index.dtype != common:
        df = df.copy(deep=False)
        df.index = df.index.astype(common)
    return df


def _merge_moments(df, levels):
    """Chan et al.'s merge of per-partition (count, mean, M2) by group."""
    n, mean, m2 = df["n"], df["mean"], df["m2"]
    total = n.groupby(level=levels, sort=False, dropna=False).sum()
    weighted = (n * mean).groupby(level=levels, sort=False, dropna=False).sum()
    new_mean = (weighted / total.where(total > 0)).fillna(0.0)
    spread = new_mean.reindex(df.index).to_numpy()
    dev = n * (mean - spread) ** 2
    new_m2 = (m2 + dev).groupby(level=levels, sort=False, dropna=False).sum()
    return total, new_mean, new_m2


def _finalize(plan, meta, partials):
    p = _combine(plan, partials)
    if not len(p):
        return _empty_like(meta, p.index)
    values = [_final_column(p, "__value__" if plan.series else c, f, plan.ddof)
              for c, f in plan.specs]
    if isinstance(meta, pd.Series):
        out = values[0].rename(meta.name)
    else:
        out = pd.DataFrame(dict(enumerate(values)), index=p.index)
        out.columns = meta.columns
    out.index.names = meta.index.names
    return out.sort_index() if plan.sort else out


def _empty_like(meta, index):
    """The empty result, with the index type the data gave (e.g. float keys
    when the keys were all missing)."""
    out = meta.copy()
    if index.nlevels == meta.index.nlevels:
        out.index = index[:0].set_names(meta.index.names)
    return out


def _final_column(p, col, f, ddof):
    if f == "size":
        return p[("size", "__size__")]
    if f in MERGE:
        return p[(f, col)]
    if f == "mean":
        return p[("sum", col)] / p[("count", col)]
    n, m2 = p[("n", col)], p[("m2", col)]
    var = m2 / (n - ddof).where(n - ddof > 0)
    return var if f == "var" else np.sqrt(var)


# ---------------------------------------------------------------- nunique

def _unique_chunk(plan, part, *by_parts):
    keys = [part[v] if kind == "col" else by_parts[v] for kind, v in plan.gb.by]
    names = [f"__key{i}__" for i in range(len(keys))]
    data = {n: k.array for n, k in zip(names, keys)}
    values = [part] if plan.series else [part[c] for c in plan.columns]
    labels = ["__value__"] if plan.series else plan.columns
    frame = pd.DataFrame(data, index=part.index)
    for label, v in zip(labels, values):
        frame[label] = v
    return frame.drop_duplicates()


def _split_unique_chunk(plan, n, part, *by_parts):
    frame = _unique_chunk(plan, part, *by_parts)
    keys = [c for c in frame.columns if str(c).startswith("__key")]
    return split_by_hash(frame, n, keys)


def _unique_combine(partials):
    return utils.concat(list(partials)).drop_duplicates()


def _nunique_finalize(plan, meta, dropna, partials):
    frame = _unique_combine(partials)
    keys = [c for c in frame.columns if str(c).startswith("__key")]
    g = frame.groupby(keys if len(keys) > 1 else keys[0], sort=plan.sort,
                      dropna=plan.gb.dropna)
    labels = ["__value__"] if plan.series else plan.columns
    out = g[labels].nunique(dropna=dropna)
    if isinstance(meta, pd.Series):
        out = out[labels[0]]
        out.name = meta.name
    else:
        out.columns = meta.columns
    out.index.names = meta.index.names
    return out
