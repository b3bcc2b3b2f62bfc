"""The partitioned collections: DataFrame, Series and Index.

Their plans, metadata and the collection protocol come from
``collection.py``; partition-wise operations from ``partitionwise.py``;
reductions, groupby, shuffles, merges and I/O from their own modules.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from plait.dataframe import utils
from plait.dataframe.blockwise import Columnless, ColumnsStep, Filter, Projection
from plait.dataframe.collection import Scalar, _Collection, new_collection
from plait.dataframe.expr import Partitions
from plait.dataframe.partitionwise import (_assign_collection, _astype, _mask, _method_call,
                                           _where, align, elemwise, install_operators,
                                           make_meta_from, map_partitions, op_name)

__all__ = ["DataFrame", "Series", "Index", "Scalar", "new_collection", "align", "elemwise",
           "map_partitions", "make_meta_from"]


class _Frame(_Collection):
    """What DataFrame, Series and Index share."""

    def __repr__(self):
        from plait.dataframe.display import frame_repr

        return frame_repr(self)

    def _repr_html_(self):
        from plait.dataframe.display import frame_html

        return frame_html(self)

    def __len__(self):
        from plait.dataframe.reductions import length

        return int(length(self).compute())

    @property
    def partitions(self):
        """Select partitions: ``df.partitions[0]``, ``df.partitions[::2]``.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'x': range(6)}), npartitions=3)
        >>> df.partitions[1].compute().x.tolist()
        [2, 3]
        """
        return _PartitionAccessor(self)

    def get_partition(self, n):
        """Partition ``n`` as a one-partition collection.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.get_partition(1).compute().tolist()
        [nan, 4.0]
        """
        return self.partitions[n]

    @property
    def index(self):
        """The index, as a lazy Index (reads no column).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.index.compute().tolist()
        [0, 1, 2, 3]
        """
        meta = self._meta.index
        return new_collection(Columnless(_index_of, (self.expr,), meta=meta, prefix="index"))

    @property
    def ndim(self):
        return self._meta.ndim

    # ------------------------------------------------------------ partition-wise

    def map_partitions(self, func, *args, meta=None, enforce_metadata=True,
                       clear_divisions=False, **kwargs):
        """Apply ``func`` to every partition: ``func(partition, *args, **kwargs)``.

        Collections among ``args`` are aligned partition by partition (a
        Scalar is passed whole). ``meta`` describes the result (an empty
        pandas object, a dict or list of (name, dtype), or a dtype); without
        it, ``func`` runs once on a tiny stand-in to find out. Each real
        result is checked against it, and a mismatch names the partition.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'x': range(4)}), npartitions=2)
        >>> df.map_partitions(lambda p: p.x * 2).compute().tolist()
        [0, 2, 4, 6]
        """
        return map_partitions(func, self, *args, meta=meta, enforce_metadata=enforce_metadata,
                              clear_divisions=clear_divisions, **kwargs)

    def head(self, n=5, npartitions=1, compute=True):
        """The first ``n`` rows, reading only the partitions needed.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'x': range(10)}), npartitions=5)
        >>> df.head(3).x.tolist()
        [0, 1, 2]
        """
        from plait.dataframe.reductions import head

        return head(self, n, npartitions, compute)

    def tail(self, n=5, compute=True):
        """The last ``n`` rows, computing earlier partitions only while short.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.tail(1).tolist()
        [4.0]
        """
        from plait.dataframe.reductions import tail

        return tail(self, n, compute)

    def repartition(self, npartitions=None, divisions=None, partition_size=None):
        """The same rows in ``npartitions`` partitions (or at ``divisions``).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'x': range(10)}), npartitions=5)
        >>> df.repartition(npartitions=2).npartitions
        2
        """
        from plait.dataframe.shuffle import repartition

        return repartition(self, npartitions=npartitions, divisions=divisions,
                           partition_size=partition_size)

    def to_delayed(self, optimize_graph=True):
        """One Delayed per partition (see ``from_delayed``).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> [len(d.compute()) for d in s.to_delayed()]
        [2, 2]
        """
        from plait.dataframe.io.pandas import to_delayed

        return to_delayed(self, optimize_graph=optimize_graph)

    # ------------------------------------------------------------ element-wise

    def _elemwise(self, func, *args, meta=None, prefix=None, **kwargs):
        return elemwise(func, self, *args, meta=meta, prefix=prefix, **kwargs)

    def _binop(self, other, op, reflect=False):
        args = (other, self) if reflect else (self, other)
        return elemwise(op, *args, prefix=op_name(op))

    def astype(self, dtype):
        """Cast to ``dtype`` (one dtype, or a dict of column -> dtype).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.astype({'x': 'float64'}).x.dtype
        dtype('float64')
        """
        if isinstance(dtype, dict) and isinstance(self._meta, pd.DataFrame):
            missing = [c for c in dtype if c not in self._meta.columns]
            if missing:
                raise utils.missing_column_error(missing[0], list(self._meta.columns))
        return self._elemwise(_astype, dtype, prefix="astype")

    def fillna(self, value=None, **kwargs):
        """Fill missing values with ``value`` (a scalar, a dict per column, or
        an aligned collection).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.fillna(0).compute().tolist()
        [1.5, -2.0, 0.0, 4.0]
        """
        return self._elemwise(_method_call, "fillna", value, prefix="fillna", **kwargs)

    def isna(self):
        """Element-wise: is the value missing?

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.isna().compute().tolist()
        [False, False, True, False]
        """
        return self._elemwise(_method_call, "isna", prefix="isna")

    isnull = isna

    def notna(self):
        """Element-wise: is the value present?

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.notna().sum().compute()
        np.int64(3)
        """
        return self._elemwise(_method_call, "notna", prefix="notna")

    notnull = notna

    def dropna(self, how="any", subset=None, thresh=None):
        """Rows without missing values (of ``subset`` columns, for a DataFrame).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.0, None, 3.0]), npartitions=2)
        >>> s.dropna().compute().tolist()
        [1.0, 3.0]
        """
        kwargs = {} if thresh is not None else {"how": how}
        if isinstance(self._meta, pd.DataFrame):
            if subset is not None:
                subset = [subset] if not isinstance(subset, list) else subset
                missing = [c for c in subset if c not in self._meta.columns]
                if missing:
                    raise utils.missing_column_error(missing[0], list(self._meta.columns))
                kwargs["subset"] = subset
            if thresh is not None:
                kwargs["thresh"] = thresh
            return new_collection(_RowStep(_method_call, (self.expr, "dropna"), kwargs,
                                           meta=self._meta, prefix="dropna",
                                           columns=subset))
        return self._elemwise(_method_call, "dropna", prefix="dropna")

    @property
    def loc(self):
        """Label-based selection of rows: ``.loc[label]``, ``.loc[lo:hi]``;
        with known divisions only the partitions that can hold them are read.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.loc[1:2].compute().tolist()
        [-2.0, nan]
        """
        from plait.dataframe.shuffle import LocIndexer

        return LocIndexer(self)

    def isin(self, values):
        """Element-wise membership in ``values`` (a list, set or array).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.k.isin(['a']).compute().tolist()
        [True, False, True, False]
        """
        if isinstance(values, _Collection):
            raise TypeError("isin takes a list, set or array of values, not a lazy "
                            "collection; compute it first")
        values = list(values) if isinstance(values, (set, frozenset)) else values
        return self._elemwise(_method_call, "isin", values, prefix="isin")

    def where(self, cond, other=np.nan):
        """Keep values where ``cond`` is True, else ``other``.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.where(s > 0, 0.0).compute().tolist()
        [1.5, 0.0, 0.0, 4.0]
        """
        return elemwise(_where, self, cond, other, prefix="where")

    def mask(self, cond, other=np.nan):
        """Replace values where ``cond`` is True with ``other``.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.mask(s > 2, 2.0).compute().tolist()
        [1.5, -2.0, nan, 2.0]
        """
        return elemwise(_mask, self, cond, other, prefix="mask")

    def abs(self):
        """Absolute values.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.abs().max().compute()
        np.float64(4.0)
        """
        return self._elemwise(_method_call, "abs", prefix="abs")

    def round(self, decimals=0):
        """Values rounded to ``decimals`` places.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.round().compute().tolist()
        [2.0, -2.0, nan, 4.0]
        """
        return self._elemwise(_method_call, "round", decimals, prefix="round")

    def clip(self, lower=None, upper=None):
        """Values limited to ``lower`` .. ``upper``.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.clip(0, 2).compute().tolist()
        [1.5, 0.0, nan, 2.0]
        """
        return self._elemwise(_method_call, "clip", lower, upper, prefix="clip")

    def between(self, left, right, inclusive="both"):
        """Element-wise: ``left <= value <= right`` (``inclusive`` as pandas).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.between(0, 2).compute().tolist()
        [True, False, False, False]
        """
        return self._elemwise(_method_call, "between", left, right, prefix="between",
                              inclusive=inclusive)

    # ------------------------------------------------------------ reductions

    def _reduce(self, name, **kwargs):
        from plait.dataframe.reductions import reduce_frame

        return reduce_frame(self, name, **kwargs)

    def sum(self, skipna=True, split_every=None, **kwargs):
        """The sum (per column for a DataFrame), by a tree reduction.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.sum().compute()
        np.float64(3.5)
        """
        return self._reduce("sum", skipna=skipna, split_every=split_every, **kwargs)

    def prod(self, skipna=True, split_every=None, **kwargs):
        """The product (per column for a DataFrame).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.prod().compute()
        np.float64(-12.0)
        """
        return self._reduce("prod", skipna=skipna, split_every=split_every, **kwargs)

    def min(self, skipna=True, split_every=None, **kwargs):
        """The smallest value (per column for a DataFrame).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.min().compute()
        np.float64(-2.0)
        """
        return self._reduce("min", skipna=skipna, split_every=split_every, **kwargs)

    def max(self, skipna=True, split_every=None, **kwargs):
        """The largest value (per column for a DataFrame).

        >>> import plait.dataframe as pdd
        >>> pdd.from_pandas(pd.Series([3, 1, 2]), npartitions=2).max().compute()
        np.int64(3)
        """
        return self._reduce("max", skipna=skipna, split_every=split_every, **kwargs)

    def any(self, skipna=True, split_every=None, **kwargs):
        """Is any value true (per column for a DataFrame)?

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> (s > 3).any().compute()
        np.True_
        """
        return self._reduce("any", skipna=skipna, split_every=split_every, **kwargs)

    def all(self, skipna=True, split_every=None, **kwargs):
        """Are all values true (per column for a DataFrame)?

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> (s > 3).all().compute()
        np.False_
        """
        return self._reduce("all", skipna=skipna, split_every=split_every, **kwargs)

    def count(self, split_every=None, **kwargs):
        """The number of values present (per column for a DataFrame).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.count().compute()
        np.int64(3)
        """
        return self._reduce("count", split_every=split_every, **kwargs)

    def mean(self, skipna=True, split_every=None, **kwargs):
        """The mean (per column for a DataFrame): sums and counts, merged.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> float(s.mean().compute())
        1.1666666666666667
        """
        return self._reduce("mean", skipna=skipna, split_every=split_every, **kwargs)

    def var(self, ddof=1, skipna=True, split_every=None, **kwargs):
        """The variance; partitions' (count, mean, M2) merged exactly (Chan et al.).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> round(float(s.var().compute()), 6)
        9.083333
        """
        return self._reduce("var", ddof=ddof, skipna=skipna, split_every=split_every,
                            **kwargs)

    def std(self, ddof=1, skipna=True, split_every=None, **kwargs):
        """The standard deviation (see ``var``).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> round(float(s.std().compute()), 6)
        3.013857
        """
        return self._reduce("std", ddof=ddof, skipna=skipna, split_every=split_every,
                            **kwargs)

    @property
    def size(self):
        """The number of elements (rows times columns), lazily.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.size.compute()
        8
        """
        from plait.dataframe.reductions import size

        return size(self)

    def nunique(self, dropna=True, split_every=None):
        """The number of distinct values (per column for a DataFrame).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.k.nunique().compute()
        2
        """
        from plait.dataframe.reductions import nunique

        return nunique(self, dropna=dropna, split_every=split_every)

    def describe(self, percentiles=None, split_every=None):
        """Count, mean, std, min, percentiles and max (as pandas' describe);
        the percentiles are exact, so the described columns are gathered in one task.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.describe().compute()['max']
        np.float64(4.0)
        """
        from plait.dataframe.reductions import describe

        return describe(self, percentiles=percentiles, split_every=split_every)

    def drop_duplicates(self, subset=None, keep="first", split_every=None, split_out=1,
                        ignore_index=False):
        """Rows without repeats, by a tree of partial drops (``split_out``
        partitions by hash).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.drop_duplicates(subset=['k']).x.compute().tolist()
        [1, 2]
        """
        from plait.dataframe.reductions import drop_duplicates

        return drop_duplicates(self, subset=subset, keep=keep, split_every=split_every,
                               split_out=split_out, ignore_index=ignore_index)


def _index_of(part):
    return part.index


class DataFrame(_Frame):
    """A lazy pandas DataFrame split by rows into ``npartitions`` pieces.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': [1, 2, 3], 'y': list('abc')}), npartitions=2)
    >>> df.columns.tolist(), df.npartitions
    (['x', 'y'], 2)
    >>> df[df.x > 1].y.compute().tolist()
    ['b', 'c']
    """

    @property
    def columns(self):
        """The column labels (from the metadata; nothing is computed).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> list(df.columns)
        ['k', 'x']
        """
        return self._meta.columns

    @columns.setter
    def columns(self, columns):
        renamed = self.rename(columns=dict(zip(self._meta.columns, columns)))
        if len(columns) != len(self._meta.columns):
            raise ValueError(f"length mismatch: {len(self._meta.columns)} columns, "
                             f"{len(columns)} new names")
        self.expr = renamed.expr

    @property
    def dtypes(self):
        """The column dtypes (from the metadata).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.dtypes['x']
        dtype('int64')
        """
        return self._meta.dtypes

    def __dir__(self):
        cols = [c for c in self._meta.columns if isinstance(c, str) and c.isidentifier()]
        return sorted(set(super().__dir__()) | set(cols))

    def __getattr__(self, name):
        if name.startswith("_") or name == "expr":
            raise AttributeError(name)
        meta = self.__dict__.get("expr")
        if meta is not None and name in meta._meta.columns:
            return self[name]
        raise AttributeError(f"'DataFrame' object has no attribute {name!r}")

    def __getitem__(self, key):
        meta = self._meta
        if isinstance(key, _Frame):
            if not isinstance(key, Series):
                raise TypeError("a DataFrame can be indexed by a boolean Series, a "
                                "column name or a list of names")
            frame, mask = align(self, key)
            return new_collection(Filter(frame.expr, mask.expr))
        if isinstance(key, pd.Index):
            key = list(key)
        if isinstance(key, list):
            missing = [k for k in key if k not in meta.columns]
            if missing:
                raise utils.missing_column_error(missing[0], list(meta.columns))
            return new_collection(Projection(self.expr, list(key), meta[key]))
        if isinstance(key, slice):
            raise TypeError("row slices are not supported on a partitioned frame; "
                            "use .loc with index labels, or .head()")
        try:
            found = key in meta.columns
        except TypeError:
            found = False
        if not found:
            raise utils.missing_column_error(key, list(meta.columns))
        return new_collection(Projection(self.expr, key, meta[key]))

    def __setitem__(self, key, value):
        if isinstance(key, list):
            raise TypeError("set one column at a time: df[name] = value")
        self.expr = self.assign(**{key: value}).expr if isinstance(key, str) else \
            _assign_collection(self, [key], [value]).expr

    def assign(self, **kwargs):
        """New columns from aligned collections, scalars or callables of the
        frame.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'x': [1, 2]}), npartitions=1)
        >>> df.assign(y=df.x * 10).compute().y.tolist()
        [10, 20]
        """
        out = self
        for name, value in kwargs.items():
            if callable(value) and not isinstance(value, _Collection):
                value = value(out)
            out = _assign_collection(out, [name], [value])
        return out

    def drop(self, labels=None, axis=0, columns=None, errors="raise"):
        """Drop columns (``columns=`` or ``axis=1``).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> list(df.drop(columns=['k']).columns)
        ['x']
        """
        if columns is None:
            if axis not in (1, "columns"):
                raise ValueError("only columns can be dropped: pass columns= or axis=1")
            columns = labels
        columns = [columns] if not isinstance(columns, (list, tuple, pd.Index)) else list(columns)
        if errors == "raise":
            missing = [c for c in columns if c not in self._meta.columns]
            if missing:
                raise utils.missing_column_error(missing[0], list(self._meta.columns))
        keep = [c for c in self._meta.columns if c not in set(columns)]
        return self[keep]

    def rename(self, columns=None, index=None):
        """Rename columns with a dict or a function.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> list(df.rename(columns={'x': 'y'}).columns)
        ['k', 'y']
        """
        if index is not None:
            raise TypeError("rename(index=...) is not supported: renaming index labels "
                            "needs a full pass; rename columns, or use map_partitions")
        meta = self._meta.rename(columns=columns)
        mapping = dict(zip(self._meta.columns, meta.columns))
        inverse = {new: old for old, new in mapping.items()}
        expr = _RenameStep(_rename, (self.expr, mapping), meta=meta, prefix="rename")
        expr.inverse = inverse
        return new_collection(expr)

    def reset_index(self, drop=False):
        """A fresh 0..n-1 index in each partition (as Dask: not global).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.reset_index(drop=True).compute().index.tolist()
        [0, 1, 0, 1]
        """
        return self.map_partitions(_reset_index, drop, meta=self._meta.reset_index(drop=drop),
                                   clear_divisions=True)

    def select_dtypes(self, include=None, exclude=None):
        """The columns of the given dtypes (pandas' ``select_dtypes``).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> list(df.select_dtypes(include='number').columns)
        ['x']
        """
        cols = self._meta.select_dtypes(include=include, exclude=exclude).columns
        return self[list(cols)]

    def groupby(self, by=None, level=None, sort=True, dropna=None, observed=None,
                group_keys=True):
        """Group rows by column(s) or aligned Series; aggregations are trees.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.groupby('k').x.sum().compute().tolist()
        [4, 6]
        """
        from plait.dataframe.groupby import DataFrameGroupBy

        return DataFrameGroupBy(self, by, level=level, sort=sort, dropna=dropna,
                                observed=observed, group_keys=group_keys)

    def merge(self, right, how="inner", on=None, left_on=None, right_on=None,
              left_index=False, right_index=False, suffixes=("_x", "_y"), indicator=False,
              npartitions=None, shuffle_method=None, broadcast=None):
        """Join with another frame like ``pandas.merge``: broadcast when one
        side is small, hash shuffle otherwise.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> right = pd.DataFrame({'k': ['a'], 'y': [10]})
        >>> df.merge(right, on='k').y.sum().compute()
        np.int64(20)
        """
        from plait.dataframe.merge import merge

        return merge(self, right, how=how, on=on, left_on=left_on, right_on=right_on,
                     left_index=left_index, right_index=right_index, suffixes=suffixes,
                     indicator=indicator, npartitions=npartitions, broadcast=broadcast)

    def join(self, other, on=None, how="left", lsuffix="", rsuffix="", npartitions=None):
        """Join on the index (or this frame's ``on`` columns with ``other``'s index).

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> other = pdd.from_pandas(pd.DataFrame({'y': [5]}, index=[0]), npartitions=1)
        >>> df.join(other).y.count().compute()
        np.int64(1)
        """
        from plait.dataframe.merge import join

        return join(self, other, on=on, how=how, lsuffix=lsuffix, rsuffix=rsuffix,
                    npartitions=npartitions)

    def set_index(self, other, drop=True, sorted=False, npartitions=None, divisions=None,
                  sample_size=None):
        """Make column ``other`` the index, sorting across partitions; the
        divisions are computed from the data's quantiles.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.set_index('x').divisions
        (1, 3, 4)
        """
        from plait.dataframe.shuffle import set_index

        return set_index(self, other, drop=drop, sorted=sorted, npartitions=npartitions,
                         divisions=divisions)

    def sort_values(self, by, ascending=True, npartitions=None, na_position="last"):
        """Rows sorted by column(s) ``by`` across all partitions.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> df.sort_values('x', ascending=False).x.compute().tolist()
        [4, 3, 2, 1]
        """
        from plait.dataframe.shuffle import sort_values

        return sort_values(self, by, ascending=ascending, npartitions=npartitions,
                           na_position=na_position)

    def to_csv(self, path, name_function=None, single_file=False, compute=True,
               storage_options=None, **kwargs):
        """Write one CSV per partition (``path`` with ``*``, or a directory);
        the file names.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> import os, tempfile
        >>> names = df.to_csv(os.path.join(tempfile.mkdtemp(), '*.csv'), index=False)
        >>> [os.path.basename(n) for n in names]
        ['0.csv', '1.csv']
        """
        from plait.dataframe.io.csv import to_csv

        return to_csv(self, path, name_function=name_function, single_file=single_file,
                      compute=compute, storage_options=storage_options, **kwargs)

    def to_parquet(self, path, write_index=True, compute=True, storage_options=None,
                   **kwargs):
        """Write one Parquet file per partition into directory ``path``.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> _ = df.to_parquet(d)
        >>> pdd.read_parquet(d).x.sum().compute()
        np.int64(10)
        """
        from plait.dataframe.io.parquet import to_parquet

        return to_parquet(self, path, write_index=write_index, compute=compute,
                          storage_options=storage_options, **kwargs)

    def iterrows(self):
        """Rows as (index, Series) pairs, computing one partition at a time.

        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'k': list('abab'), 'x': [1, 2, 3, 4]}), npartitions=2)
        >>> [row.x for _, row in df.iterrows()]
        [1, 2, 3, 4]
        """
        for i in range(self.npartitions):
            yield from self.partitions[i].compute().iterrows()


class _RowStep(ColumnsStep):
    """A step that keeps or drops whole rows by looking at ``columns`` (all
    when None) and passes the other columns through."""

    prefix = "rows"

    def needs(self, required):
        frame = self.args[0]
        if required is None or self.columns is None:
            return {id(frame): None}
        return {id(frame): frozenset(required) | self.columns}


class _RenameStep(ColumnsStep):
    prefix = "rename"

    def needs(self, required):
        frame = self.args[0]
        if required is None:
            return {id(frame): None}
        inverse = getattr(self, "inverse", {})
        return {id(frame): frozenset(inverse.get(c, c) for c in required)}


def _rename(part, mapping):
    mapping = {k: v for k, v in mapping.items() if k in part.columns and k != v}
    return part.rename(columns=mapping) if mapping else part


def _reset_index(part, drop):
    return part.reset_index(drop=drop)


class Series(_Frame):
    """A lazy pandas Series split into ``npartitions`` pieces.

    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([1.0, None, 3.0], name='x'), npartitions=2)
    >>> s.fillna(0).sum().compute()
    np.float64(4.0)
    """

    @property
    def name(self):
        """The name (from the metadata).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.name
        'x'
        """
        return self._meta.name

    @property
    def dtype(self):
        """The dtype (from the metadata).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.dtype
        dtype('float64')
        """
        return self._meta.dtype

    @property
    def dt(self):
        """Datetime properties and methods, partition by partition."""
        from plait.dataframe.accessors import DatetimeAccessor

        return DatetimeAccessor(self)

    @property
    def str(self):
        """String methods, partition by partition."""
        from plait.dataframe.accessors import StringAccessor

        return StringAccessor(self)

    def __getitem__(self, key):
        if isinstance(key, Series):
            frame, mask = align(self, key)
            return new_collection(Filter(frame.expr, mask.expr))
        raise TypeError("a Series can be indexed by a boolean Series; use .loc for labels")

    def rename(self, name):
        """The same values under another name.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.rename('y').name
        'y'
        """
        meta = self._meta.rename(name)
        return self._elemwise(_method_call, "rename", name, meta=meta, prefix="rename")

    def to_frame(self, name=None):
        """A one-column DataFrame.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> list(s.to_frame().columns)
        ['x']
        """
        args = () if name is None else (name,)
        return self._elemwise(_method_call, "to_frame", *args, prefix="to-frame")

    def map(self, arg, na_action=None, meta=None):
        """Map values through a dict, Series or function, element-wise.

        >>> import plait.dataframe as pdd
        >>> t = pdd.from_pandas(pd.Series(['a', 'b']), npartitions=1)
        >>> t.map({'a': 1, 'b': 2}).compute().tolist()
        [1, 2]
        """
        return self._elemwise(_method_call, "map", arg, prefix="map", meta=meta,
                              na_action=na_action)

    def apply(self, func, meta=None, **kwargs):
        """Apply ``func`` to each element (``Series.apply``) per partition.

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.apply(lambda v: v * 2).compute().tolist()
        [3.0, -4.0, nan, 8.0]
        """
        return self.map_partitions(_method_call, "apply", func, meta=meta, **kwargs)

    def value_counts(self, sort=True, ascending=False, dropna=True, normalize=False,
                     split_every=None, split_out=1):
        """Counts of each distinct value, by a tree of partial counts.

        >>> import plait.dataframe as pdd
        >>> t = pdd.from_pandas(pd.Series(list('abb')), npartitions=2)
        >>> t.value_counts().compute().to_dict()
        {'b': 2, 'a': 1}
        """
        from plait.dataframe.reductions import value_counts

        return value_counts(self, sort=sort, ascending=ascending, dropna=dropna,
                            normalize=normalize, split_every=split_every,
                            split_out=split_out)

    def unique(self, split_every=None):
        """The distinct values, as a Series, in order of first appearance.

        >>> import plait.dataframe as pdd
        >>> t = pdd.from_pandas(pd.Series(list('abba')), npartitions=2)
        >>> t.unique().compute().tolist()
        ['a', 'b']
        """
        from plait.dataframe.reductions import unique

        return unique(self, split_every=split_every)

    def groupby(self, by=None, level=None, sort=True, dropna=None, observed=None):
        """Group the values by aligned Series (see ``DataFrame.groupby``).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.groupby(s > 0).count().compute().to_dict()
        {False: 1, True: 2}
        """
        from plait.dataframe.groupby import SeriesGroupBy

        return SeriesGroupBy(self, by, level=level, sort=sort, dropna=dropna,
                             observed=observed)

    def to_csv(self, path, **kwargs):
        """Write the Series as one-column CSV files (see ``DataFrame.to_csv``).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> import os, tempfile
        >>> len(s.to_csv(os.path.join(tempfile.mkdtemp(), '*.csv')))
        2
        """
        return self.to_frame().to_csv(path, **kwargs)


class Index(_Frame):
    """A lazy pandas Index, one piece per partition."""

    @property
    def name(self):
        """The name (from the metadata).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.index.name is None
        True
        """
        return self._meta.name

    @property
    def dtype(self):
        """The dtype (from the metadata).

        >>> import plait.dataframe as pdd
        >>> s = pdd.from_pandas(pd.Series([1.5, -2.0, None, 4.0], name='x'), npartitions=2)
        >>> s.index.dtype
        dtype('int64')
        """
        return self._meta.dtype

    def __len__(self):
        from plait.dataframe.reductions import length

        return int(length(self).compute())


class _PartitionAccessor:
    def __init__(self, frame):
        self.frame = frame

    def __getitem__(self, key):
        n = self.frame.npartitions
        if isinstance(key, Integral):
            indices = [int(key)]
        elif isinstance(key, slice):
            indices = list(range(n))[key]
        else:
            indices = [int(i) for i in key]
        return new_collection(Partitions(self.frame.expr, indices))


_Frame._frame_like = True
for _cls in (_Frame, Scalar):
    install_operators(_cls)
