"""Shape changes: ``reshape``, ``transpose`` (and ``swapaxes``, ``moveaxis``),
``squeeze``, ``expand_dims``, ``ravel``.

``reshape`` works block by block: it groups the axes of the old and new
shapes into runs with equal products; within a run, the inner axes must be
whole (one block) and the outer axis's blocks must hold whole rows of the
new inner axes. Only the axes that break those rules are rechunked.
"""
from __future__ import annotations

import math
from functools import partial
from itertools import product

import numpy as np

from plait.array.blockwise import blockwise
from plait.array.chunks import blocks_of
from plait.array.core import new_array, token
from plait.array.reductions import normalize_axis


def normalize_shape(shape, size):
    """``shape`` with one ``-1`` resolved for an array of ``size`` elements.

    >>> normalize_shape((2, -1), 6)
    (2, 3)
    >>> normalize_shape((4,), 6)
    Traceback (most recent call last):
    ...
    ValueError: cannot reshape array of size 6 into shape (4,)
    """
    shape = tuple(int(s) for s in shape)
    unknown = [k for k, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise ValueError("can only specify one unknown dimension (-1)")
    known = math.prod(s for s in shape if s != -1)
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if math.prod(shape) != size or any(s < 0 for s in shape):
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def _groups(ins, outs):
    """Runs ``(in positions, out positions)`` of equal products (no 1s given)."""
    groups, i, j = [], 0, 0
    while i < len(ins):
        gi, gj, pi, pj = [i], [j], ins[i], outs[j]
        i, j = i + 1, j + 1
        while pi != pj:
            if pi < pj:
                gi.append(i)
                pi *= ins[i]
                i += 1
            else:
                gj.append(j)
                pj *= outs[j]
                j += 1
        groups.append((gi, gj))
    return groups


def reshape_block(block, shape):
    """``np.reshape(block, shape)``, named for readable graphs.

    >>> reshape_block(np.arange(4), (2, 2)).shape
    (2, 2)
    """
    return np.reshape(block, shape)


def reshape(x, *shape):
    """``x`` with a new shape of the same size (``-1``: the one unknown length).

    >>> import plait.array as pa
    >>> x = pa.arange(12, chunks=4)
    >>> y = reshape(x, (3, 4))
    >>> y.chunks
    ((1, 1, 1), (4,))
    >>> y.compute()[2]
    array([ 8,  9, 10, 11])
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    shape = normalize_shape(shape, x.size)
    if shape == x.shape:
        return x
    name = token("reshape", x, shape)
    if x.npartitions == 1 or x.size == 0:
        x = x.rechunk(-1) if x.size == 0 else x
        layer = {(name, *(0,) * len(shape)): (reshape_block, (x.name, *(0,) * x.ndim), shape)}
        return new_array(layer, name, tuple((s,) for s in shape), x.dtype, [x])
    in_dims = [a for a, s in enumerate(x.shape) if s != 1]
    out_dims = [a for a, s in enumerate(shape) if s != 1]
    groups = [([in_dims[k] for k in gi], [out_dims[k] for k in gj])
              for gi, gj in _groups([x.shape[a] for a in in_dims],
                                    [shape[a] for a in out_dims])]
    x, out_chunks = _prepare(x, shape, groups)
    return _build(x, shape, groups, out_chunks, name)


def _prepare(x, shape, groups):
    """Rechunk ``x`` where the groups need it; return it and the output chunks."""
    new_in = list(x.chunks)
    out_chunks = [(s,) for s in shape]
    for ins, outs in groups:
        in_rest = math.prod(x.shape[a] for a in ins[1:])
        out_rest = math.prod(shape[a] for a in outs[1:])
        first = x.chunks[ins[0]]
        for a in ins[1:]:
            new_in[a] = (x.shape[a],)
        m = out_rest // math.gcd(out_rest, in_rest)
        if any(c % m for c in first) or any(len(x.chunks[a]) > 1 for a in ins[1:]):
            block = math.prod(max(x.chunks[a]) for a in ins)
            size = max(block // in_rest // m, 1) * m
            first = blocks_of(x.shape[ins[0]], size)
        new_in[ins[0]] = first
        out_chunks[outs[0]] = tuple(c * in_rest // out_rest for c in first)
    return x.rechunk(tuple(new_in)), tuple(out_chunks)


def _build(x, shape, groups, out_chunks, name):
    first_of = {outs[0]: ins[0] for ins, outs in groups}
    layer = {}
    for coords in product(*(range(len(c)) for c in out_chunks)):
        in_coords = [0] * x.ndim
        for o, i in first_of.items():
            in_coords[i] = coords[o]
        block_shape = tuple(c[k] for c, k in zip(out_chunks, coords))
        layer[(name, *coords)] = (reshape_block, (x.name, *in_coords), block_shape)
    return new_array(layer, name, out_chunks, x.dtype, [x])


def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed by default).

    >>> import plait.array as pa
    >>> transpose(pa.ones((2, 3), chunks=2)).chunks
    ((2, 1), (2,))
    """
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    axes = tuple(int(a) % x.ndim if x.ndim else int(a) for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"axes {axes} don't match array of {x.ndim} dimensions")
    if axes == tuple(range(x.ndim)):
        return x
    ind = tuple(range(x.ndim))
    return blockwise(partial(np.transpose, axes=axes), axes, x, ind,
                     name=token("transpose", x, axes), dtype=x.dtype)


def swapaxes(x, axis1, axis2):
    """``x`` with two axes exchanged.

    >>> import plait.array as pa
    >>> swapaxes(pa.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    order = list(range(x.ndim))
    a, b = normalize_axis(axis1, x.ndim)[0], normalize_axis(axis2, x.ndim)[0]
    order[a], order[b] = order[b], order[a]
    return transpose(x, order)


def moveaxis(x, source, destination):
    """``x`` with axes moved to new positions (the others keep their order).

    >>> import plait.array as pa
    >>> moveaxis(pa.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    src = [normalize_axis(a, x.ndim)[0] for a in np.atleast_1d(source)]
    dst = [normalize_axis(a, x.ndim)[0] for a in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same "
                         "number of elements")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def squeeze(x, axis=None):
    """``x`` without axes of length 1 (all of them, or those in ``axis``).

    >>> import plait.array as pa
    >>> squeeze(pa.ones((1, 3, 1))).shape
    (3,)
    """
    axes = [a for a in range(x.ndim) if x.shape[a] == 1] if axis is None else \
        normalize_axis(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"cannot select an axis to squeeze out which has size not "
                             f"equal to one (axis {a} has length {x.shape[a]})")
    if not axes:
        return x
    return x[tuple(0 if a in axes else slice(None) for a in range(x.ndim))]


def expand_dims(x, axis):
    """``x`` with new axes of length 1 at the positions ``axis``.

    >>> import plait.array as pa
    >>> expand_dims(pa.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    axes = normalize_axis(axis, x.ndim + len(np.atleast_1d(axis)))
    index, k = [], 0
    for a in range(x.ndim + len(axes)):
        if a in axes:
            index.append(None)
        else:
            index.append(slice(None))
            k += 1
    return x[tuple(index)]


def ravel(x):
    """``x`` as a 1-d array (C order).

    >>> import plait.array as pa
    >>> ravel(pa.ones((2, 2), chunks=1)).compute()
    array([1., 1., 1., 1.])
    """
    return reshape(x, (-1,))


__all__ = ["reshape", "transpose", "swapaxes", "moveaxis", "squeeze", "expand_dims",
           "ravel", "normalize_shape"]
