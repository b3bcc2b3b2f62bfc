"""Chunk arithmetic: normalising ``chunks=`` arguments, byte sizes, block slices.

A chunking is a tuple with one tuple of block lengths per axis:
``((10, 10, 5), (20,))`` cuts a (25, 20) array into three blocks along
axis 0 and one along axis 1.
"""
from __future__ import annotations

import math
import re
from itertools import accumulate, product

import numpy as np

_UNITS = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
          "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(s):
    """A number of bytes from an int or a string such as ``'128MiB'``.

    >>> parse_bytes('128MiB'), parse_bytes('1 kB'), parse_bytes(100)
    (134217728, 1000, 100)
    """
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return int(s)
    match = re.fullmatch(r"\s*([0-9.eE+]*)\s*([A-Za-z]*)\s*", str(s))
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ValueError(f"cannot read {s!r} as a number of bytes; "
                         f"write e.g. '128MiB', '100 MB' or 1000000")
    number = float(match.group(1)) if match.group(1) else 1.0
    return int(number * _UNITS[unit])


def format_bytes(n):
    """A short readable size.

    >>> format_bytes(800), format_bytes(3 * 2**20), format_bytes(8e9)
    ('800 B', '3.00 MiB', '7.45 GiB')
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("kiB", 2**10)):
        if n >= size * 0.9:
            return f"{n / size:.2f} {unit}"
    return f"{int(n)} B"


def blocks_of(size, blocksize):
    """Lengths of the blocks that cut ``size`` items into pieces of ``blocksize``.

    >>> blocks_of(25, 10), blocks_of(0, 10)
    ((10, 10, 5), (0,))
    """
    if size == 0:
        return (0,)
    full, rest = divmod(size, blocksize)
    return (blocksize,) * full + ((rest,) if rest else ())


def normalize_chunks(chunks, shape, limit=None, dtype=None, previous_chunks=None):
    """The chunking (a tuple of tuples) that ``chunks`` asks for on ``shape``.

    ``chunks`` is an int (the block length on every axis), a tuple with one
    entry per axis (an int, ``-1`` or ``None`` for the whole axis, ``'auto'``,
    or explicit block lengths), a dict ``{axis: entry}`` (missing axes keep
    ``previous_chunks``, or the whole axis), ``'auto'`` (blocks of about
    ``limit`` bytes, default ``config 'array.chunk-size'``), or a tuple of
    tuples.

    >>> normalize_chunks(10, (25, 20))
    ((10, 10, 5), (10, 10))
    >>> normalize_chunks((10, -1), (25, 20))
    ((10, 10, 5), (20,))
    >>> normalize_chunks('auto', (1000, 1000), limit='80kB', dtype='f8')
    ((100, 100, 100, 100, 100, 100, 100, 100, 100, 100), (100, 100, 100, 100, 100, 100, 100, 100, 100, 100))
    >>> normalize_chunks((5, 5), (20,))
    Traceback (most recent call last):
    ...
    ValueError: chunks (5, 5) has 2 entries, but the array has 1 dimension (shape (20,))
    """
    shape = tuple(int(s) for s in shape)
    ndim = len(shape)
    if isinstance(chunks, dict):
        chunks = tuple(chunks.get(a, chunks.get(a - ndim, _keep(previous_chunks, a)))
                       for a in range(ndim))
    elif chunks is None or isinstance(chunks, (int, np.integer, str)):
        chunks = (chunks,) * ndim
    elif isinstance(chunks, list):
        chunks = tuple(chunks)
    if not isinstance(chunks, tuple):
        raise TypeError(f"chunks must be an int, 'auto', a tuple or a dict, got {chunks!r}")
    if (ndim == 1 and len(chunks) > 1 and all(_isint(c) for c in chunks)
            and sum(chunks) == shape[0]):
        chunks = (tuple(chunks),)
    if len(chunks) != ndim:
        dims = "dimension" if ndim == 1 else "dimensions"
        raise ValueError(f"chunks {chunks!r} has {len(chunks)} entries, but the array "
                         f"has {ndim} {dims} (shape {shape})")
    out = [_axis_chunks(c, s, a) for a, (c, s) in enumerate(zip(chunks, shape))]
    auto = [a for a, c in enumerate(out) if c == "auto"]
    if auto:
        sizes = _auto_sizes(shape, out, auto, limit, dtype)
        for a in auto:
            out[a] = blocks_of(shape[a], sizes[a])
    return tuple(out)


def _keep(previous_chunks, axis):
    return None if previous_chunks is None else previous_chunks[axis]


def _isint(c):
    return isinstance(c, (int, np.integer)) and not isinstance(c, bool)


def _axis_chunks(c, size, axis):
    """One axis's block lengths, or ``'auto'`` to be decided together."""
    if c is None or (_isint(c) and c == -1):
        return (size,)
    if isinstance(c, str):
        if c != "auto":
            raise ValueError(f"chunks along axis {axis}: unknown value {c!r} "
                             f"(expected an int, -1, None, 'auto' or block lengths)")
        return "auto"
    if _isint(c):
        if c <= 0 and size > 0:
            raise ValueError(f"chunks along axis {axis} must be positive, got {c}")
        return blocks_of(size, max(int(c), 1))
    if isinstance(c, (tuple, list)):
        lengths = tuple(int(b) for b in c)
        if any(isinstance(b, float) and math.isnan(b) for b in c):
            raise ValueError(f"chunks along axis {axis} are unknown (nan); "
                             f"plait arrays need known chunk sizes")
        if any(b < 0 for b in lengths):
            raise ValueError(f"chunks along axis {axis} must not be negative: {lengths}")
        if sum(lengths) != size:
            raise ValueError(f"chunks along axis {axis} sum to {sum(lengths)}, but the "
                             f"shape along that axis is {size}: {lengths}")
        return lengths if lengths else (0,)
    raise TypeError(f"chunks along axis {axis}: expected an int, -1, None, 'auto' "
                    f"or block lengths, got {c!r}")


