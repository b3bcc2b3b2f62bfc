"""Indexing: ints, slices (any step), ``None``, ``...``, and one integer or
boolean index array, with NumPy's semantics.

Basic indexing makes one task per output block, each slicing one input block.
An index array is applied with ``take`` along its axis: one task per output
block, reading only the input blocks its indices fall in.
"""
from __future__ import annotations

from itertools import product
from operator import getitem as _getitem

import numpy as np

from plait.array.chunks import offsets
from plait.array.core import Array, new_array, token
from plait.graph.core import quote

VALID = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
         "integer or boolean arrays are valid indices")


def getitem(x, index):
    """``x[index]`` as a new plait array.

    >>> import plait.array as pa
    >>> x = pa.arange(12, chunks=5).reshape(3, 4)
    >>> x[1:, ::-2].compute()
    array([[ 7,  5],
           [11,  9]])
    >>> x[:, [3, 0]].compute()
    array([[ 3,  0],
           [ 7,  4],
           [11,  8]])
    >>> x[5]
    Traceback (most recent call last):
    ...
    IndexError: index 5 is out of bounds for axis 0 with size 3
    """
    index, whole_mask = normalize_index(index, x.shape)
    if whole_mask is not None:
        return getitem(x.reshape(-1), np.flatnonzero(whole_mask))
    arrays = [k for k, i in enumerate(index) if isinstance(i, np.ndarray)]
    if len(arrays) > 1:
        raise IndexError(f"plait arrays take one index array at a time; this index has "
                         f"{len(arrays)}: index them one after the other")
    if not arrays:
        return basic_getitem(x, index)
    (k,) = arrays
    idx = index[k]
    y = basic_getitem(x, index[:k] + (slice(None),) + index[k + 1:])
    axis = sum(1 for i in index[:k] if not _isint(i))
    out = take(y, idx.ravel(), axis)
    if idx.ndim != 1:
        out = out.reshape(out.shape[:axis] + idx.shape + out.shape[axis + 1:])
    advanced = [j for j, i in enumerate(index) if _isint(i) or j == k]
    if advanced[-1] - advanced[0] + 1 != len(advanced):
        out = _front(out, axis, idx.ndim)
    return out


def _front(x, axis, n):
    """Move the ``n`` axes from ``axis`` on to the front (NumPy's rule for
    advanced indices separated by a slice)."""
    order = list(range(axis, axis + n)) + [a for a in range(x.ndim)
                                           if not axis <= a < axis + n]
    return x.transpose(order)


def _isint(i):
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def normalize_index(index, shape):
    """``(index, mask)``: the index as a tuple as long as ``shape`` (plus its
    ``None`` entries) with ``...`` expanded, ints made non-negative, lists as
    arrays and boolean vectors as integer arrays; ``mask`` is a boolean array
    covering the whole array (else None).

    >>> normalize_index((-1, Ellipsis), (3, 4, 5))
    ((2, slice(None, None, None), slice(None, None, None)), None)
    """
    if not isinstance(index, tuple):
        index = (index,)
    index = tuple(_as_index(i) for i in index)
    if len(index) == 1 and isinstance(index[0], np.ndarray) and index[0].dtype == bool \
            and index[0].ndim > 1:
        if index[0].shape != tuple(shape):
            raise IndexError(f"boolean index of shape {index[0].shape} does not match "
                             f"the array's shape {tuple(shape)}")
        return (), index[0]
    used = sum(1 for i in index if i is not None and i is not Ellipsis)
    ellipses = sum(1 for i in index if i is Ellipsis)
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, "
                         f"but {used} were indexed")
    fill = (slice(None),) * (len(shape) - used)
    if ellipses:
        k = next(j for j, i in enumerate(index) if i is Ellipsis)
        index = index[:k] + fill + index[k + 1:]
    else:
        index = index + fill
    out, axis = [], 0
    for i in index:
        if i is None:
            out.append(None)
            continue
        out.append(_check(i, axis, shape[axis]))
        axis += 1
    return tuple(out), None


