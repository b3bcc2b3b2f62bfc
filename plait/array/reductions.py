"""Reductions as trees: ``sum``, ``prod``, ``min``, ``max``, ``any``, ``all`` and
their ``nan`` forms (``mean``/``var``/``std`` are in ``moments``,
``argmin``/``argmax`` in ``argreductions``).

A reduction is three steps. *chunk* reduces every block on its own (one task
per block, which the optimizer fuses into the task that made the block, so
the block is freed at once); *combine* merges groups of at most
``split_every`` partial results (a tree, level by level); *aggregate* makes the
final value from the last group. Only small partial results ever wait in
memory, so ``(x + 1).sum()`` streams an array of any size.
"""
from __future__ import annotations

import builtins
import operator
from functools import partial
from itertools import product

import numpy as np

from plait.array.blockwise import blockwise, concatenate_nested
from plait.array.core import new_array, token

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


__all__ = ["reduction", "sum", "prod", "min", "max", "any", "all", "nansum", "nanprod",
           "nanmin", "nanmax", "normalize_axis", "split_sizes"]
