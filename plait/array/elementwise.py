"""Elementwise operations: ufuncs, operators and ``where``, with NumPy broadcasting.

Every elementwise operation is one ``blockwise`` task per output block.
NumPy arrays among the operands become plait arrays chunked like the plait
operands; scalars are passed to every task as they are.
"""
from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from plait.array.blockwise import blockwise
from plait.array.core import Array, funcname, new_array, token

OPERAND_TYPES = (Array, np.ndarray, np.generic, numbers.Number, list, tuple)


def shape_of(x):
    """The shape of an operand: a plait or NumPy array, or a scalar (``()``).

    >>> shape_of(np.ones((2, 3))), shape_of(5)
    ((2, 3), ())
    """
    return tuple(getattr(x, "shape", ())) if isinstance(x, (Array, np.ndarray)) else ()


def broadcast_shape(*shapes):
    """The shape that operands of ``shapes`` broadcast to, naming both on failure.

    >>> broadcast_shape((3, 1), (4,))
    (3, 4)
    >>> broadcast_shape((3,), (4,))
    Traceback (most recent call last):
    ...
    ValueError: operands could not be broadcast together with shapes (3,) (4,)
    """
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError("operands could not be broadcast together with shapes "
                         + " ".join(str(tuple(s)) for s in shapes)) from None


def _sample(x):
    if isinstance(x, Array):
        try:
            return np.ones((1,) * x.ndim, dtype=x.dtype)
        except (TypeError, ValueError):
            return np.zeros((1,) * x.ndim, dtype=x.dtype)
    if isinstance(x, np.ndarray):
        return x.reshape(-1)[:1].reshape((1,) * x.ndim) if x.size else x
    return x


def result_dtypes(op, args, kwargs):
    """The dtype(s) that ``op`` gives on samples of ``args`` (a tuple if it
    returns several arrays).

    >>> import plait.array as pa
    >>> result_dtypes(np.add, [pa.ones(2, dtype='int8'), 1], {})
    dtype('int8')
    """
    with np.errstate(all="ignore"):
        out = op(*[_sample(a) for a in args], **kwargs)
    if isinstance(out, tuple):
        return tuple(np.asarray(o).dtype for o in out)
    return np.asarray(out).dtype


def _as_operands(args, shape):
    """Plait arrays for array operands, chunked like the plait ones; scalars kept."""
    ndim = len(shape)
    chunks = [None] * ndim
    for a in args:
        if isinstance(a, Array):
            for k, c in enumerate(a.chunks):
                j = ndim - a.ndim + k
                if chunks[j] is None and sum(c) == shape[j]:
                    chunks[j] = c
    out = []
    for a in args:
        if isinstance(a, (list, tuple)):
            a = np.asarray(a)
        if isinstance(a, np.ndarray) and a.ndim:
            from plait.array.io import from_array

            want = tuple(c if c is not None and n == shape[ndim - a.ndim + k] else -1
                         for k, (c, n) in enumerate(zip(chunks[ndim - a.ndim:], a.shape)))
            a = from_array(a, chunks=want)
        out.append(a)
    return out


def elemwise(op, *args, name=None, **kwargs):
    """Apply the elementwise function ``op`` to arrays and scalars, block by block.

    ``kwargs`` go to ``op`` (e.g. a ufunc's ``dtype=``); the output dtype is
    what ``op`` gives on samples of the inputs.

    >>> import plait.array as pa
    >>> x = pa.arange(4, chunks=2)
    >>> elemwise(np.add, x, np.array([[10], [20]])).compute()
    array([[10, 11, 12, 13],
           [20, 21, 22, 23]])
    >>> elemwise(np.add, x, pa.ones(3))
    Traceback (most recent call last):
    ...
    ValueError: operands could not be broadcast together with shapes (4,) (3,)
    """
    shape = broadcast_shape(*[shape_of(a) for a in args])
    dtype = result_dtypes(op, args, kwargs)
    operands = _as_operands(args, shape)
    ndim = len(shape)
    if name is None:
        name = token(funcname(op), op, operands, kwargs)
    pairs = []
    for a in operands:
        pairs += ([a, tuple(range(ndim - a.ndim, ndim))] if isinstance(a, Array)
                  else [a, None])
    f = partial(op, **kwargs) if kwargs else op
    if isinstance(dtype, tuple):
        return _several_outputs(f, pairs, ndim, name, dtype)
    return blockwise(f, tuple(range(ndim)), *pairs, name=name, dtype=dtype)


