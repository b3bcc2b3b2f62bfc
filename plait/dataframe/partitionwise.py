"""Partition-wise operations: alignment, element-wise steps, map_partitions,
operators and assign.

Two collections combine partition by partition when their divisions agree;
when both are known but differ, both are cut at the union of their
divisions first.
"""
from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from plait.dataframe import utils
from plait.dataframe.blockwise import Assign, Elemwise
from plait.dataframe.collection import Scalar, _Collection, new_collection, op_name
from plait.dataframe.expr import Blockwise, Broadcast, Expr, PerPartition

NAMED_METHODS = ("add", "sub", "mul", "div", "truediv", "floordiv", "mod", "pow", "radd",
                 "rsub", "rmul", "rtruediv", "eq", "ne", "lt", "le", "gt", "ge")


def _is_frame(x):
    return isinstance(x, _Collection) and not isinstance(x, Scalar)


def _astype(part, dtype):
    if isinstance(dtype, dict) and isinstance(part, pd.DataFrame):
        dtype = {k: v for k, v in dtype.items() if k in part.columns}
    return part.astype(dtype)


def _method_call(part, method, *args, **kwargs):
    return getattr(part, method)(*args, **kwargs)


def _where(part, cond, other):
    return part.where(cond, other)


def _mask(part, cond, other):
    return part.mask(cond, other)


_OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul,
    "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
    "pow": operator.pow, "and": operator.and_, "or": operator.or_, "xor": operator.xor,
}
_COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt,
                "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def install_operators(cls):
    """Give ``cls`` the arithmetic, comparison and unary operators (each one
    calls ``self._binop`` or ``self._elemwise``), and for frames the named
    methods (``add``, ``sub``...).

    >>> class Thing:
    ...     def _binop(self, other, op, reflect=False):
    ...         return (op.__name__, other, reflect)
    >>> install_operators(Thing)
    >>> Thing() + 1, 2 * Thing()
    (('add', 1, False), ('mul', 2, True))
    """
    for name, op in _OPS.items():
        setattr(cls, f"__{name}__", _make_binop(op, False))
        setattr(cls, f"__r{name}__", _make_binop(op, True))
    for name, op in _COMPARISONS.items():
        setattr(cls, f"__{name}__", _make_binop(op, False))
    for name, op in (("neg", operator.neg), ("pos", operator.pos),
                     ("invert", operator.invert), ("abs", operator.abs)):
        setattr(cls, f"__{name}__", _make_unary(op))
    cls.__hash__ = object.__hash__
    if getattr(cls, "_frame_like", False):
        for name in NAMED_METHODS:
            setattr(cls, name, _named_method(name))


def _make_binop(op, reflect):
    def method(self, other):
        return self._binop(other, op, reflect=reflect)

    method.__name__ = f"__{'r' if reflect else ''}{op.__name__.strip('_')}__"
    return method


def _make_unary(op):
    def method(self):
        if not hasattr(self, "_elemwise"):
            return _scalar_unary(self, op)
        return self._elemwise(op, prefix=op_name(op))

    method.__name__ = f"__{op.__name__.strip('_')}__"
    return method


def _scalar_unary(s, op):
    expr = Blockwise(op, [Broadcast(s.expr)], divisions=(None, None), prefix=op_name(op))
    expr._meta = s._meta
    return Scalar(expr)


# named arithmetic methods: df.add(other, fill_value=...)
def _named_method(opname):
    def method(self, other, fill_value=None, **kwargs):
        return elemwise(_method_call, self, opname, other, prefix=opname,
                        fill_value=fill_value, **kwargs)

    method.__name__ = opname
    method.__doc__ = f"Element-wise ``{opname}`` with alignment (pandas' ``{opname}``)."
    return method


