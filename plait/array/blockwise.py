"""Block-by-block operations: ``blockwise``, ``map_blocks`` and chunk alignment.

``blockwise`` follows index notation: ``blockwise(f, 'ij', x, 'ij', y, 'jk')``
makes one task per output block ``(i, j)``; an input index missing from the
output (``k`` above) is *contracted*: the task gets the list of all blocks
along it (or, with ``concatenate=True``, those blocks joined).
"""
from __future__ import annotations

import inspect
from functools import partial
from itertools import product

import numpy as np

from plait.array.chunks import common_chunks, normalize_chunks, offsets
from plait.array.core import Array, funcname, new_array, token
from plait.graph.core import quote


def blockwise(func, out_ind, *args, name=None, dtype=None, adjust_chunks=None,
              new_axes=None, concatenate=False, block_kwargs=None, **kwargs):
    """Apply ``func`` to matching blocks of arrays described by index strings.

    ``args`` alternate between an argument and its index (a string or tuple,
    one entry per axis; ``None`` for a plain value passed to every task).
    Chunks along a shared index are aligned (rechunked to common boundaries
    where they differ); an axis of length 1 broadcasts.

    Parameters
    ----------
    dtype : dtype, required
    adjust_chunks : dict, optional
        ``{index: int, tuple or function}``: the output block lengths along
        that index (a function maps each input length to the output one).
    new_axes : dict, optional
        ``{index: length}`` for output indices that no input has.
    concatenate : bool
        Join the blocks along contracted indices before calling ``func``.
    block_kwargs : callable, optional
        ``block_kwargs(coords)`` gives extra keywords for the block at ``coords``.

    >>> import plait.array as pa
    >>> x = pa.arange(6, chunks=3)
    >>> blockwise(np.add, 'i', x, 'i', 10, None, dtype=x.dtype).compute()
    array([10, 11, 12, 13, 14, 15])
    >>> m = pa.ones((2, 4), chunks=2)
    >>> blockwise(np.sum, 'i', m, 'ij', concatenate=True, axis=1, dtype=float).compute()
    array([4., 4.])
    """
    if len(args) % 2:
        raise TypeError("blockwise takes pairs of (argument, index); got an odd "
                        "number of arguments")
    if dtype is None:
        raise TypeError("blockwise needs dtype= (the dtype of the output)")
    pairs = [_as_pair(a, ind) for a, ind in zip(args[::2], args[1::2])]
    out_ind = tuple(out_ind)
    pairs, chunkss = unify_chunks(pairs)
    for i, size in (new_axes or {}).items():
        chunkss[i] = size if isinstance(size, tuple) else (int(size),)
    missing = [i for i in out_ind if i not in chunkss]
    if missing:
        raise ValueError(f"output index {missing[0]!r} appears in no input; give its "
                         f"length with new_axes=")
    out_chunks = [_adjust(chunkss[i], (adjust_chunks or {}).get(i)) for i in out_ind]
    contracted = list(dict.fromkeys(i for _, ind in pairs if ind is not None
                                    for i in ind if i not in out_ind))
    if name is None:
        name = token(funcname(func), func, out_ind, args, kwargs, adjust_chunks, new_axes,
                     concatenate)
    numblocks = {i: len(c) for i, c in chunkss.items()}
    layer = {}
    f = partial(func, **kwargs) if kwargs else func
    for coords in product(*(range(numblocks[i]) for i in out_ind)):
        where = dict(zip(out_ind, coords))
        task_args = [a if ind is None else
                     _block_ref(a, ind, where, contracted, concatenate)
                     for a, ind in pairs]
        g = partial(f, **block_kwargs(coords)) if block_kwargs else f
        layer[(name, *coords)] = (g, *task_args)
    deps = [a for a, ind in pairs if ind is not None]
    return new_array(layer, name, tuple(out_chunks), dtype, deps)


def _as_pair(arg, ind):
    if ind is None:
        if isinstance(arg, Array):
            raise TypeError(f"the plait array {arg.name} needs an index, not None")
        if isinstance(arg, (list, tuple, dict, str, set)):
            arg = quote(arg)
        return arg, None
    ind = tuple(ind)
    if not isinstance(arg, Array):
        from plait.array.io import from_array

        arg = from_array(np.asarray(arg), chunks=-1)
    if len(ind) != arg.ndim:
        raise ValueError(f"index {ind!r} has {len(ind)} entries but the array "
                         f"{arg.name} has {arg.ndim} dimensions (shape {arg.shape})")
    return arg, ind