def _auto_sizes(shape, out, auto, limit, dtype):
    """Block lengths for the ``auto`` axes so a block holds about ``limit`` bytes."""
    if limit is None:
        from plait import config

        limit = config.get("array.chunk-size", "128MiB")
    itemsize = np.dtype(dtype if dtype is not None else float).itemsize
    if np.dtype(dtype if dtype is not None else float).hasobject:
        raise ValueError("chunks='auto' cannot size blocks of dtype object; give "
                         "explicit chunks")
    budget = max(parse_bytes(limit) // itemsize, 1)
    for a, c in enumerate(out):
        if c != "auto":
            budget = max(budget // max(max(c), 1), 1)
    sizes = {}
    remaining = sorted(auto, key=lambda a: shape[a])
    while remaining:
        side = int(budget ** (1 / len(remaining)))
        a = remaining.pop(0)
        sizes[a] = max(min(shape[a], side), 1)
        budget = max(budget // sizes[a], 1)
    return sizes


def offsets(chunks_1d):
    """Start of each block along one axis, plus the end.

    >>> offsets((10, 10, 5))
    (0, 10, 20, 25)
    """
    return (0, *accumulate(chunks_1d))


def block_slices(chunks):
    """For every block (in C order), its tuple of slices into the whole array.

    >>> block_slices(((2, 1), (3,)))
    [(slice(0, 2, None), slice(0, 3, None)), (slice(2, 3, None), slice(0, 3, None))]
    """
    per_axis = []
    for c in chunks:
        o = offsets(c)
        per_axis.append([slice(o[i], o[i + 1]) for i in range(len(c))])
    return list(product(*per_axis))


def common_chunks(*chunkings):
    """The coarsest chunking of one axis that refines every one given.

    >>> common_chunks((5, 5), (3, 7))
    (3, 2, 5)
    """
    cuts = sorted(set().union(*(offsets(c) for c in chunkings)))
    return tuple(b - a for a, b in zip(cuts, cuts[1:])) or (0,)
