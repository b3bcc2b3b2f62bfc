"""``rechunk``: the same array cut into different blocks.

Each output block is one task that joins the slices of the input blocks it
overlaps; an output block equal to an input block is a reference to it.
"""
from __future__ import annotations

from itertools import product
from operator import getitem

from plait.array.blockwise import concatenate_nested
from plait.array.chunks import normalize_chunks, offsets
from plait.array.core import new_array, token


def _axis_plan(old, new):
    """For each new block along one axis, ``[(old block, slice within it)]``.

    >>> _axis_plan((4, 4), (3, 5))
    [[(0, slice(0, 3, None))], [(0, slice(3, 4, None)), (1, slice(0, 4, None))]]
    """
    old_bounds, new_bounds = offsets(old), offsets(new)
    plan, b = [], 0
    for j in range(len(new)):
        lo, hi = new_bounds[j], new_bounds[j + 1]
        pieces = []
        while b < len(old) - 1 and old_bounds[b + 1] <= lo:
            b += 1
        k = b
        while k < len(old) and old_bounds[k] < hi:
            start, stop = max(lo, old_bounds[k]), min(hi, old_bounds[k + 1])
            pieces.append((k, slice(start - old_bounds[k], stop - old_bounds[k])))
            k += 1
        if not pieces:  # an empty axis
            pieces.append((min(b, len(old) - 1), slice(0, 0)))
        plan.append(pieces)
    return plan


def rechunk(x, chunks="auto", block_size_limit=None):
    """``x`` with new block lengths (anything ``normalize_chunks`` reads; a dict
    ``{axis: chunks}`` changes only those axes).

    >>> import plait.array as pa
    >>> x = pa.arange(10, chunks=4)
    >>> y = rechunk(x, 5)
    >>> y.chunks, bool((y.compute() == x.compute()).all())
    (((5, 5),), True)
    """
    chunks = normalize_chunks(chunks, x.shape, limit=block_size_limit, dtype=x.dtype,
                              previous_chunks=x.chunks)
    if chunks == x.chunks:
        return x
    name = token("rechunk", x, chunks)
    plans = [_axis_plan(o, n) for o, n in zip(x.chunks, chunks)]
    layer = {}
    for coords in product(*(range(len(c)) for c in chunks)):
        per_axis = [plans[a][c] for a, c in enumerate(coords)]
        layer[(name, *coords)] = _block_task(x, per_axis)
    return new_array(layer, name, chunks, x.dtype, [x])


def _block_task(x, per_axis):
    """The task for one new block: a reference when it is one whole old block."""
    if all(len(p) == 1 for p in per_axis):
        key = (x.name, *(p[0][0] for p in per_axis))
        slices = tuple(p[0][1] for p in per_axis)
        whole = all(s.start == 0 and s.stop == x.chunks[a][p[0][0]]
                    for a, (s, p) in enumerate(zip(slices, per_axis)))
        return key if whole else (getitem, key, slices)
    nested = _nest(x.name, per_axis, ())
    return (concatenate_nested, nested, tuple(range(x.ndim)))


def _nest(name, per_axis, chosen):
    a = len(chosen)
    if a == len(per_axis):
        key = (name, *(b for b, _ in chosen))
        return (getitem, key, tuple(s for _, s in chosen))
    return [_nest(name, per_axis, (*chosen, piece)) for piece in per_axis[a]]


__all__ = ["rechunk"]
