"""Collections from pandas objects, dicts and Delayed values; and back."""
from __future__ import annotations

import numpy as np
import pandas as pd

from plait.dataframe import utils
from plait.dataframe.expr import Blockwise, PerPartition


def _identity(part):
    return part


def from_pandas(data, npartitions=None, chunksize=None, sort=True):
    """Split a pandas DataFrame or Series into a collection.

    With ``sort`` (the default) the data is sorted by its index first and the
    divisions are known; otherwise the rows keep their order and the
    divisions are unknown.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': range(6)}), npartitions=3)
    >>> df.divisions
    (0, 2, 4, 5)
    """
    from plait.dataframe.core import new_collection

    if not isinstance(data, (pd.DataFrame, pd.Series)):
        raise TypeError(f"from_pandas takes a pandas DataFrame or Series, not "
                        f"{type(data).__name__}")
    if (npartitions is None) == (chunksize is None):
        raise ValueError("pass exactly one of npartitions= and chunksize=")
    n = len(data)
    if chunksize is None:
        if npartitions < 1:
            raise ValueError(f"npartitions must be at least 1, got {npartitions!r}")
        chunksize = max(1, -(-n // npartitions))
    if sort and not data.index.is_monotonic_increasing:
        data = data.sort_index()
    starts = list(range(0, n, chunksize)) or [0]
    if sort:
        starts = _unsplit_duplicates(data.index, starts)
    bounds = starts + [n]
    parts = [data.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    if sort and n:
        divisions = tuple(data.index[starts]) + (data.index[-1],)
        divisions = tuple(d.item() if isinstance(d, np.generic) else d for d in divisions)
    else:
        divisions = (None,) * (len(parts) + 1)
    expr = Blockwise(_identity, (PerPartition(parts),), meta=utils.make_meta(data),
                     divisions=divisions, prefix="from-pandas")
    return new_collection(expr)


def _unsplit_duplicates(index, starts):
    """Move partition starts so equal index values stay in one partition."""
    out = [0]
    for s in starts[1:]:
        s = int(index.searchsorted(index[s], side="left"))
        if s > out[-1]:
            out.append(s)
    return out


def from_dict(data, npartitions, orient="columns", dtype=None, columns=None):
    """A collection from a dict, as ``pd.DataFrame.from_dict``.

    >>> import plait.dataframe as pdd
    >>> pdd.from_dict({'a': [1, 2, 3]}, npartitions=2).a.sum().compute()
    np.int64(6)
    """
    frame = pd.DataFrame.from_dict(data, orient=orient, dtype=dtype, columns=columns)
    return from_pandas(frame, npartitions=npartitions)


def from_delayed(dfs, meta=None, divisions=None, verify_meta=True):
    """A collection whose partitions are the values of Delayed objects.

    ``meta`` describes them (an empty pandas object or a dict of
    column -> dtype); without it the first one is computed to find out.
    With ``verify_meta`` each partition is checked against it, and a
    mismatch names the partition.

    >>> import plait
    >>> import plait.dataframe as pdd
    >>> parts = [plait.delayed(pd.DataFrame)({'x': [i]}) for i in range(3)]
    >>> pdd.from_delayed(parts, meta={'x': 'int64'}).x.sum().compute()
    np.int64(3)
    """
    from plait.dataframe.core import make_meta_from, new_collection
    from plait.dataframe.expr import FromGraph
    from plait.delayed import Delayed

    if isinstance(dfs, Delayed) or not isinstance(dfs, (list, tuple)):
        dfs = [dfs]
    if not dfs:
        raise ValueError("from_delayed needs at least one Delayed object")
    for i, d in enumerate(dfs):
        if not isinstance(d, Delayed):
            raise TypeError(f"from_delayed: item {i} is a {type(d).__name__}, not a Delayed")
    if meta is None:
        meta = utils.make_meta(dfs[0].compute())
    else:
        meta = make_meta_from(meta)
    if divisions is None:
        divisions = (None,) * (len(dfs) + 1)
    elif len(divisions) != len(dfs) + 1:
        raise ValueError(f"divisions has {len(divisions)} values; {len(dfs) + 1} needed "
                         f"for {len(dfs)} partitions")
    dsk = {}
    for d in dfs:
        dsk.update(d.__plait_graph__())
    source = FromGraph(dsk, [d.key for d in dfs], meta, divisions, name="delayed")
    if not verify_meta:
        return new_collection(source)
    expr = Blockwise(_Verify(meta), (PerPartition(range(len(dfs))), source), meta=meta,
                     prefix="from-delayed")
    return new_collection(expr)


class _Verify:
    def __init__(self, meta):
        self.meta = meta

    def __call__(self, i, part):
        return utils.check_meta(part, self.meta, f"partition {i} of from_delayed")

    def __plait_tokenize__(self):
        from plait.tokenize import tokenize

        return ("Verify", tokenize(self.meta))


def to_delayed(frame, optimize_graph=True):
    """One Delayed object per partition of ``frame``.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': range(4)}), npartitions=2)
    >>> [len(d.compute()) for d in df.to_delayed()]
    [2, 2]
    """
    from plait.delayed import Delayed

    dsk = frame.__plait_graph__()
    keys = frame.__plait_keys__()
    if optimize_graph:
        from plait.graph import cull

        dsk = cull(dsk, keys)[0]
    return [Delayed(k, dsk) for k in keys]