def _as_index(i):
    if isinstance(i, Array):
        raise IndexError("indexing with a plait array is not supported (the result's "
                         "length would be unknown until computed); compute the index "
                         "first, e.g. x[np.asarray(mask)]")
    if i is None or i is Ellipsis or isinstance(i, slice) or _isint(i):
        return i
    if isinstance(i, (list, np.ndarray)):
        a = np.asarray(i)
        if a.size == 0 and a.dtype.kind not in "biu":
            a = a.astype(np.intp)
        if a.dtype.kind not in "biu":
            raise IndexError(f"{VALID}; got an array of dtype {a.dtype}")
        return a[()] if a.ndim == 0 and a.dtype != bool else a
    raise IndexError(f"{VALID}; got {type(i).__name__} {i!r}")


def _check(i, axis, size):
    if isinstance(i, slice):
        for part in (i.start, i.stop, i.step):
            if part is not None and not _isint(part):
                raise IndexError(f"slice indices must be integers or None, got {part!r}")
        if i.step == 0:
            raise ValueError("slice step cannot be zero")
        return i
    if isinstance(i, np.ndarray):
        if i.dtype == bool:
            if i.ndim != 1 or len(i) != size:
                raise IndexError(f"boolean index did not match indexed array along axis "
                                 f"{axis}; size of axis is {size} but size of "
                                 f"corresponding boolean axis is {i.shape[0] if i.ndim else 0}")
            return np.flatnonzero(i)
        bad = (i < -size) | (i >= size)
        if bad.any():
            raise IndexError(f"index {int(i[bad].flat[0])} is out of bounds for axis "
                             f"{axis} with size {size}")
        return np.where(i < 0, i + size, i).astype(np.intp)
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {size}")
    return int(i) % size if size else int(i)


def slice_plan(chunks, s):
    """For one axis: ``[(input block, slice within it, length)]`` for slice ``s``,
    in output order.

    >>> slice_plan((5, 5), slice(3, 8))
    [(0, slice(3, 5, 1), 2), (1, slice(0, 3, 1), 3)]
    >>> slice_plan((5, 5), slice(None, None, -4))
    [(1, slice(4, None, -4), 2), (0, slice(1, None, -4), 1)]
    """
    n = sum(chunks)
    start, stop, step = s.indices(n)
    bounds = offsets(chunks)
    plan = []
    blocks = range(len(chunks)) if step > 0 else range(len(chunks) - 1, -1, -1)
    for b in blocks:
        lo, hi = bounds[b], bounds[b + 1]
        piece = _piece(start, stop, step, lo, hi) if hi > lo else None
        if piece is not None:
            plan.append((b, *piece))
    return plan or [(0, slice(0, 0, 1), 0)]


