"""``map_overlap``: apply a function to blocks that see their neighbours' edges.

``overlap`` extends every block with ``depth`` elements from its neighbours
along each axis (one axis after the other, so corners come along), and with
``boundary`` values at the array's edges: ``'reflect'`` (mirror, edge
included), ``'periodic'`` (wrap around), ``'nearest'`` (repeat the edge
value), ``'none'`` (nothing added) or a constant. ``map_overlap`` maps the
function over the extended blocks and trims the extensions off again.
"""
from __future__ import annotations

from itertools import product
from operator import getitem

import numpy as np

from plait.array.blockwise import map_blocks, unify_chunks
from plait.array.core import Array, new_array, token

BOUNDARIES = ("reflect", "periodic", "nearest", "none")


def _per_axis(value, ndim, what, default):
    if isinstance(value, dict):
        out = [default] * ndim
        for a, v in value.items():
            out[int(a) % ndim] = v
        return out
    if isinstance(value, (tuple, list)):
        if len(value) != ndim:
            raise ValueError(f"{what} {value!r} has {len(value)} entries for an array "
                             f"of {ndim} dimensions")
        return list(value)
    return [value] * ndim


def join(pieces, axis):
    """``np.concatenate(pieces, axis)`` (a named task function).

    >>> join([np.ones(1), np.zeros(2)], 0)
    array([1., 0., 0.])
    """
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=axis)


def repeat_edge(block, axis, index, depth):
    """The element at ``index`` along ``axis``, repeated ``depth`` times.

    >>> repeat_edge(np.arange(4), 0, -1, 2)
    array([3, 3])
    """
    edge = np.take(block, [index], axis=axis)
    return np.repeat(edge, depth, axis=axis)


def constant_slab(shape, value, dtype):
    """A block of ``shape`` filled with ``value``.

    >>> constant_slab((2,), 7, int)
    array([7, 7])
    """
    return np.full(shape, value, dtype=dtype)


def _ensure_depth(x, axis, depth):
    """Rechunk ``axis`` so every block is at least ``depth`` long."""
    chunks = x.chunks[axis]
    if depth == 0 or min(chunks) >= depth:
        return x
    if sum(chunks) < depth:
        raise ValueError(f"depth {depth} along axis {axis} is larger than the axis "
                         f"({sum(chunks)} elements)")
    merged = []
    for c in chunks:
        if merged and merged[-1] < depth:
            merged[-1] += c
        else:
            merged.append(c)
    if merged[-1] < depth:
        last = merged.pop()
        merged[-1] += last
    return x.rechunk({axis: tuple(merged)})


def _edge_piece(x, axis, coords, side, depth, boundary):
    """The task for the slab added on ``side`` ('left'/'right') of a block at
    the array's edge, or None for ``'none'``."""
    nb = x.numblocks[axis]
    key = (x.name, *coords)
    cut = [slice(None)] * x.ndim
    if boundary == "none":
        return None
    if boundary == "periodic":
        other = list(coords)
        other[axis] = nb - 1 if side == "left" else 0
        cut[axis] = slice(-depth, None) if side == "left" else slice(0, depth)
        return (getitem, (x.name, *other), tuple(cut))
    if boundary == "reflect":
        cut[axis] = slice(depth - 1, None, -1) if side == "left" else \
            slice(-1, -depth - 1, -1)
        return (getitem, key, tuple(cut))
    if boundary == "nearest":
        return (repeat_edge, key, axis, 0 if side == "left" else -1, depth)
    shape = [c[k] for c, k in zip(x.chunks, coords)]
    shape[axis] = depth
    return (constant_slab, tuple(shape), boundary, x.dtype)


def overlap_axis(x, axis, depth, boundary):
    """``x`` with each block extended by ``depth`` along ``axis``; also returns,
    per block along the axis, how much was added on the left and right.

    >>> import plait.array as pa
    >>> y, added = overlap_axis(pa.arange(4, chunks=2), 0, 1, 'none')
    >>> y.chunks, added
    (((3, 3),), [(0, 1), (1, 0)])
    """
    if depth == 0:
        return x, [(0, 0)] * x.numblocks[axis]
    x = _ensure_depth(x, axis, depth)
    nb = x.numblocks[axis]
    name = token("overlap", x, axis, depth, boundary)
    added = []
    for b in range(nb):
        left = depth if b > 0 or boundary != "none" else 0
        right = depth if b < nb - 1 or boundary != "none" else 0
        added.append((left, right))
    layer = {}
    for coords in product(*(range(n) for n in x.numblocks)):
        b = coords[axis]
        pieces = []
        for side, step in (("left", -1), ("right", 1)):
            nbr = b + step
            if 0 <= nbr < nb:
                cut = [slice(None)] * x.ndim
                cut[axis] = slice(-depth, None) if side == "left" else slice(0, depth)
                other = list(coords)
                other[axis] = nbr
                piece = (getitem, (x.name, *other), tuple(cut))
            else:
                piece = _edge_piece(x, axis, coords, side, depth, boundary)
            pieces.append(piece)
        left, right = pieces
        parts = [p for p in (left, (x.name, *coords), right) if p is not None]
        layer[(name, *coords)] = (join, parts, axis)
    chunks = list(x.chunks)
    chunks[axis] = tuple(c + lft + rgt for c, (lft, rgt) in zip(x.chunks[axis], added))
    return new_array(layer, name, tuple(chunks), x.dtype, [x]), added