def _several_outputs(op, pairs, ndim, name, dtypes):
    """One array per output of ``op`` (e.g. ``divmod``), sharing the tasks."""
    from operator import getitem

    both = blockwise(op, tuple(range(ndim)), *pairs, name=name, dtype=object)
    keys = list(_flat(both.__plait_keys__()))
    outs = []
    for k, dtype in enumerate(dtypes):
        out_name = f"{name}-{k}"
        layer = {(out_name, *key[1:]): (getitem, key, k) for key in keys}
        outs.append(new_array(layer, out_name, both.chunks, dtype, [both]))
    return tuple(outs)


def _flat(keys):
    if type(keys) is not list:
        yield keys
        return
    for k in keys:
        yield from _flat(k)


def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (broadcast).

    >>> import plait.array as pa
    >>> a = pa.arange(5, chunks=2)
    >>> where(a > 2, a, -1).compute()
    array([-1, -1, -1,  3,  4])
    """
    if x is None or y is None:
        raise TypeError("where(condition) without x and y would give arrays of unknown "
                        "length; pass where(condition, x, y)")
    return elemwise(np.where, condition, x, y)


_REDUCE_METHODS = {np.add: "sum", np.multiply: "prod", np.minimum: "min",
                   np.maximum: "max", np.logical_and: "all", np.logical_or: "any"}


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """``Array.__array_ufunc__``: every NumPy ufunc on plait arrays stays lazy.

    >>> import plait.array as pa
    >>> np.sqrt(pa.full(2, 4.0)).compute()
    array([2., 2.])
    """
    if not all(isinstance(a, OPERAND_TYPES) for a in inputs):
        return NotImplemented
    out = kwargs.pop("out", None)
    if out is not None and not all(isinstance(o, Array) for o in out):
        return NotImplemented
    if method == "__call__" and ufunc is np.matmul:
        from plait.array.linalg import matmul

        result = matmul(*inputs, **kwargs)
    elif method == "__call__":
        result = elemwise(ufunc, *inputs, **kwargs)
    elif method == "reduce" and ufunc in _REDUCE_METHODS:
        from plait.array import reductions

        kwargs.setdefault("axis", 0)
        result = getattr(reductions, _REDUCE_METHODS[ufunc])(inputs[0], **kwargs)
    elif method == "outer" and len(inputs) == 2:
        a, b = inputs
        extra = (None,) * len(shape_of(b))
        a = a[(Ellipsis, *extra)] if isinstance(a, Array) else np.asarray(a)[(Ellipsis, *extra)]
        result = elemwise(ufunc, a, b, **kwargs)
    else:
        return NotImplemented
    if out is not None:
        results = result if isinstance(result, tuple) else (result,)
        for o, r in zip(out, results):
            _become(o, r)
        return out[0] if len(out) == 1 else tuple(out)
    return result


def _become(target, source):
    """Make the array ``target`` stand for ``source`` (for ``out=``)."""
    if target.shape != source.shape:
        raise ValueError(f"out= has shape {target.shape}, but the result has shape "
                         f"{source.shape}")
    target.name, target._chunks = source.name, source.chunks
    target._layers, target._graph = source._layers, None
    target.dtype = source.dtype


def astype_block(block, dtype, casting="unsafe"):
    """``block.astype(dtype)``, a module-level function so tasks pickle by name.

    >>> astype_block(np.arange(2), 'f4')
    array([0., 1.], dtype=float32)
    """
    return block.astype(dtype, casting=casting, copy=False)


def astype(x, dtype, casting="unsafe"):
    """``x`` with its elements converted to ``dtype``.

    >>> import plait.array as pa
    >>> astype(pa.arange(3, chunks=2), float).compute()
    array([0., 1., 2.])
    """
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x
    if not np.can_cast(x.dtype, dtype, casting=casting):
        raise TypeError(f"cannot cast array of {x.dtype} to {dtype} with casting={casting!r}")
    ind = tuple(range(x.ndim))
    f = partial(astype_block, dtype=dtype, casting=casting)
    return blockwise(f, ind, x, ind, name=token("astype", x, dtype, casting), dtype=dtype)


__all__ = ["elemwise", "where", "astype", "broadcast_shape"]
