"""Reductions as trees: ``sum``, ``mean``, ``var``, ``std``, ``min``, ``max``,
``prod``, ``any``, ``all``, ``argmin``, ``argmax`` and the ``nan`` forms.

A reduction is three steps. *chunk* reduces every block on its own (one task
per block, which the optimizer fuses into the task that made the block, so
the block is freed at once); *combine* merges groups of at most
``split_every`` partial results (a tree, level by level); *aggregate* makes the
final value from the last group. Only small partial results ever wait in
memory, so ``(x + 1).sum()`` streams an array of any size.
"""
from __future__ import annotations

import builtins
import math
import operator
from functools import partial
from itertools import product

import numpy as np

from plait.array.blockwise import blockwise, concatenate_nested
from plait.array.chunks import offsets
from plait.array.core import Array, new_array, token

DEFAULT_SPLIT_EVERY = 16


def normalize_axis(axis, ndim):
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes.

    >>> normalize_axis(-1, 3), normalize_axis(None, 2)
    ((2,), (0, 1))
    >>> normalize_axis(2, 2)
    Traceback (most recent call last):
    ...
    numpy.exceptions.AxisError: axis 2 is out of bounds for array of dimension 2
    """
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate value in 'axis': {axis!r}")
    return tuple(sorted(out))


def split_sizes(split_every, axes, numblocks):
    """How many partial results one combine task merges along each reduced axis.

    >>> split_sizes(16, (0, 1), (10, 10)), split_sizes(16, (0, 1), (10, 1))
    ({0: 4, 1: 4}, {0: 16, 1: 2})
    """
    if isinstance(split_every, dict):
        return {a: builtins.max(int(split_every.get(a, 2)), 2) for a in axes}
    n = DEFAULT_SPLIT_EVERY if split_every is None else int(split_every)
    if n < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every!r}")
    busy = [a for a in axes if numblocks[a] > 1] or list(axes)
    per = builtins.max(int(round(n ** (1 / builtins.max(len(busy), 1)))), 2)
    return {a: (per if a in busy else 2) for a in axes}


def _first_leaf(nested):
    while type(nested) is list:
        nested = nested[0]
    return nested


def _map_nested(nested, func):
    if type(nested) is list:
        return [_map_nested(n, func) for n in nested]
    return func(nested)


def concat_partials(nested, axes):
    """Join partial results (arrays, or dicts of arrays) along ``axes``.

    >>> concat_partials([{'n': np.ones(1)}, {'n': np.zeros(1)}], (0,))
    {'n': array([1., 0.])}
    """
    leaf = _first_leaf(nested)
    if isinstance(leaf, dict):
        return {k: concatenate_nested(_map_nested(nested, operator.itemgetter(k)), axes)
                for k in leaf}
    return concatenate_nested(nested, axes)


def combine_step(func, nested, axes, keepdims):
    """Join the partial results of one group and reduce them with ``func``.

    >>> combine_step(np.sum, [np.ones(1), np.ones(1)], (0,), False)
    np.float64(2.0)
    """
    return func(concat_partials(nested, axes), axis=axes, keepdims=keepdims)


def reduction(x, chunk, aggregate, axis=None, keepdims=False, dtype=None,
              split_every=None, combine=None, name="reduce", block_kwargs=None):
    """A tree reduction of ``x`` over ``axis``.

    ``chunk(block, axis=axes, keepdims=True)`` reduces one block to partial
    results (an array or a dict of arrays, length 1 along the reduced axes);
    ``combine(joined, axis=axes, keepdims=True)`` merges partial results that
    were joined along the reduced axes (default ``aggregate``);
    ``aggregate(joined, axis=axes, keepdims=keepdims)`` gives the final block.

    >>> import plait.array as pa
    >>> x = pa.arange(10, chunks=2)
    >>> reduction(x, np.sum, np.sum, dtype=x.dtype, split_every=2).compute()
    np.int64(45)
    """
    axes = normalize_axis(axis, x.ndim)
    combine = combine or aggregate
    ind = tuple(range(x.ndim))
    partials = blockwise(partial(chunk, axis=axes, keepdims=True), ind, x, ind,
                         name=token(f"{name}-chunk", x, chunk, axes), dtype=object,
                         adjust_chunks={a: 1 for a in axes}, block_kwargs=block_kwargs)
    split = split_sizes(split_every, axes, x.numblocks)
    depth = 0
    while builtins.any(partials.numblocks[a] > split[a] for a in axes):
        depth += 1
        partials = _partial_reduce(combine, partials, axes, split, True, object,
                                   token(f"{name}-combine", partials, depth, combine, split))
    whole = {a: partials.numblocks[a] for a in axes}
    return _partial_reduce(aggregate, partials, axes, whole, keepdims, dtype,
                           token(f"{name}-aggregate", partials, aggregate, keepdims))


def _partial_reduce(func, x, axes, split, keepdims, dtype, name):
    """One level of the tree: merge groups of ``split[a]`` blocks along each axis."""
    groups = [_groups(n, split[a]) if a in axes else [[i] for i in range(n)]
              for a, n in enumerate(x.numblocks)]
    kept = [a for a in range(x.ndim) if keepdims or a not in axes]
    chunks = tuple(((1,) * len(groups[a]) if a in axes else x.chunks[a]) for a in kept)
    f = partial(combine_step, func, axes=axes, keepdims=keepdims)
    layer = {}
    for coords in product(*(range(len(g)) for g in groups)):
        members = [groups[a][c] for a, c in enumerate(coords)]
        nested = _nest_group(x.name, members, axes, ())
        key = (name, *(coords[a] for a in kept))
        layer[key] = (f, nested)
    return new_array(layer, name, chunks, dtype, [x])


def _groups(n, size):
    return [list(range(i, builtins.min(i + size, n))) for i in range(0, n, size)]


def _nest_group(name, members, axes, prefix):
    a = len(prefix)
    if a == len(members):
        return (name, *prefix)
    if a in axes:
        return [_nest_group(name, members, axes, (*prefix, i)) for i in members[a]]
    return _nest_group(name, members, axes, (*prefix, members[a][0]))


# ---------------------------------------------------------------- simple ones

def _empty_check(x, axes, what):
    if builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"zero-size array to reduction operation {what} which has no "
                         f"identity")


def _simple(func, x, axis, keepdims, split_every, dtype, label, cast=None):
    f = func if cast is None else partial(func, dtype=cast)
    return reduction(x, f, f, axis=axis, keepdims=keepdims, dtype=dtype,
                     split_every=split_every, combine=func, name=label)


def _out(result, out):
    if out is None:
        return result
    from plait.array.elementwise import _become

    _become(out, result)
    return out


def _sum_dtype(x, dtype, func=np.sum):
    if dtype is not None:
        return np.dtype(dtype)
    return func(np.zeros(1, dtype=x.dtype)).dtype


def sum(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Sum of elements over ``axis`` (all by default).

    >>> import plait.array as pa
    >>> x = pa.arange(6, chunks=2).reshape(2, 3)
    >>> int(sum(x)), sum(x, axis=0).compute()
    (15, array([3, 5, 7]))
    """
    dtype = _sum_dtype(a, dtype)
    return _out(_simple(np.sum, a, axis, keepdims, split_every, dtype, "sum", cast=dtype), out)


