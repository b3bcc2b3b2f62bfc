"""``assert_eq``: check a plait array against NumPy, block by block.

Besides comparing values, it checks that every computed block has the shape
the array's chunks promise and the array's dtype, so a wrong chunk
bookkeeping fails even when the assembled values happen to agree.
"""
from __future__ import annotations

import numpy as np

from plait.array.core import Array


def _blocks(nested, ndim, prefix=()):
    if len(prefix) == ndim:
        yield prefix, nested
        return
    for i, sub in enumerate(nested):
        yield from _blocks(sub, ndim, (*prefix, i))


def check_blocks(x, scheduler="sync"):
    """Compute ``x``'s blocks and check each one's shape and dtype; return the
    assembled NumPy result.

    >>> import plait.array as pa
    >>> check_blocks(pa.arange(5, chunks=2))
    array([0, 1, 2, 3, 4])
    """
    from plait.array.core import finalize, optimize
    from plait.base import get_scheduler

    keys = x.__plait_keys__()
    dsk = optimize(x.__plait_graph__(), [keys])
    results = get_scheduler(scheduler)(dsk, [keys])[0]
    if x.ndim == 0:
        block = np.asarray(results)
        assert block.shape == (), f"{x.name}: 0-d array computed a block of shape {block.shape}"
        assert block.dtype == x.dtype, f"{x.name}: dtype {block.dtype}, declared {x.dtype}"
        return finalize(results, 0)
    for coords, block in _blocks(results, x.ndim):
        want = tuple(c[i] for c, i in zip(x.chunks, coords))
        assert isinstance(block, np.ndarray), f"{x.name}: block {coords} is a {type(block)}"
        assert block.shape == want, (f"{x.name}: block {coords} has shape {block.shape}, "
                                     f"chunks promise {want}")
        assert block.dtype == x.dtype, (f"{x.name}: block {coords} has dtype {block.dtype}, "
                                        f"the array declares {x.dtype}")
    return finalize(results, x.ndim)


def assert_eq(a, b, check_dtype=True, scheduler="sync", **kwargs):
    """Assert that ``a`` and ``b`` (plait arrays, NumPy arrays or scalars) are
    equal: same shape, same dtype (unless ``check_dtype=False``) and values
    equal (close for floats; ``kwargs`` go to ``np.testing.assert_allclose``).

    >>> import plait.array as pa
    >>> assert_eq(pa.arange(4, chunks=3) * 2, np.arange(4) * 2)
    """
    values = []
    for x in (a, b):
        if isinstance(x, Array):
            values.append((x.shape, x.dtype, check_blocks(x, scheduler)))
        else:
            x = np.asarray(x)
            values.append((x.shape, x.dtype, x))
    (sa, da, va), (sb, db, vb) = values
    assert sa == sb, f"shapes differ: {sa} != {sb}"
    assert np.shape(va) == sa, f"computed shape {np.shape(va)} but declared {sa}"
    if check_dtype:
        assert da == db, f"dtypes differ: {da} != {db}"
        assert np.asarray(va).dtype == da, f"computed dtype {np.asarray(va).dtype}, declared {da}"
    va, vb = np.asarray(va), np.asarray(vb)
    if va.dtype.kind in "fc" or vb.dtype.kind in "fc":
        kwargs.setdefault("rtol", 1e-7 if va.dtype.itemsize >= 8 else 1e-4)
        np.testing.assert_allclose(va, vb, equal_nan=True, **kwargs)
    else:
        np.testing.assert_array_equal(va, vb)


__all__ = ["assert_eq", "check_blocks"]
