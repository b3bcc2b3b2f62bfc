"""Joining arrays (``concatenate``, ``stack``...), a few more routines, and the
``__array_function__`` table that makes ``np.sum(x)`` & co. return plait arrays.
"""
from __future__ import annotations

import importlib
from functools import partial
from itertools import product

import numpy as np

from plait.array import argreductions, creation, linalg, moments, reductions, slicing
from plait.array.blockwise import unify_chunks
from plait.array.core import Array, new_array, token
from plait.array.elementwise import astype_block, elemwise, where
from plait.array.io import asarray

# the module, not the function of the same name that plait.array exports
shaping = importlib.import_module("plait.array.reshape")


def _arrays(seq, what):
    seq = [a if isinstance(a, Array) else asarray(a) for a in seq]
    if not seq:
        raise ValueError(f"{what}: need at least one array")
    return seq


def _align_except(seq, axis):
    """Rechunk so all arrays share block boundaries on every axis but ``axis``."""
    ndim = seq[0].ndim
    pairs = [(a, tuple(("own", k) if d == axis else d for d in range(ndim)))
             for k, a in enumerate(seq)]
    return [a for a, _ in unify_chunks(pairs)[0]]


def _ref(key, have, want):
    return key if have == want else (astype_block, key, want)


def concatenate(seq, axis=0):
    """Join arrays along an existing axis.

    >>> import plait.array as pa
    >>> concatenate([pa.arange(3, chunks=2), pa.arange(2, chunks=2)]).compute()
    array([0, 1, 2, 0, 1])
    >>> concatenate([pa.ones((2, 3)), pa.ones((2, 4))])
    Traceback (most recent call last):
    ...
    ValueError: concatenate: shapes (2, 3) and (2, 4) differ along axis 1 (only axis 0 may differ)
    """
    seq = _arrays(seq, "concatenate")
    ndim = seq[0].ndim
    if ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    (axis,) = reductions.normalize_axis(axis, ndim)
    for a in seq[1:]:
        if a.ndim != ndim:
            raise ValueError(f"concatenate: all arrays need the same number of dimensions; "
                             f"shapes {seq[0].shape} and {a.shape} differ")
        for d in range(ndim):
            if d != axis and a.shape[d] != seq[0].shape[d]:
                raise ValueError(f"concatenate: shapes {seq[0].shape} and {a.shape} differ "
                                 f"along axis {d} (only axis {axis} may differ)")
    seq = _align_except(seq, axis)
    dtype = np.result_type(*[a.dtype for a in seq])
    name = token("concatenate", seq, axis)
    layer, along, j = {}, (), 0
    for a in seq:
        for coords in product(*(range(n) for n in a.numblocks)):
            out = list(coords)
            out[axis] += j
            layer[(name, *out)] = _ref((a.name, *coords), a.dtype, dtype)
        along += a.chunks[axis]
        j += a.numblocks[axis]
    chunks = seq[0].chunks[:axis] + (along,) + seq[0].chunks[axis + 1:]
    return new_array(layer, name, chunks, dtype, seq)


def stack_block(block, axis, dtype):
    """``block`` with a new axis of length 1 at ``axis``, as ``dtype``.

    >>> stack_block(np.arange(2), 0, float)
    array([[0., 1.]])
    """
    return np.expand_dims(block, axis).astype(dtype, copy=False)


def stack(seq, axis=0):
    """Join arrays of the same shape along a new axis.

    >>> import plait.array as pa
    >>> stack([pa.arange(3, chunks=2), pa.ones(3, dtype=int)]).compute()
    array([[0, 1, 2],
           [1, 1, 1]])
    """
    seq = _arrays(seq, "stack")
    for a in seq[1:]:
        if a.shape != seq[0].shape:
            raise ValueError(f"stack: all input arrays must have the same shape; got "
                             f"{seq[0].shape} and {a.shape}")
    ndim = seq[0].ndim + 1
    (axis,) = reductions.normalize_axis(axis, ndim)
    seq = [a for a, _ in unify_chunks([(a, tuple(range(a.ndim))) for a in seq])[0]]
    dtype = np.result_type(*[a.dtype for a in seq])
    name = token("stack", seq, axis)
    layer = {}
    for k, a in enumerate(seq):
        for coords in product(*(range(n) for n in a.numblocks)):
            out = coords[:axis] + (k,) + coords[axis:]
            layer[(name, *out)] = (stack_block, (a.name, *coords), axis, dtype)
    chunks = seq[0].chunks[:axis] + ((1,) * len(seq),) + seq[0].chunks[axis:]
    return new_array(layer, name, chunks, dtype, seq)


def _atleast(x, n):
    x = x if isinstance(x, Array) else asarray(x)
    while x.ndim < n:
        x = x[None] if n != 3 or x.ndim != 2 else x[..., None]
    return x


def hstack(seq):
    """Join arrays column-wise (along axis 1; axis 0 for 1-d arrays).

    >>> import plait.array as pa
    >>> hstack([pa.ones(2), pa.zeros(1)]).compute()
    array([1., 1., 0.])
    """
    seq = [_atleast(a, 1) for a in seq]
    return concatenate(seq, axis=0 if seq[0].ndim == 1 else 1)


def vstack(seq):
    """Join arrays row-wise (1-d arrays become rows).

    >>> import plait.array as pa
    >>> vstack([pa.ones(2), pa.zeros(2)]).shape
    (2, 2)
    """
    return concatenate([_atleast(a, 2) for a in seq], axis=0)


