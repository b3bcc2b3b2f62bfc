"""Arrays made from nothing: ``arange``, ``linspace``, ``ones``, ``zeros``, ``full``,
``empty`` (and their ``_like`` forms) and ``eye``.

Every block is one task that builds just that block, so no array is ever made
whole. ``ones``, ``zeros`` and ``full`` blocks are read-only broadcast views
of one value: they take no memory until an operation writes a new block.
"""
from __future__ import annotations

from itertools import product

import numpy as np

from plait.array.chunks import normalize_chunks, offsets
from plait.array.core import Array, token


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimensions are not allowed: shape {shape}")
    return shape


def _grid(chunks):
    """``(coords, block shape, block start offsets)`` for every block."""
    starts = [offsets(c) for c in chunks]
    for coords in product(*(range(len(c)) for c in chunks)):
        shape = tuple(c[i] for c, i in zip(chunks, coords))
        begin = tuple(s[i] for s, i in zip(starts, coords))
        yield coords, shape, begin


def full_block(shape, fill_value, dtype):
    """A read-only block of ``shape`` filled with ``fill_value`` (a broadcast view).

    >>> full_block((2, 2), 7, 'i8')
    array([[7, 7],
           [7, 7]])
    """
    return np.broadcast_to(np.array(fill_value, dtype=dtype), shape)


def empty_block(shape, dtype):
    """An uninitialised block (``np.empty``).

    >>> empty_block((2, 3), 'f8').shape
    (2, 3)
    """
    return np.empty(shape, dtype=dtype)


def full(shape, fill_value, dtype=None, chunks="auto"):
    """An array of ``shape`` with every element ``fill_value``.

    >>> full((2, 3), 7, chunks=2).compute()
    array([[7, 7, 7],
           [7, 7, 7]])
    """
    if np.ndim(fill_value) != 0:
        raise ValueError(f"fill_value must be a scalar, got an array of shape "
                         f"{np.shape(fill_value)}")
    shape = _shape(shape)
    dtype = np.dtype(dtype) if dtype is not None else np.array(fill_value).dtype
    chunks = normalize_chunks(chunks, shape, dtype=dtype)
    name = token("full", shape, fill_value, dtype, chunks)
    layer = {(name, *c): (full_block, s, fill_value, dtype) for c, s, _ in _grid(chunks)}
    return Array(layer, name, chunks, dtype)


def ones(shape, dtype=float, chunks="auto"):
    """An array of ones.

    >>> ones(4, chunks=3).compute()
    array([1., 1., 1., 1.])
    """
    return _named(full(shape, 1, dtype=dtype, chunks=chunks), "ones")


def zeros(shape, dtype=float, chunks="auto"):
    """An array of zeros.

    >>> zeros((2, 2), dtype=int, chunks=1).compute()
    array([[0, 0],
           [0, 0]])
    """
    return _named(full(shape, 0, dtype=dtype, chunks=chunks), "zeros")


def _named(x, prefix):
    """``x`` with its one layer renamed ``prefix-<token>`` for readable graphs."""
    name = prefix + x.name[len("full"):]
    layer = {(name, *k[1:]): v for k, v in x.dask.items()}
    return Array(layer, name, x.chunks, x.dtype)


def empty(shape, dtype=float, chunks="auto"):
    """An array whose values are whatever memory held (``np.empty`` blocks).

    >>> empty((2, 3), chunks=2).shape
    (2, 3)
    """
    shape = _shape(shape)
    chunks = normalize_chunks(chunks, shape, dtype=dtype)
    name = token("empty", shape, np.dtype(dtype), chunks)
    layer = {(name, *c): (empty_block, s, np.dtype(dtype)) for c, s, _ in _grid(chunks)}
    return Array(layer, name, chunks, dtype)


def _like(a, dtype, chunks, shape):
    if shape is None:
        shape = a.shape if isinstance(a, Array) else np.shape(a)
    shape = _shape(shape)
    if dtype is None:
        dtype = a.dtype if isinstance(a, Array) else np.asarray(a).dtype
    if chunks is None:
        chunks = a.chunks if isinstance(a, Array) and a.shape == shape else "auto"
    return shape, dtype, chunks


def ones_like(a, dtype=None, chunks=None, shape=None):
    """Ones with the shape, dtype (and chunks, for plait arrays) of ``a``.

    >>> ones_like(np.zeros((2,), dtype=int)).compute()
    array([1, 1])
    """
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return ones(shape, dtype=dtype, chunks=chunks)


def zeros_like(a, dtype=None, chunks=None, shape=None):
    """Zeros with the shape, dtype (and chunks) of ``a``.

    >>> zeros_like(ones(3, chunks=2)).chunks
    ((2, 1),)
    """
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return zeros(shape, dtype=dtype, chunks=chunks)


