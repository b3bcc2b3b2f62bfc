"""``argmin`` and ``argmax`` as tree reductions.

Each block reports its best value and that value's global index (the flat
index for ``axis=None``); merging keeps NumPy's rules: the first NaN wins,
then the extreme value, then the smallest index.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from plait.array.chunks import offsets
from plait.array.reductions import _empty_check, _out, normalize_axis, reduction


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


__all__ = ["argmin", "argmax"]