def overlap(x, depth, boundary="none"):
    """``x`` with every block extended by its neighbours' edges (``depth`` per
    axis: an int, a tuple, or a dict ``{axis: depth}``). Returns the array
    and, per axis, the ``(left, right)`` lengths added to each block.

    >>> import plait.array as pa
    >>> y, added = overlap(pa.arange(6, chunks=3), 1, 'periodic')
    >>> y.compute()
    array([5, 0, 1, 2, 3, 2, 3, 4, 5, 0])
    """
    depths = [int(d) for d in _per_axis(depth, x.ndim, "depth", 0)]
    bounds = _per_axis(boundary, x.ndim, "boundary", "none")
    for a, (d, bnd) in enumerate(zip(depths, bounds)):
        if d < 0:
            raise ValueError(f"depth along axis {a} must not be negative, got {d}")
        if isinstance(bnd, str) and bnd not in BOUNDARIES:
            raise ValueError(f"boundary along axis {a}: unknown {bnd!r}; expected one of "
                             f"{', '.join(map(repr, BOUNDARIES))} or a constant")
    added = []
    for a in range(x.ndim):
        x, add = overlap_axis(x, a, depths[a], bounds[a])
        added.append(add)
    return x, added


def trim_block(block, cut):
    """``block[cut]`` (a named task function).

    >>> trim_block(np.arange(5), (slice(1, 4),))
    array([1, 2, 3])
    """
    return block[cut]


def trim_overlap(x, added):
    """Remove what ``overlap`` added (``added`` as it returned).

    >>> import plait.array as pa
    >>> y, added = overlap(pa.arange(4, chunks=2), 1, 'nearest')
    >>> trim_overlap(y, added).compute()
    array([0, 1, 2, 3])
    """
    name = token("trim", x, added)
    layer = {}
    for coords in product(*(range(n) for n in x.numblocks)):
        cut = []
        for a, k in enumerate(coords):
            left, right = added[a][k] if added[a] else (0, 0)
            cut.append(slice(left, x.chunks[a][k] - right))
        layer[(name, *coords)] = (trim_block, (x.name, *coords), tuple(cut))
    chunks = tuple(tuple(c - lft - rgt for c, (lft, rgt) in zip(cs, add)) if add else cs
                   for cs, add in zip(x.chunks, added))
    return new_array(layer, name, chunks, x.dtype, [x])


def map_overlap(func, *args, depth=None, boundary="none", trim=True, dtype=None,
                **kwargs):
    """Apply ``func`` to each block extended by ``depth`` neighbouring elements
    (and ``boundary`` values at the array's edges), then trim the extension.

    ``func`` must return blocks of the shape it was given. ``kwargs`` go to
    ``func``.

    >>> import plait.array as pa
    >>> x = pa.from_array(np.array([1., 2, 3, 4, 5, 6]), chunks=2)
    >>> smooth = lambda b: np.convolve(b, [1/3, 1/3, 1/3], mode='same')
    >>> map_overlap(smooth, x, depth=1, boundary='nearest').compute()
    array([1.33333333, 2.        , 3.        , 4.        , 5.        ,
           5.66666667])
    """
    arrays = [a for a in args if isinstance(a, Array)]
    if not arrays:
        raise TypeError("map_overlap needs at least one plait array among its arguments")
    if depth is None:
        raise TypeError("map_overlap needs depth= (an int, a tuple or a dict per axis)")
    if len(arrays) > 1:
        ndim = arrays[0].ndim
        pairs, _ = unify_chunks([(a, tuple(range(ndim - a.ndim, ndim))) for a in arrays])
        aligned = iter(a for a, _ in pairs)
        args = tuple(next(aligned) if isinstance(a, Array) else a for a in args)
    extended, added = [], None
    for a in args:
        if isinstance(a, Array):
            a, added = overlap(a, depth, boundary)
        extended.append(a)
    out = map_blocks(func, *extended, dtype=dtype, **kwargs)
    if not trim:
        return out
    return trim_overlap(out, added)


__all__ = ["map_overlap", "overlap", "trim_overlap"]
