"""Blocked products: ``matmul`` (``@``), ``dot``, ``tensordot``, ``outer``.

Output block ``(i, j)`` of ``a @ b`` is the sum over ``k`` of the block
products ``a[i, k] @ b[k, j]``: one task per block product, then a tree of
sums of at most ``split_every`` products each, so the products can run in
parallel and few of them wait in memory at once.
"""
from __future__ import annotations

from functools import partial
from itertools import product

import numpy as np

from plait.array.blockwise import unify_chunks
from plait.array.core import Array, funcname, new_array, token
from plait.array.reductions import DEFAULT_SPLIT_EVERY


def sum_blocks(blocks):
    """The elementwise sum of a list of blocks (a new array; inputs untouched).

    >>> sum_blocks([np.ones(2), np.ones(2), np.ones(2)])
    array([3., 3.])
    """
    if len(blocks) == 1:
        return blocks[0]
    out = np.add(blocks[0], blocks[1])
    for b in blocks[2:]:
        out += b
    return out


def contract(func, out_ind, a, a_ind, b, b_ind, dtype, split_every=None, name=None):
    """Blocks ``func(a_block, b_block)`` summed over the indices that are not
    in ``out_ind`` (the contracted ones), as a tree.

    >>> import plait.array as pa
    >>> x = pa.ones((4, 6), chunks=2)
    >>> contract(np.matmul, 'ij', x, 'ik', x.T, 'kj', float).compute()[0]
    array([6., 6., 6., 6.])
    """
    (a, a_ind), (b, b_ind) = unify_chunks([(a, tuple(a_ind)), (b, tuple(b_ind))])[0]
    out_ind = tuple(out_ind)
    sizes = {}
    for arr, ind in ((a, a_ind), (b, b_ind)):
        for i, n in zip(ind, arr.numblocks):
            sizes[i] = max(sizes.get(i, 1), n)
    chunks = {}
    for arr, ind in ((a, a_ind), (b, b_ind)):
        for i, c, n in zip(ind, arr.chunks, arr.numblocks):
            if n == sizes[i] and (i not in chunks or sum(c) != 1):
                chunks[i] = c
    summed = [i for i in dict.fromkeys(a_ind + b_ind) if i not in out_ind]
    split = int(split_every or DEFAULT_SPLIT_EVERY)
    if split < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every!r}")
    name = name or token(funcname(func), func, a, a_ind, b, b_ind, out_ind, split)
    layer = {}
    for coords in product(*(range(sizes[i]) for i in out_ind)):
        where = dict(zip(out_ind, coords))
        terms = []
        for inner in product(*(range(sizes[i]) for i in summed)):
            where.update(zip(summed, inner))
            terms.append((func, _key(a, a_ind, where), _key(b, b_ind, where)))
        _sum_tree(layer, name, coords, terms, split)
    out_chunks = tuple(chunks[i] for i in out_ind)
    return new_array(layer, name, out_chunks, dtype, [a, b])


def _key(arr, ind, where):
    return (arr.name, *(where[i] if n > 1 else 0 for i, n in zip(ind, arr.numblocks)))