def prod(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Product of elements over ``axis``.

    >>> import plait.array as pa
    >>> int(prod(pa.arange(1, 6, chunks=2)))
    120
    """
    dtype = _sum_dtype(a, dtype, np.prod)
    return _out(_simple(np.prod, a, axis, keepdims, split_every, dtype, "prod",
                        cast=dtype), out)


def min(a, axis=None, keepdims=False, split_every=None, out=None):
    """Smallest element over ``axis``.

    >>> import plait.array as pa
    >>> min(pa.arange(5, chunks=2) - 2).compute()
    np.int64(-2)
    """
    _empty_check(a, normalize_axis(axis, a.ndim), "minimum")
    return _out(_simple(np.min, a, axis, keepdims, split_every, a.dtype, "min"), out)


def max(a, axis=None, keepdims=False, split_every=None, out=None):
    """Largest element over ``axis``.

    >>> import plait.array as pa
    >>> max(pa.arange(5, chunks=2)).compute()
    np.int64(4)
    """
    _empty_check(a, normalize_axis(axis, a.ndim), "maximum")
    return _out(_simple(np.max, a, axis, keepdims, split_every, a.dtype, "max"), out)


def any(a, axis=None, keepdims=False, split_every=None, out=None):
    """Whether any element over ``axis`` is true.

    >>> import plait.array as pa
    >>> bool(any(pa.zeros(4, chunks=2)))
    False
    """
    return _out(_simple(np.any, a, axis, keepdims, split_every, bool, "any"), out)


def all(a, axis=None, keepdims=False, split_every=None, out=None):
    """Whether every element over ``axis`` is true.

    >>> import plait.array as pa
    >>> bool(all(pa.ones(4, chunks=2)))
    True
    """
    return _out(_simple(np.all, a, axis, keepdims, split_every, bool, "all"), out)


def nansum(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Sum over ``axis`` treating NaN as zero.

    >>> import plait.array as pa
    >>> float(nansum(pa.from_array(np.array([1, np.nan, 2]), chunks=2)))
    3.0
    """
    dtype = _sum_dtype(a, dtype, np.nansum)
    f = partial(np.nansum, dtype=dtype)
    return _out(reduction(a, f, f, axis=axis, keepdims=keepdims, dtype=dtype,
                          split_every=split_every, combine=np.sum, name="nansum"), out)


def nanprod(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Product over ``axis`` treating NaN as one.

    >>> import plait.array as pa
    >>> float(nanprod(pa.from_array(np.array([2, np.nan, 3]), chunks=2)))
    6.0
    """
    dtype = _sum_dtype(a, dtype, np.nanprod)
    f = partial(np.nanprod, dtype=dtype)
    return _out(reduction(a, f, f, axis=axis, keepdims=keepdims, dtype=dtype,
                          split_every=split_every, combine=np.prod, name="nanprod"), out)


def nanmin(a, axis=None, keepdims=False, split_every=None, out=None):
    """Smallest element over ``axis``, ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanmin(pa.from_array(np.array([3, np.nan, 2]), chunks=2)))
    2.0
    """
    return _out(_simple(np.nanmin, a, axis, keepdims, split_every, a.dtype, "nanmin"), out)


def nanmax(a, axis=None, keepdims=False, split_every=None, out=None):
    """Largest element over ``axis``, ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanmax(pa.from_array(np.array([3, np.nan, 2]), chunks=2)))
    3.0
    """
    return _out(_simple(np.nanmax, a, axis, keepdims, split_every, a.dtype, "nanmax"), out)


# ---------------------------------------------------------------- moments

def _acc_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:
        return np.dtype(np.float32)
    return dtype


def _count(x, axis, nan):
    if nan:
        return np.sum(~np.isnan(x), axis=axis, keepdims=True, dtype=np.int64)
    n = math.prod(x.shape[a] for a in axis)
    shape = tuple(1 if a in axis else s for a, s in enumerate(x.shape))
    return np.full(shape, n, dtype=np.int64)


def mean_chunk(x, axis, keepdims=True, dtype=None, nan=False):
    """Partial result of a mean: the count and the total of one block.

    >>> mean_chunk(np.arange(4.0), (0,))
    {'n': array([4]), 'total': array([6.])}
    """
    total = (np.nansum if nan else np.sum)(x, axis=axis, keepdims=True,
                                          dtype=_acc_dtype(dtype or x.dtype))
    return {"n": _count(x, axis, nan), "total": total}


def mean_combine(d, axis, keepdims=True):
    """Merge joined mean partial results.

    >>> mean_combine({'n': np.array([2, 2]), 'total': np.array([1., 5.])}, (0,), False)
    {'n': np.int64(4), 'total': np.float64(6.0)}
    """
    return {"n": np.sum(d["n"], axis=axis, keepdims=keepdims),
            "total": np.sum(d["total"], axis=axis, keepdims=keepdims)}


def mean_aggregate(d, axis, keepdims=False, dtype=None):
    """The mean from joined partial results.

    >>> float(mean_aggregate({'n': np.array([2, 2]), 'total': np.array([1., 5.])}, (0,)))
    1.5
    """
    d = mean_combine(d, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(d["total"], d["n"])
    return out.astype(dtype, copy=False) if dtype is not None else out


def _mean(a, axis, dtype, keepdims, split_every, nan, label):
    dtype = np.dtype(dtype) if dtype is not None else (
        np.mean(np.zeros(1, dtype=a.dtype)).dtype)
    chunk = partial(mean_chunk, dtype=dtype, nan=nan)
    return reduction(a, chunk, partial(mean_aggregate, dtype=dtype), axis=axis,
                     keepdims=keepdims, dtype=dtype, split_every=split_every,
                     combine=mean_combine, name=label)


def mean(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Arithmetic mean over ``axis``.

    >>> import plait.array as pa
    >>> float(mean(pa.arange(100, chunks=10) + 1))
    50.5
    """
    return _out(_mean(a, axis, dtype, keepdims, split_every, False, "mean"), out)