def _adjust(chunks, rule):
    if rule is None:
        return chunks
    if callable(rule):
        return tuple(int(rule(c)) for c in chunks)
    if isinstance(rule, (int, np.integer)):
        return (int(rule),) * len(chunks)
    rule = tuple(rule)
    if len(rule) != len(chunks):
        raise ValueError(f"adjust_chunks gives {len(rule)} block lengths for an index "
                         f"with {len(chunks)} blocks")
    return rule


def _block_ref(arr, ind, where, contracted, concatenate):
    """The key of ``arr``'s block for output position ``where``, or a nested list
    of keys along contracted indices (joined when ``concatenate``)."""
    per_axis = []
    for i, n in zip(ind, arr.numblocks):
        if i in where:
            per_axis.append([where[i] if n > 1 else 0])
        else:
            per_axis.append(list(range(n)))
    lists = [a for a, i in enumerate(ind) if i not in where]
    if not lists:
        return (arr.name, *(c[0] for c in per_axis))
    nested = _nest(arr.name, per_axis, lists, ())
    if concatenate:
        return (concatenate_nested, nested, tuple(lists))
    return nested


def _nest(name, per_axis, lists, prefix):
    axis = len(prefix)
    if axis == len(per_axis):
        return (name, *prefix)
    if axis not in lists:
        return _nest(name, per_axis, lists, (*prefix, per_axis[axis][0]))
    return [_nest(name, per_axis, lists, (*prefix, c)) for c in per_axis[axis]]


def concatenate_nested(nested, axes):
    """Join a nested list of blocks, one nesting level per axis in ``axes``.

    >>> concatenate_nested([[np.ones((1, 1)), np.zeros((1, 2))]], (0, 1))
    array([[1., 0., 0.]])
    """
    if type(nested) is not list:
        return nested
    parts = [concatenate_nested(n, axes[1:]) for n in nested]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axes[0])


def unify_chunks(pairs):
    """Rechunk arrays so every shared index has the same block boundaries.

    ``pairs`` is a list of ``(argument, index)``; returns the new pairs and
    ``{index: chunks}``. Axes of length 1 broadcast against any length.

    >>> import plait.array as pa
    >>> pairs, chunkss = unify_chunks([(pa.ones(10, chunks=5), 'i'),
    ...                                (pa.ones(10, chunks=4), 'i')])
    >>> chunkss
    {'i': (4, 1, 3, 2)}
    """
    seen = {}
    for a, ind in pairs:
        if ind is not None:
            for i, c in zip(ind, a.chunks):
                seen.setdefault(i, []).append((c, a))
    chunkss = {}
    for i, entries in seen.items():
        sized = [(c, a) for c, a in entries if sum(c) != 1] or entries
        first_c, first_a = sized[0]
        for c, a in sized[1:]:
            if sum(c) != sum(first_c):
                raise ValueError(f"shapes {first_a.shape} and {a.shape} do not match "
                                 f"along index {i!r} ({sum(first_c)} != {sum(c)})")
        distinct = list(dict.fromkeys(c for c, _ in sized))
        chunkss[i] = distinct[0] if len(distinct) == 1 else common_chunks(*distinct)
    out = []
    for a, ind in pairs:
        if ind is not None:
            want = tuple(chunkss[i] if sum(c) == sum(chunkss[i]) else c
                         for i, c in zip(ind, a.chunks))
            if want != a.chunks:
                a = a.rechunk(want)
        out.append((a, ind))
    return out, chunkss


def infer_dtype(func, args, kwargs, default=None):
    """The dtype ``func`` returns on one-element samples of ``args``, else ``default``.

    >>> import plait.array as pa
    >>> infer_dtype(np.divide, [pa.ones(3, dtype=int), 2], {})
    dtype('float64')
    """
    samples = [np.ones((1,) * a.ndim, dtype=a.dtype) if isinstance(a, Array) else a
               for a in args]
    try:
        with np.errstate(all="ignore"):
            out = func(*samples, **kwargs)
        return np.asarray(out).dtype
    except Exception:
        return default