def _argument(v):
    """(expression argument, meta stand-in) for one argument of a
    partition-wise call: a frame's expression (given already aligned), a
    broadcast Scalar, or a plain value passed as it is."""
    if isinstance(v, Expr):
        return v, utils.meta_nonempty(v._meta)
    if isinstance(v, Scalar):
        return Broadcast(v.expr), v._meta
    return v, v


def _assign_collection(frame, names, values):
    args, metas = [], []
    exprs = [frame] + [v for v in values if _is_frame(v)]
    if len(exprs) > 1:
        aligned = align(*exprs)
        frame, rest = aligned[0], list(aligned[1:])
        values = [rest.pop(0) if _is_frame(v) else v for v in values]
    for v in values:
        arg, m = _argument(v.expr if _is_frame(v) else v)
        args.append(arg)
        metas.append(m)
    meta = utils.make_meta(_assign_meta(frame._meta, names, metas))
    return new_collection(Assign(frame.expr, names, args, meta))


def _assign_meta(meta, names, values):
    base = utils.meta_nonempty(meta)
    vals = []
    for v in values:
        if isinstance(v, (pd.Series, pd.Index)) and len(v) == len(base):
            v = pd.Series(np.asarray(v._values if hasattr(v, "_values") else v),
                          index=base.index) if not isinstance(v, pd.Index) else v
        vals.append(v)
    return base.assign(**dict(zip(names, vals)))



def align(*frames):
    """The collections made partition-aligned: as they are when their
    divisions agree, repartitioned to common divisions when all are known.

    >>> import plait.dataframe as pdd
    >>> a = pdd.from_pandas(pd.Series(range(4)), npartitions=2)
    >>> b = pdd.from_pandas(pd.Series(range(4)), npartitions=1)
    >>> [f.divisions for f in align(a, b)]
    [(0, 2, 3), (0, 2, 3)]
    """
    frames = list(frames)
    divs = [f.divisions for f in frames]
    if all(d == divs[0] for d in divs):
        return frames
    if all(f.known_divisions for f in frames):
        from plait.dataframe.shuffle import repartition_divisions

        merged = sorted(set().union(*[set(d) for d in divs]))
        return [f if f.divisions == tuple(merged) else
                repartition_divisions(f, tuple(merged)) for f in frames]
    counts = sorted({f.npartitions for f in frames})
    if len(counts) == 1:
        return frames
    raise ValueError(
        f"cannot align partitions: the divisions are not all known and the "
        f"partition counts differ ({', '.join(str(c) for c in counts)}). Use "
        f"set_index (or from_pandas(sort=True)) so divisions are known, or "
        f"repartition to the same npartitions.")


def elemwise(func, *args, meta=None, prefix=None, **kwargs):
    """``func`` applied partition by partition to aligned collections (scalars
    and other arguments passed as they are).

    >>> import operator
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([1, 2]), npartitions=2)
    >>> elemwise(operator.add, s, s).compute().tolist()
    [2, 4]
    """
    frames = [a for a in args if _is_frame(a)]
    aligned = iter(align(*frames)) if len(frames) > 1 else iter(frames)
    exprs, metas = [], []
    for a in args:
        e, m = _argument(next(aligned).expr if _is_frame(a) else a)
        exprs.append(e)
        metas.append(m)
    if meta is None:
        meta = utils.make_meta(func(*metas, **kwargs))
    else:
        meta = make_meta_from(meta)
    return new_collection(Elemwise(func, exprs, kwargs, meta=meta, prefix=prefix))