def broadcast_block(block, shape):
    """``np.broadcast_to(block, shape)`` (a read-only view).

    >>> broadcast_block(np.arange(2), (2, 2)).tolist()
    [[0, 1], [0, 1]]
    """
    return np.broadcast_to(block, shape)


def broadcast_to(x, shape, chunks=None):
    """``x`` broadcast to ``shape`` (new and stretched axes get one block each,
    unless ``chunks`` says otherwise).

    >>> import plait.array as pa
    >>> broadcast_to(pa.arange(3, chunks=2), (2, 3)).compute()
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    x = x if isinstance(x, Array) else asarray(x)
    shape = tuple(int(s) for s in shape)
    np.broadcast_shapes(x.shape, shape)
    if len(shape) < x.ndim or np.broadcast_shapes(x.shape, shape) != shape:
        raise ValueError(f"cannot broadcast an array of shape {x.shape} to shape {shape}")
    lead = len(shape) - x.ndim
    full = tuple((s,) for s in shape[:lead]) + tuple(
        c if n == s else (s,) for c, n, s in zip(x.chunks, x.shape, shape[lead:]))
    name = token("broadcast_to", x, shape)
    layer = {}
    for coords in product(*(range(len(c)) for c in full)):
        in_coords = coords[lead:]
        block = tuple(c[k] for c, k in zip(full, coords))
        layer[(name, *coords)] = (broadcast_block, (x.name, *in_coords), block)
    out = new_array(layer, name, full, x.dtype, [x])
    return out if chunks is None else out.rechunk(chunks)


def round(a, decimals=0):
    """Elements rounded to ``decimals`` places.

    >>> import plait.array as pa
    >>> round(pa.from_array(np.array([1.26, 2.5])), 1).compute()
    array([1.3, 2.5])
    """
    return elemwise(partial(np.round, decimals=decimals), a)


def clip(a, a_min=None, a_max=None):
    """Elements limited to ``[a_min, a_max]``.

    >>> import plait.array as pa
    >>> clip(pa.arange(5, chunks=2), 1, 3).compute()
    array([1, 1, 2, 3, 3])
    """
    return elemwise(np.clip, a, a_min, a_max)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise: are ``a`` and ``b`` equal within a tolerance?

    >>> import plait.array as pa
    >>> isclose(pa.ones(2), np.array([1, 1.1])).compute()
    array([ True, False])
    """
    return elemwise(partial(np.isclose, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are close (a 0-d plait array of bool).

    >>> import plait.array as pa
    >>> bool(allclose(pa.ones(3), np.ones(3)))
    True
    """
    return isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all()


def _shape(x):
    return x.shape


def _ndim(x):
    return x.ndim


def _size(x, axis=None):
    return x.size if axis is None else x.shape[axis]


def _copy(x, order="K"):
    return x


def _np_reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        raise ValueError(f"plait arrays reshape in C order only, not order={order!r}")
    return shaping.reshape(a, shape if shape is not None else newshape)


HANDLED = {
    np.sum: reductions.sum, np.prod: reductions.prod, np.mean: moments.mean,
    np.std: moments.std, np.var: moments.var, np.min: reductions.min,
    np.max: reductions.max, np.amin: reductions.min, np.amax: reductions.max,
    np.any: reductions.any, np.all: reductions.all, np.argmin: argreductions.argmin,
    np.argmax: argreductions.argmax, np.nansum: reductions.nansum,
    np.nanprod: reductions.nanprod, np.nanmin: reductions.nanmin,
    np.nanmax: reductions.nanmax, np.nanmean: moments.nanmean,
    np.nanvar: moments.nanvar, np.nanstd: moments.nanstd,
    np.transpose: shaping.transpose, np.reshape: _np_reshape,
    np.ravel: shaping.ravel, np.squeeze: shaping.squeeze,
    np.expand_dims: shaping.expand_dims, np.swapaxes: shaping.swapaxes,
    np.moveaxis: shaping.moveaxis, np.concatenate: concatenate, np.stack: stack,
    np.hstack: hstack, np.vstack: vstack, np.where: where, np.dot: linalg.dot,
    np.tensordot: linalg.tensordot, np.outer: linalg.outer, np.take: slicing.take,
    np.round: round, np.around: round, np.clip: clip, np.isclose: isclose,
    np.allclose: allclose, np.broadcast_to: broadcast_to, np.shape: _shape,
    np.ndim: _ndim, np.size: _size, np.copy: _copy,
    np.ones_like: creation.ones_like, np.zeros_like: creation.zeros_like,
    np.full_like: creation.full_like, np.empty_like: creation.empty_like,
}


def array_function(self, func, types, args, kwargs):
    """``Array.__array_function__``: NumPy functions on plait arrays.

    >>> import plait.array as pa
    >>> type(np.sum(pa.ones(3))).__name__
    'Array'
    >>> np.sort(pa.ones(3))
    Traceback (most recent call last):
    ...
    TypeError: numpy.sort is not implemented for plait arrays; compute first (np.asarray(x) or x.compute()) to use NumPy's version
    """
    if not all(issubclass(t, (Array, np.ndarray)) for t in types):
        return NotImplemented
    impl = HANDLED.get(func)
    if impl is None:
        name = f"{func.__module__}.{func.__name__}".replace("numpy._core.", "numpy.")
        raise TypeError(f"{name} is not implemented for plait arrays; compute first "
                        f"(np.asarray(x) or x.compute()) to use NumPy's version")
    return impl(*args, **kwargs)


__all__ = ["concatenate", "stack", "hstack", "vstack", "broadcast_to", "round", "clip",
           "isclose", "allclose", "HANDLED"]