def nanmean(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Mean over ``axis`` ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanmean(pa.from_array(np.array([1, np.nan, 3]), chunks=2)))
    2.0
    """
    return _out(_mean(a, axis, dtype, keepdims, split_every, True, "nanmean"), out)


def moment_chunk(x, axis, keepdims=True, nan=False):
    """Partial result of a variance: count, mean and sum of squared deviations.

    >>> moment_chunk(np.array([1.0, 3.0]), (0,))
    {'n': array([2]), 'mu': array([2.]), 'm2': array([2.])}
    """
    n = _count(x, axis, nan)
    acc = _acc_dtype(x.dtype)
    total = (np.nansum if nan else np.sum)(x, axis=axis, keepdims=True, dtype=acc)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.where(n > 0, total / np.where(n > 0, n, 1), 0)
    dev = np.abs(x - mu) ** 2
    m2 = (np.nansum if nan else np.sum)(dev, axis=axis, keepdims=True)
    return {"n": n, "mu": mu, "m2": m2}


def moment_combine(d, axis, keepdims=True):
    """Merge joined variance partial results (Chan et al.'s parallel formula).

    >>> d = {'n': np.array([1, 1]), 'mu': np.array([1.0, 3.0]), 'm2': np.zeros(2)}
    >>> moment_combine(d, (0,), False)['m2']
    array(2.)
    """
    n_i, mu_i, m2_i = d["n"], d["mu"], d["m2"]
    n = np.sum(n_i, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.sum(n_i * mu_i, axis=axis, keepdims=True) / np.where(n > 0, n, 1)
    m2 = np.sum(m2_i, axis=axis, keepdims=True) + np.sum(
        n_i * np.abs(mu_i - mu) ** 2, axis=axis, keepdims=True)
    if not keepdims:
        n, mu, m2 = (np.squeeze(v, axis=axis) for v in (n, mu, m2))
    return {"n": n, "mu": mu, "m2": m2}


def moment_aggregate(d, axis, keepdims=False, ddof=0, dtype=None, root=False):
    """The variance (or, with ``root``, the standard deviation).

    >>> d = {'n': np.array([1, 1]), 'mu': np.array([1.0, 3.0]), 'm2': np.zeros(2)}
    >>> float(moment_aggregate(d, (0,), root=True))
    1.0
    """
    d = moment_combine(d, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = d["m2"] / np.maximum(d["n"] - ddof, 0)
    if root:
        out = np.sqrt(out)
    return out.astype(dtype, copy=False) if dtype is not None else out


def _moment(a, axis, dtype, keepdims, ddof, split_every, nan, root, label):
    dtype = np.dtype(dtype) if dtype is not None else np.var(np.zeros(1, a.dtype)).dtype
    agg = partial(moment_aggregate, ddof=ddof, dtype=dtype, root=root)
    return reduction(a, partial(moment_chunk, nan=nan), agg, axis=axis,
                     keepdims=keepdims, dtype=dtype, split_every=split_every,
                     combine=moment_combine, name=label)


def var(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Variance over ``axis`` (``ddof``: delta degrees of freedom).

    >>> import plait.array as pa
    >>> float(var(pa.arange(4, chunks=3)))
    1.25
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, False, False, "var"),
                out)


def std(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Standard deviation over ``axis``.

    >>> import plait.array as pa
    >>> float(std(pa.from_array(np.array([1., 3.]), chunks=1)))
    1.0
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, False, True, "std"),
                out)


def nanvar(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Variance over ``axis`` ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanvar(pa.from_array(np.array([1., np.nan, 3.]), chunks=2)))
    1.0
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, True, False,
                        "nanvar"), out)


def nanstd(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Standard deviation over ``axis`` ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanstd(pa.from_array(np.array([1., np.nan, 3.]), chunks=2)))
    1.0
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, True, True,
                        "nanstd"), out)


# ---------------------------------------------------------------- argmin/argmax

def arg_chunk(x, axis, keepdims=True, kind="max", flat=False, offset=(), shape=()):
    """Best value and its global index in one block (flat index when ``flat``).

    >>> arg_chunk(np.array([3, 9, 1]), (0,), offset=(10,))
    {'vals': array([9]), 'idx': array([11])}
    """
    func = np.argmax if kind == "max" else np.argmin
    ones = (1,) * x.ndim
    if flat:
        local = func(x)
        coords = np.unravel_index(local, x.shape)
        where = np.ravel_multi_index(tuple(c + o for c, o in zip(coords, offset)), shape)
        return {"vals": np.reshape(x.ravel()[local], ones),
                "idx": np.full(ones, where, dtype=np.intp)}
    (a,) = axis
    local = func(x, axis=a, keepdims=True)
    return {"vals": np.take_along_axis(x, local, axis=a),
            "idx": (local + offset[a]).astype(np.intp)}


def arg_combine(d, axis, keepdims=True, kind="max", result=False):
    """Pick the best candidates (first NaN wins, then the extreme, then the
    smallest index, as NumPy does) from joined partial results.

    >>> d = {'vals': np.array([5.0, 7.0, 7.0]), 'idx': np.array([4, 9, 2])}
    >>> arg_combine(d, (0,), keepdims=False, result=True)
    array(2)
    """
    vals, idx = d["vals"], d["idx"]
    if not axis:  # a 0-d array: its one element is the answer
        return idx if result else d
    if len(axis) > 1:
        keep = [a for a in range(vals.ndim) if a not in axis]
        vals = np.moveaxis(vals, axis, range(-len(axis), 0)).reshape(
            [vals.shape[a] for a in keep] + [-1])
        idx = np.moveaxis(idx, axis, range(-len(axis), 0)).reshape(vals.shape)
        last = -1
    else:
        last = axis[0]
    best = (np.max if kind == "max" else np.min)(vals, axis=last, keepdims=True)
    match = vals == best
    if vals.dtype.kind in "fc":
        nans = np.isnan(vals)
        anynan = nans.any(axis=last, keepdims=True)
        match = np.where(anynan, nans, match)
    big = np.iinfo(np.intp).max
    chosen = np.where(match, idx, big).min(axis=last, keepdims=True)
    if len(axis) > 1:
        shape = list(vals.shape[:-1])
        for a in axis:
            shape.insert(a, 1)
        chosen, best = chosen.reshape(shape), best.reshape(shape)
    if not keepdims:
        chosen, best = np.squeeze(chosen, axis=axis), np.squeeze(best, axis=axis)
    return chosen if result else {"vals": best, "idx": chosen}


def _arg(a, kind, axis, keepdims, split_every, out):
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"arg{kind}: axis must be None or an int, got {axis!r}")
    flat = axis is None and a.ndim != 1
    axes = normalize_axis(axis, a.ndim)
    _empty_check(a, axes, f"arg{kind}")
    starts = [offsets(c) for c in a.chunks]

    def block_kwargs(coords):
        return {"offset": tuple(s[c] for s, c in zip(starts, coords))}

    chunk = partial(arg_chunk, kind=kind, flat=flat, shape=a.shape)
    result = reduction(a, chunk, partial(arg_combine, kind=kind, result=True), axis=axis,
                       keepdims=keepdims, dtype=np.intp, split_every=split_every,
                       combine=partial(arg_combine, kind=kind), name=f"arg{kind}",
                       block_kwargs=block_kwargs)
    return _out(result, out)


def argmax(a, axis=None, keepdims=False, split_every=None, out=None):
    """Index of the largest element (flat index when ``axis`` is None).

    >>> import plait.array as pa
    >>> int(argmax(pa.from_array(np.array([[1, 9], [9, 2]]), chunks=1)))
    1
    """
    return _arg(a, "max", axis, keepdims, split_every, out)


def argmin(a, axis=None, keepdims=False, split_every=None, out=None):
    """Index of the smallest element (flat index when ``axis`` is None).

    >>> import plait.array as pa
    >>> argmin(pa.from_array(np.array([[1, 0], [0, 2]]), chunks=1), axis=0).compute()
    array([1, 0])
    """
    return _arg(a, "min", axis, keepdims, split_every, out)


__all__ = ["reduction", "sum", "prod", "min", "max", "any", "all", "mean", "var", "std",
           "argmin", "argmax", "nansum", "nanprod", "nanmin", "nanmax", "nanmean",
           "nanvar", "nanstd", "normalize_axis", "split_sizes"]