def map_partitions(func, *args, meta=None, enforce_metadata=True, clear_divisions=False,
                   prefix=None, **kwargs):
    """``func`` applied to aligned partitions of the collections in ``args``.

    A function that returns a scalar gives a Series with one value per
    partition.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': range(4)}), npartitions=2)
    >>> map_partitions(len, df).compute().tolist()
    [2, 2]
    """
    frames = [a for a in args if _is_frame(a)]
    if not frames:
        raise ValueError("map_partitions needs at least one partitioned collection")
    aligned = iter(align(*frames))
    exprs, metas = [], []
    for a in args:
        if _is_frame(a):
            e = next(aligned).expr
            exprs.append(e)
            metas.append(e._meta)
        elif isinstance(a, Scalar):
            exprs.append(Broadcast(a.expr))
            metas.append(a._meta)
        else:
            exprs.append(a)
            metas.append(a)
    fname = getattr(func, "__name__", type(func).__name__)
    meta = _partition_meta(func, fname, metas, meta, kwargs)
    first = next(e for e in exprs if isinstance(e, Expr))
    wrapped = _Enforced(func, meta, fname, enforce_metadata)
    exprs = [PerPartition(range(first.npartitions))] + exprs
    divisions = (None,) * (first.npartitions + 1) if clear_divisions else first.divisions
    expr = Blockwise(wrapped, exprs, kwargs, meta=meta, divisions=divisions,
                     prefix=prefix or _snake(fname))
    return new_collection(expr)


def _partition_meta(func, fname, metas, meta, kwargs):
    if meta is None:
        try:
            meta = utils.emulate(func, *metas, **kwargs)
        except Exception as e:
            raise ValueError(
                f"map_partitions({fname}) failed on a tiny stand-in of the data while "
                f"finding the result's metadata: {type(e).__name__}: {e}. Pass meta= "
                f"(an empty pandas object, or a dict of column -> dtype).") from e
        if not isinstance(meta, (pd.DataFrame, pd.Series, pd.Index)):
            meta = pd.Series([meta]).iloc[:0]
        return meta
    return make_meta_from(meta)


def _snake(name):
    name = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    return name or "map-partitions"


class _Enforced:
    """Call ``func``; a scalar result becomes a one-value Series; with
    ``check``, a result that does not match the meta raises an error naming
    the partition."""

    def __init__(self, func, meta, fname, check=True):
        self.func = func
        self.meta = meta
        self.fname = fname
        self.check = check

    def __call__(self, i, *args, **kwargs):
        result = self.func(*args, **kwargs)
        if not isinstance(result, (pd.DataFrame, pd.Series, pd.Index)):
            result = pd.Series([result], index=[i], dtype=getattr(self.meta, "dtype", None))
        if not self.check:
            return result
        return utils.check_meta(result, self.meta,
                                f"partition {i} of map_partitions({self.fname})")

    def __plait_tokenize__(self):
        from plait.tokenize import tokenize

        return ("Enforced", tokenize(self.func), tokenize(self.meta), self.check)


def make_meta_from(meta):
    """An empty pandas object from a meta description: a pandas object, a
    dict or list of (name, dtype), a (name, dtype) tuple, or a dtype.

    >>> make_meta_from({'a': 'int64', 'b': 'float64'}).dtypes.tolist()
    [dtype('int64'), dtype('float64')]
    >>> make_meta_from(('x', 'int64'))
    Series([], Name: x, dtype: int64)
    """
    if isinstance(meta, (pd.DataFrame, pd.Series, pd.Index)):
        return utils.make_meta(meta)
    if isinstance(meta, dict):
        return pd.DataFrame({k: pd.Series([], dtype=v) for k, v in meta.items()})
    if isinstance(meta, list) and all(isinstance(x, tuple) and len(x) == 2 for x in meta):
        return pd.DataFrame({k: pd.Series([], dtype=v) for k, v in meta})
    if isinstance(meta, tuple) and len(meta) == 2:
        return pd.Series([], dtype=meta[1], name=meta[0])
    if meta is int:
        return pd.Series([], dtype="int64")
    if meta is float:
        return pd.Series([], dtype="float64")
    try:
        return pd.Series([], dtype=meta)
    except TypeError as e:
        raise TypeError(f"cannot make metadata from {meta!r}: pass an empty pandas "
                        f"object, a dict of column -> dtype, or a dtype") from e
