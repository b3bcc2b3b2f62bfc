"""``merge`` and ``join``: broadcast the small side, or hash-shuffle both.

Strategies, in order:

1. broadcast: when one side has one partition (or ``broadcast=True``) and the
   join keeps only the other side's unmatched rows (inner, left with a
   small right, right with a small left, cross), every partition of the big
   side is joined with the whole small side; nothing moves;
2. aligned indexes: joining on both indexes with known divisions cuts both
   at common divisions and joins partition by partition;
3. hash shuffle: both sides are split by a hash of their keys into the same
   number of partitions (equal keys, even 1 and 1.0, meet), then joined
   partition by partition.
"""
from __future__ import annotations

from functools import partial

import pandas as pd

from plait.dataframe import utils
from plait.dataframe.expr import Blockwise, Broadcast
from plait.dataframe.reductions import split_by_hash
from plait.dataframe.shuffle import Gather


def _merge_parts(kwargs, left, right):
    return left.merge(right, **kwargs)


def _join_parts(kwargs, left, right):
    return left.join(right, **kwargs)


def merge(left, right, how="inner", on=None, left_on=None, right_on=None,
          left_index=False, right_index=False, suffixes=("_x", "_y"), indicator=False,
          npartitions=None, broadcast=None):
    """Join two frames like ``pandas.merge``; see the module docstring.

    >>> import plait.dataframe as pdd
    >>> a = pdd.from_pandas(pd.DataFrame({'k': [1, 2, 3], 'x': [10, 20, 30]}), npartitions=2)
    >>> b = pd.DataFrame({'k': [1, 3], 'y': ['a', 'c']})
    >>> merge(a, b, on='k').compute().sort_values('k').y.tolist()
    ['a', 'c']
    """
    left, right = _as_frame(left), _as_frame(right)
    if how not in ("inner", "left", "right", "outer", "cross"):
        raise ValueError(f"how must be inner, left, right, outer or cross, not {how!r}")
    kwargs = dict(how=how, on=on, left_on=left_on, right_on=right_on,
                  left_index=left_index, right_index=right_index, suffixes=suffixes,
                  indicator=indicator)
    lkeys, rkeys = _keys(left, right, on, left_on, right_on, left_index, right_index, how)
    meta = _meta(left, right, partial(_merge_parts, kwargs))
    return _combine(left, right, how, lkeys, rkeys, partial(_merge_parts, kwargs), meta,
                    npartitions, broadcast, index_join=left_index and right_index)


def join(left, right, on=None, how="left", lsuffix="", rsuffix="", npartitions=None):
    """``left.join(right)``: on the index (or ``left``'s columns ``on``).

    >>> import plait.dataframe as pdd
    >>> a = pdd.from_pandas(pd.DataFrame({'x': [1, 2]}, index=[0, 1]), npartitions=1)
    >>> b = pdd.from_pandas(pd.DataFrame({'y': [3]}, index=[1]), npartitions=1)
    >>> a.join(b).compute().y.tolist()
    [nan, 3.0]
    """
    left, right = _as_frame(left), _as_frame(right)
    if isinstance(right._meta, pd.Series):
        right = right.to_frame()
    kwargs = dict(on=on, how=how)
    if lsuffix or rsuffix:
        kwargs.update(lsuffix=lsuffix, rsuffix=rsuffix)
    func = partial(_join_parts, kwargs)
    meta = _meta(left, right, func)
    on_list = None if on is None else (on if isinstance(on, list) else [on])
    if on_list:
        _check_columns(left, on_list)
    return _combine(left, right, how, on_list, None, func, meta, npartitions, None,
                    index_join=on is None)


def _as_frame(x):
    from plait.dataframe.core import _Frame
    from plait.dataframe.io.pandas import from_pandas

    if isinstance(x, (pd.DataFrame, pd.Series)):
        return from_pandas(x, npartitions=1)
    if not isinstance(x, _Frame):
        raise TypeError(f"cannot merge with a {type(x).__name__}")
    return x


def _check_columns(frame, cols):
    have = utils.column_list(frame._meta)
    for c in cols:
        if c not in have:
            raise utils.missing_column_error(c, have)


def _keys(left, right, on, left_on, right_on, left_index, right_index, how):
    """The key columns of each side (None: the index)."""
    if how == "cross":
        return [], []
    if on is not None:
        on = _as_list(on)
        _check_columns(left, on)
        _check_columns(right, on)
        return on, on
    if left_on is None and right_on is None and not (left_index or right_index):
        common = [c for c in left._meta.columns if c in set(right._meta.columns)]
        if not common:
            raise ValueError("no common columns to merge on; pass on=, left_on= and "
                             "right_on=, or left_index/right_index")
        return common, common
    lkeys = None if left_index else _as_list(left_on)
    rkeys = None if right_index else _as_list(right_on)
    if lkeys is None and not left_index or rkeys is None and not right_index:
        raise ValueError("pass left_on= (or left_index=True) and right_on= (or "
                         "right_index=True) together")
    if lkeys:
        _check_columns(left, lkeys)
    if rkeys:
        _check_columns(right, rkeys)
    return lkeys, rkeys


def _as_list(x):
    if x is None:
        return None
    return x if isinstance(x, list) else [x]


def _meta(left, right, func):
    try:
        return utils.make_meta(func(utils.meta_nonempty(left._meta),
                                    utils.meta_nonempty(right._meta)))
    except (KeyError, ValueError, TypeError) as e:
        raise type(e)(f"merge: {e}") from e


def _combine(left, right, how, lkeys, rkeys, func, meta, npartitions, broadcast, index_join):
    from plait.dataframe.core import align, new_collection

    small_right = right.npartitions == 1 or broadcast is True
    small_left = left.npartitions == 1 or broadcast is True
    if broadcast is not False:
        if how in ("inner", "left", "cross") and small_right:
            return _broadcast(left, right, func, meta, big_is_left=True)
        if how in ("inner", "right") and small_left:
            return _broadcast(left, right, func, meta, big_is_left=False)
    if how == "cross":
        return _broadcast(left, right.repartition(npartitions=1), func, meta, True)
    if index_join and left.known_divisions and right.known_divisions:
        a, b = align(left, right)
        return new_collection(Blockwise(func, (a.expr, b.expr), meta=meta, prefix="join",
                                        divisions=a.divisions))
    n = npartitions or max(left.npartitions, right.npartitions)
    a = _shuffled(left, lkeys, n)
    b = _shuffled(right, rkeys, n)
    return new_collection(Blockwise(func, (a, b), meta=meta, prefix="merge",
                                    divisions=(None,) * (n + 1)))


def _broadcast(left, right, func, meta, big_is_left):
    from plait.dataframe.core import new_collection

    if big_is_left:
        small = right if right.npartitions == 1 else right.repartition(npartitions=1)
        args = (left.expr, Broadcast(small.expr))
        divisions = left.divisions
    else:
        small = left if left.npartitions == 1 else left.repartition(npartitions=1)
        args = (Broadcast(small.expr), right.expr)
        divisions = (None,) * (right.npartitions + 1)
    return new_collection(Blockwise(func, args, meta=meta, prefix="merge-broadcast",
                                    divisions=divisions))


def _split_keys(columns, n, part):
    return split_by_hash(part, n, columns)


def _shuffled(frame, keys, n):
    split = Blockwise(partial(_split_keys, keys, n), (frame.expr,), meta=None,
                      prefix="merge-split")
    return Gather(split, n, frame._meta, prefix="merge-shuffle")