def _sum_tree(layer, name, coords, terms, split):
    """Add the tasks that compute ``terms`` and sum them into ``(name, *coords)``."""
    if len(terms) == 1:
        layer[(name, *coords)] = terms[0]
        return
    keys = []
    for k, t in enumerate(terms):
        key = (f"{name}-product", *coords, k)
        layer[key] = t
        keys.append(key)
    level = 0
    while len(keys) > split:
        level += 1
        grouped = []
        for g in range(0, len(keys), split):
            key = (f"{name}-sum{level}", *coords, g // split)
            layer[key] = (sum_blocks, keys[g:g + split])
            grouped.append(key)
        keys = grouped
    layer[(name, *coords)] = (sum_blocks, keys)


def _check_array(x, what):
    if not isinstance(x, Array):
        from plait.array.io import asarray

        x = asarray(x)
    return x


def matmul(a, b, split_every=None):
    """Matrix product with NumPy's ``matmul`` rules (1-d promotion, broadcast
    stacks), blocked.

    >>> import plait.array as pa
    >>> x = pa.arange(6, chunks=2).reshape(2, 3)
    >>> (x @ x.T).compute()
    array([[ 5, 14],
           [14, 50]])
    >>> matmul(x, x)
    Traceback (most recent call last):
    ...
    ValueError: matmul: shapes (2, 3) and (2, 3) not aligned: 3 (dim 1) != 2 (dim 0)
    """
    a, b = _check_array(a, "a"), _check_array(b, "b")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: a 0-d operand is not allowed; use * for scalars")
    ka, kb = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} not aligned: {ka} "
                         f"(dim {a.ndim - 1}) != {kb} (dim {max(b.ndim - 2, 0)})")
    batch = max(a.ndim, b.ndim) - 2
    a_ind = tuple(f"b{k}" for k in range(batch - (a.ndim - 2), batch)) + \
        (("m", "k") if a.ndim > 1 else ("k",))
    b_ind = tuple(f"b{k}" for k in range(batch - (b.ndim - 2), batch)) + \
        (("k", "n") if b.ndim > 1 else ("k",))
    if a.ndim > 2 or b.ndim > 2:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
    out_ind = tuple(f"b{k}" for k in range(max(batch, 0))) + \
        (("m",) if a.ndim > 1 else ()) + (("n",) if b.ndim > 1 else ())
    dtype = np.matmul(np.ones((1, 1), a.dtype), np.ones((1, 1), b.dtype)).dtype
    return contract(np.matmul, out_ind, a, a_ind, b, b_ind, dtype, split_every)


def tensordot(a, b, axes=2, split_every=None):
    """Sum of products over the given axes, like ``np.tensordot``.

    >>> import plait.array as pa
    >>> x = pa.ones((2, 3, 4), chunks=2)
    >>> tensordot(x, pa.ones((4, 3), chunks=2), axes=([1, 2], [1, 0])).compute()
    array([12., 12.])
    """
    a, b = _check_array(a, "a"), _check_array(b, "b")
    if isinstance(axes, (int, np.integer)):
        a_axes, b_axes = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        a_axes, b_axes = (list(np.atleast_1d(x)) for x in axes)
    a_axes = [int(x) % a.ndim for x in a_axes]
    b_axes = [int(x) % b.ndim for x in b_axes]
    if len(a_axes) != len(b_axes):
        raise ValueError("tensordot: the two axes lists have different lengths")
    for x, y in zip(a_axes, b_axes):
        if a.shape[x] != b.shape[y]:
            raise ValueError(f"shapes {a.shape} and {b.shape} not aligned: {a.shape[x]} "
                             f"(dim {x}) != {b.shape[y]} (dim {y})")
    a_ind = tuple(f"a{k}" for k in range(a.ndim))
    b_ind = tuple(a_ind[a_axes[b_axes.index(k)]] if k in b_axes else f"b{k}"
                  for k in range(b.ndim))
    out_ind = tuple(i for k, i in enumerate(a_ind) if k not in a_axes) + \
        tuple(i for k, i in enumerate(b_ind) if k not in b_axes)
    dtype = np.result_type(a.dtype, b.dtype)
    func = partial(np.tensordot, axes=(a_axes, b_axes))
    return contract(func, out_ind, a, a_ind, b, b_ind, dtype, split_every)


def dot(a, b, split_every=None):
    """Dot product with NumPy's rules (``matmul`` for 2-d, inner product for
    1-d, sum over ``a``'s last and ``b``'s second-to-last axis otherwise).

    >>> import plait.array as pa
    >>> int(dot(pa.arange(4, chunks=2), pa.arange(4, chunks=3)))
    14
    """
    a, b = _check_array(a, "a"), _check_array(b, "b")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([a.ndim - 1], [max(b.ndim - 2, 0)]),
                     split_every=split_every)


def outer(a, b):
    """Outer product of two arrays (flattened first), like ``np.outer``.

    >>> import plait.array as pa
    >>> outer(pa.arange(2, chunks=1), pa.arange(3, chunks=2)).compute()
    array([[0, 0, 0],
           [0, 1, 2]])
    """
    a, b = _check_array(a, "a").reshape(-1), _check_array(b, "b").reshape(-1)
    return a[:, None] * b[None, :]


__all__ = ["matmul", "dot", "tensordot", "outer", "contract", "sum_blocks"]