def full_like(a, fill_value, dtype=None, chunks=None, shape=None):
    """``fill_value`` everywhere, with the shape, dtype (and chunks) of ``a``.

    >>> full_like(np.zeros(2), 3.5).compute()
    array([3.5, 3.5])
    """
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return full(shape, fill_value, dtype=dtype, chunks=chunks)


def empty_like(a, dtype=None, chunks=None, shape=None):
    """An uninitialised array with the shape, dtype (and chunks) of ``a``.

    >>> empty_like(np.zeros((2, 2))).shape
    (2, 2)
    """
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return empty(shape, dtype=dtype, chunks=chunks)


def arange_block(start, step, first, stop, dtype):
    """Items ``first`` to ``stop`` (positions) of ``arange(start, ..., step)``.

    >>> arange_block(10, 2, 1, 3, np.dtype(int))
    array([12, 14])
    """
    if dtype.kind in "iu":
        return np.arange(start + first * step, start + stop * step, step, dtype=dtype)
    return (start + step * np.arange(first, stop, dtype=float)).astype(dtype, copy=False)


def arange(start, stop=None, step=1, chunks="auto", dtype=None):
    """Evenly spaced values in ``[start, stop)``, like ``np.arange``.

    >>> arange(5, chunks=2).compute()
    array([0, 1, 2, 3, 4])
    >>> arange(1, 2, 0.25, chunks=2).compute()
    array([1.  , 1.25, 1.5 , 1.75])
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    dtype = np.dtype(dtype) if dtype is not None else np.arange(start, start, step).dtype
    num = max(int(np.ceil((stop - start) / step)), 0)
    chunks = normalize_chunks(chunks, (num,), dtype=dtype)
    name = token("arange", start, stop, step, dtype, chunks)
    layer = {(name, *c): (arange_block, start, step, b[0], b[0] + s[0], dtype)
             for c, s, b in _grid(chunks)}
    return Array(layer, name, chunks, dtype)


def linspace_block(start, step, first, stop, num, end, dtype):
    """Items ``first`` to ``stop`` of ``linspace`` with ``step`` (``end``: the
    exact last value when the block holds it, else None).

    >>> linspace_block(0.0, 0.25, 3, 5, 5, 1.0, np.dtype(float))
    array([0.75, 1.  ])
    """
    out = np.arange(first, stop, dtype=float) * step + start
    if end is not None and stop == num and len(out):
        out[-1] = end
    return out.astype(dtype, copy=False)


def linspace(start, stop, num=50, endpoint=True, retstep=False, chunks="auto",
             dtype=None):
    """``num`` evenly spaced values from ``start`` to ``stop``, like ``np.linspace``.

    >>> linspace(0, 1, 5, chunks=2).compute()
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    num = int(num)
    if num < 0:
        raise ValueError(f"linspace: num must not be negative, got {num}")
    div = num - 1 if endpoint else num
    step = (stop - start) / div if div > 0 else np.nan
    dtype = np.dtype(dtype) if dtype is not None else np.result_type(start, stop, float(num))
    chunks = normalize_chunks(chunks, (num,), dtype=dtype)
    name = token("linspace", start, stop, num, endpoint, dtype, chunks)
    end = stop if endpoint and num > 1 else None
    step0 = 0.0 if div <= 0 else step
    layer = {(name, *c): (linspace_block, start, step0, b[0], b[0] + s[0], num, end, dtype)
             for c, s, b in _grid(chunks)}
    out = Array(layer, name, chunks, dtype)
    return (out, step) if retstep else out


def eye_block(shape, k, dtype):
    """One block of an identity-like matrix: ones where column - row == ``k``.

    >>> eye_block((2, 3), 1, int)
    array([[0, 1, 0],
           [0, 0, 1]])
    """
    return np.eye(shape[0], shape[1], k=k, dtype=dtype)


def eye(N, chunks="auto", M=None, k=0, dtype=float):
    """A 2-D array with ones on the ``k``-th diagonal, like ``np.eye``.

    >>> eye(3, chunks=2, k=1, dtype=int).compute()
    array([[0, 1, 0],
           [0, 0, 1],
           [0, 0, 0]])
    """
    M = N if M is None else M
    shape = _shape((N, M))
    chunks = normalize_chunks(chunks, shape, dtype=dtype)
    name = token("eye", shape, k, np.dtype(dtype), chunks)
    layer = {(name, *c): (eye_block, s, k + b[0] - b[1], np.dtype(dtype))
             for c, s, b in _grid(chunks)}
    return Array(layer, name, chunks, dtype)


__all__ = ["arange", "linspace", "ones", "zeros", "full", "empty", "ones_like",
           "zeros_like", "full_like", "empty_like", "eye"]
