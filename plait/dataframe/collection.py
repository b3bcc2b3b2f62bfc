"""The collection protocol shared by DataFrame, Series, Index and Scalar.

A collection is a thin handle on an ``Expr`` (see ``expr.py``): building one
costs no computation; its ``_meta`` (an empty pandas object) gives columns
and dtypes at once. ``compute()`` lowers the plan to an optimized task graph
(``optimize.py``) and runs it, by default on the threaded scheduler.
"""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

import plait.base
from plait.dataframe import utils
from plait.dataframe.expr import Blockwise, Broadcast, Expr, FromGraph


def op_name(op):
    """A readable name for an operator, for task keys: 'add' for operator.add.

    >>> import operator
    >>> op_name(operator.truediv)
    'truediv'
    """
    return getattr(op, "__name__", "op").strip("_").replace("_", "-")


def _finalize(results):
    return utils.concat(results)


def _finalize_scalar(results):
    return results[0]


# plans by collection name, so that collections computed together are lowered
# together (their shared reads and filters run once)
_PLANS = weakref.WeakValueDictionary()


def _optimize_graph(dsk, keys, **kwargs):
    """Cull; several dataframe collections computed together are lowered as
    one plan first."""
    from plait.dataframe.optimize import lower_many
    from plait.graph import cull

    names = list(dict.fromkeys(k[0] for k in _flat(keys) if type(k) is tuple and k))
    plans = [_PLANS.get(n) for n in names]
    if len(names) > 1 and all(p is not None for p in plans):
        dsk = lower_many(plans, names)
    return cull(dsk, keys)[0]


def _flat(keys):
    if type(keys) is list:
        for k in keys:
            yield from _flat(k)
    else:
        yield keys


def _rebuild(values, name, meta, divisions):
    keys = sorted(values, key=lambda k: k[1])
    return new_collection(FromGraph(values, keys, meta, divisions, name=name))


class _Collection:
    """What every dataframe collection shares: the protocol and compute."""

    __plait_scheduler__ = "threads"
    __plait_optimize__ = staticmethod(_optimize_graph)

    def __init__(self, expr):
        if not isinstance(expr, Expr):
            raise TypeError(f"a {type(self).__name__} wraps an Expr, not {type(expr).__name__}")
        self.expr = expr

    @property
    def _name(self):
        return self.expr._name

    @property
    def _meta(self):
        return self.expr._meta

    @property
    def divisions(self):
        """Index values at the partition boundaries (None when unknown)."""
        return self.expr.divisions

    @property
    def npartitions(self):
        """How many pandas objects the collection is made of."""
        return self.expr.npartitions

    @property
    def known_divisions(self):
        return len(self.divisions) > 0 and self.divisions[0] is not None

    def __plait_graph__(self):
        graph = getattr(self.expr, "_lowered", None)
        if graph is None:
            from plait.dataframe.optimize import lower

            graph = lower(self.expr, self._name)
            self.expr._lowered = graph
        _PLANS[self._name] = self.expr
        return graph

    def __plait_keys__(self):
        return [(self._name, i) for i in range(self.npartitions)]

    def __plait_postcompute__(self):
        return _finalize, ()

    def __plait_postpersist__(self):
        return _rebuild, (self._name, self._meta, self.divisions)

    def __plait_tokenize__(self):
        return (type(self).__name__, self._name)

    def compute(self, **kwargs):
        """The pandas result (keywords go to ``plait.compute``: ``scheduler=``,
        ``num_workers=``...)."""
        (result,) = plait.base.compute(self, **kwargs)
        return result

    def persist(self, **kwargs):
        """The same collection with its partitions computed and held."""
        (result,) = plait.base.persist(self, **kwargs)
        return result

    def visualize(self, filename="mydask", **kwargs):
        """Draw the optimized task graph (``plait.visualize``)."""
        return plait.base.visualize(self, filename=filename, **kwargs)

    def __bool__(self):
        raise TypeError(f"the truth value of a {type(self).__name__} is ambiguous; "
                        f"call .compute() first, or use & | ~ for element-wise logic")


class Scalar(_Collection):
    """A lazy single value, e.g. the result of a reduction.

    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([1, 2, 3]), npartitions=2).sum()
    >>> s.compute()
    np.int64(6)
    """

    def __plait_postcompute__(self):
        return _finalize_scalar, ()

    def __plait_postpersist__(self):
        return _rebuild_scalar, (self._name, self._meta)

    @property
    def dtype(self):
        return getattr(self._meta, "dtype", type(self._meta))

    def __repr__(self):
        return f"plait.dataframe.Scalar<{self._name}, dtype={self.dtype}>"

    def _binop(self, other, op, reflect=False):
        return _scalar_binop(self, other, op, reflect)

    def __float__(self):
        return float(self.compute())

    def __int__(self):
        return int(self.compute())


def _rebuild_scalar(values, name, meta):
    (key,) = values
    return Scalar(FromGraph(values, [key], meta, (None, None), name=name))


def _scalar_binop(left, right, op, reflect):
    if isinstance(right, _Collection) and not isinstance(right, Scalar):
        return right._binop(left, op, reflect=not reflect)
    args = [Broadcast(left.expr), right.expr if isinstance(right, Scalar) else right]
    if isinstance(right, Scalar):
        args[1] = Broadcast(right.expr)
    if reflect:
        args.reverse()
    expr = Blockwise(op, args, meta=None, divisions=(None, None), prefix=op_name(op))
    meta_args = [a.expr._meta if isinstance(a, Broadcast) else a for a in args]
    try:
        expr._meta = op(*[_scalar_example(m) for m in meta_args])
    except Exception:
        expr._meta = np.float64(0)
    return Scalar(expr)


def _scalar_example(m):
    if isinstance(m, (np.generic, int, float, bool)):
        return m
    return np.float64(1)


def new_collection(expr):
    """The collection class that fits ``expr``'s meta.

    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([1]), npartitions=1)
    >>> type(new_collection(s.expr)).__name__
    'Series'
    """
    from plait.dataframe.core import DataFrame, Index, Series

    meta = expr._meta
    if isinstance(meta, pd.DataFrame):
        return DataFrame(expr)
    if isinstance(meta, pd.Series):
        return Series(expr)
    if isinstance(meta, pd.Index):
        return Index(expr)
    return Scalar(expr)