def _accepts(func, param):
    try:
        return param in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def map_blocks(func, *args, name=None, dtype=None, chunks=None, drop_axis=(),
               new_axis=None, **kwargs):
    """Apply ``func`` to every block of the arrays in ``args``.

    Arrays are aligned from their last axis (NumPy broadcasting); other
    arguments and ``kwargs`` go to every call. When ``func`` takes
    ``block_id`` it receives the block's position; when it takes
    ``block_info`` it receives ``{k: {'shape', 'num-chunks', 'chunk-location',
    'array-location', 'dtype'}}`` for the array that is argument ``k``.

    Parameters
    ----------
    dtype : dtype, optional
        Default: inferred by calling ``func`` on one-element samples.
    chunks : tuple, optional
        Output block shape (one int per axis) or full chunks (tuple of tuples),
        when ``func`` changes block shapes.
    drop_axis : int or tuple
        Axes that ``func`` removes (blocks along them are joined first).
    new_axis : int or tuple
        Axes that ``func`` adds (of length 1 unless ``chunks`` says otherwise).

    >>> import plait.array as pa
    >>> x = pa.arange(6, chunks=3)
    >>> map_blocks(lambda b: b * 2, x).compute()
    array([ 0,  2,  4,  6,  8, 10])
    >>> map_blocks(lambda b, block_id=None: b * 0 + block_id[0], x).compute()
    array([0, 0, 0, 1, 1, 1])
    """
    arrays = [a for a in args if isinstance(a, Array)]
    if not arrays:
        raise TypeError("map_blocks needs at least one plait array among its arguments")
    if not callable(func):
        raise TypeError(f"map_blocks: the first argument must be callable, got {func!r}")
    ndim = max(a.ndim for a in arrays)
    pairs = []
    for a in args:
        pairs += [a, tuple(range(ndim - a.ndim, ndim))] if isinstance(a, Array) else [a, None]
    drop = _axes(drop_axis, ndim, "drop_axis")
    out_ind = [i for i in range(ndim) if i not in drop]
    new = _axes(new_axis, len(out_ind) + len(_as_tuple(new_axis)), "new_axis")
    new_axes = {}
    for k, pos in enumerate(sorted(new)):
        out_ind.insert(pos, ndim + k)
        new_axes[ndim + k] = 1
    if dtype is None:
        dtype = infer_dtype(func, args, kwargs, default=arrays[0].dtype)
    adjust = _chunks_rule(chunks, out_ind, new_axes)
    block_kw = _block_kwargs(func, args, pairs, out_ind, adjust, new_axes)
    if name is None:
        name = token(funcname(func), func, args, kwargs, chunks, drop_axis, new_axis)
    return blockwise(func, out_ind, *pairs, name=name, dtype=dtype, adjust_chunks=adjust,
                     new_axes=new_axes, concatenate=True, block_kwargs=block_kw, **kwargs)


def _as_tuple(axes):
    if axes is None:
        return ()
    return tuple(axes) if isinstance(axes, (tuple, list)) else (axes,)


def _axes(axes, ndim, what):
    out = []
    for a in _as_tuple(axes):
        if not -ndim <= a < ndim:
            raise ValueError(f"{what}={a} is out of range for {ndim} dimensions")
        out.append(a % ndim)
    return tuple(out)


def _chunks_rule(chunks, out_ind, new_axes):
    if chunks is None:
        return None
    chunks = tuple(chunks)
    if len(chunks) != len(out_ind):
        raise ValueError(f"chunks={chunks!r} has {len(chunks)} entries but the output "
                         f"has {len(out_ind)} dimensions")
    rule = {}
    for i, c in zip(out_ind, chunks):
        if i in new_axes:
            new_axes[i] = tuple(c) if isinstance(c, tuple) else int(c)
        else:
            rule[i] = tuple(c) if isinstance(c, tuple) else int(c)
    return rule


def _block_kwargs(func, args, pairs, out_ind, adjust, new_axes):
    wants_id, wants_info = _accepts(func, "block_id"), _accepts(func, "block_info")
    if not (wants_id or wants_info):
        return None
    arrays = [(k, a, pairs[2 * k + 1]) for k, a in enumerate(args) if isinstance(a, Array)]

    def kwargs_for(coords):
        kw = {}
        if wants_id:
            kw["block_id"] = coords
        if wants_info:
            where = dict(zip(out_ind, coords))
            kw["block_info"] = {k: _info(a, ind, where) for k, a, ind in arrays}
        return kw

    return kwargs_for


def _info(a, ind, where):
    loc = tuple(where.get(i, 0) if n > 1 else 0 for i, n in zip(ind, a.numblocks))
    spans = []
    for c, b in zip(a.chunks, loc):
        o = offsets(c)
        spans.append((o[b], o[b + 1]))
    return {"shape": a.shape, "num-chunks": a.numblocks, "chunk-location": loc,
            "array-location": spans, "dtype": a.dtype}


__all__ = ["blockwise", "map_blocks", "unify_chunks", "concatenate_nested",
           "infer_dtype", "normalize_chunks"]