def _piece(start, stop, step, lo, hi):
    """The part of ``range(start, stop, step)`` inside ``[lo, hi)``, as a local
    slice and its length, or None."""
    if step > 0:
        begin = max(start, lo)
        first = start + -(-(begin - start) // step) * step
        end = min(stop, hi)
        if first >= end:
            return None
        return slice(first - lo, end - lo, step), len(range(first, end, step))
    top = min(start, hi - 1)
    if top < lo:
        return None
    first = start - -(-(start - top) // -step) * -step
    floor = max(stop, lo - 1)
    if first < lo or first <= floor:
        return None
    local_stop = floor - lo
    return (slice(first - lo, None if local_stop < 0 else local_stop, step),
            len(range(first, floor, step)))


def basic_getitem(x, index):
    """``x[index]`` for an index of ints, slices and None (one entry per axis,
    plus the ``None`` entries).

    >>> import plait.array as pa
    >>> basic_getitem(pa.arange(6, chunks=4), (slice(3, 5),)).chunks
    ((1, 1),)
    """
    if all(isinstance(i, slice) and i == slice(None) for i in index) and \
            len(index) == x.ndim:
        return x
    name = token("getitem", x, index)
    plans, out_chunks = [], []
    axis = 0
    for i in index:
        if i is None:
            plans.append([(None, None, 1)])
            out_chunks.append((1,))
            continue
        c = x.chunks[axis]
        if isinstance(i, slice):
            plan = slice_plan(c, i)
            plans.append(plan)
            out_chunks.append(tuple(n for _, _, n in plan))
        else:
            o = offsets(c)
            b = int(np.searchsorted(o, i, side="right")) - 1
            plans.append([(b, i - o[b], None)])
        axis += 1
    out_axes = [k for k, i in enumerate(index) if not _isint(i)]
    layer = {}
    for choice in product(*(range(len(p)) for p in plans)):
        pieces = [p[c] for p, c in zip(plans, choice)]
        in_key = (x.name, *(b for (b, _, _), i in zip(pieces, index) if i is not None))
        local = tuple(p[1] for p in pieces)
        out_key = (name, *(choice[k] for k in out_axes))
        layer[out_key] = (_getitem, in_key, local)
    return new_array(layer, name, tuple(out_chunks), x.dtype, [x])


def take_pieces(blocks, plan, axis, n):
    """Assemble one output block of ``take``: for each input block, the
    positions in the output and the local indices to read.

    >>> take_pieces([np.array([10, 11]), np.array([20])],
    ...             [(np.array([1]), np.array([1])), (np.array([0]), np.array([0]))], 0, 2)
    array([20, 11])
    """
    first = blocks[0]
    shape = first.shape[:axis] + (n,) + first.shape[axis + 1:]
    out = np.empty(shape, dtype=first.dtype)
    lead = (slice(None),) * axis
    for block, (pos, local) in zip(blocks, plan):
        out[lead + (pos,)] = np.take(block, local, axis=axis)
    return out


def take_block(block, local, axis):
    """``np.take(block, local, axis)``, for a piece that reads one block.

    >>> take_block(np.arange(5) * 2, [4, 0], 0)
    array([8, 0])
    """
    return np.take(block, local, axis=axis)


def _take_plan(chunks, idx):
    """Output pieces of ``take`` along one axis: for each, its length and a
    list of ``(input block, positions in the piece, local indices)``."""
    bounds = np.asarray(offsets(chunks))
    block_of = np.searchsorted(bounds, idx, side="right") - 1
    if len(idx) and np.all(np.diff(idx) >= 0):
        cuts = np.flatnonzero(np.diff(block_of)) + 1
        spans = zip(np.r_[0, cuts], np.r_[cuts, len(idx)])
    else:
        size = max(max(chunks), 1)
        spans = [(a, min(a + size, len(idx))) for a in range(0, len(idx), size)]
    pieces = []
    for a, b in spans:
        sub, blocks = idx[a:b], block_of[a:b]
        entries = []
        for blk in np.unique(blocks):
            pos = np.flatnonzero(blocks == blk)
            entries.append((int(blk), pos, sub[pos] - bounds[blk]))
        pieces.append((b - a, entries))
    return pieces


def take(x, indices, axis=0):
    """Elements of ``x`` at integer ``indices`` along ``axis``, like ``np.take``.

    >>> import plait.array as pa
    >>> take(pa.arange(10, chunks=3) * 10, [7, 1, 1], axis=0).compute()
    array([70, 10, 10])
    """
    from plait.array.reductions import normalize_axis

    (axis,) = normalize_axis(axis, x.ndim)
    idx = _check(np.asarray(indices), axis, x.shape[axis]) if np.ndim(indices) else None
    if idx is None:
        return getitem(x, (slice(None),) * axis + (int(indices),))
    if idx.size == 0:
        return basic_getitem(x, (slice(None),) * axis + (slice(0, 0),) +
                             (slice(None),) * (x.ndim - axis - 1))
    pieces = _take_plan(x.chunks[axis], idx)
    name = token("take", x, idx, axis)
    others = [range(n) for n in x.numblocks]
    layer = {}
    for coords in product(*(others[:axis] + [range(len(pieces))] + others[axis + 1:])):
        n, entries = pieces[coords[axis]]
        keys = [(x.name, *coords[:axis], blk, *coords[axis + 1:]) for blk, _, _ in entries]
        if len(entries) == 1 and len(entries[0][1]) == n:
            layer[(name, *coords)] = (take_block, keys[0], entries[0][2], axis)
        else:
            plan = [(pos, local) for _, pos, local in entries]
            layer[(name, *coords)] = (take_pieces, keys, quote(plan), axis, n)
    chunks = x.chunks[:axis] + (tuple(n for n, _ in pieces),) + x.chunks[axis + 1:]
    return new_array(layer, name, chunks, x.dtype, [x])


__all__ = ["getitem", "take", "normalize_index", "slice_plan", "basic_getitem"]
