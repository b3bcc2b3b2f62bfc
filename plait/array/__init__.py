"""plait.array: chunked NumPy arrays that build task graphs.

An ``Array`` is a grid of NumPy blocks; every operation adds one task per
output block to a graph, and ``compute()`` runs it (on threads by default:
NumPy releases the GIL).

>>> import plait.array as pa
>>> x = pa.arange(100, chunks=10)
>>> int(x.sum().compute())
4950
>>> y = (x + 1).sum(); z = (x + 1).mean()
>>> [float(v) for v in pa.compute(y, z)]
[5050.0, 50.5]
"""
try:
    import numpy  # noqa: F401
except ImportError as e:  # pragma: no cover
    raise ImportError("plait.array needs NumPy: pip install 'plait[array]'") from e

from plait.array import random
from plait.array.blockwise import blockwise, map_blocks, unify_chunks
from plait.array.chunks import normalize_chunks
from plait.array.core import Array
from plait.array.creation import (arange, empty, empty_like, eye, full, full_like,
                                  linspace, ones, ones_like, zeros, zeros_like)
from plait.array.elementwise import astype, elemwise, where
from plait.array.io import (asanyarray, asarray, from_array, from_delayed, from_zarr,
                            store, to_delayed, to_zarr)
from plait.array.linalg import dot, matmul, outer, tensordot
from plait.array.overlap import map_overlap, overlap
from plait.array.rechunk import rechunk
from plait.array.argreductions import argmax, argmin
from plait.array.moments import mean, nanmean, nanstd, nanvar, std, var
from plait.array.reductions import (all, any, max, min, nanmax, nanmin, nanprod, nansum,
                                    prod, reduction, sum)
from plait.array.reshape import (expand_dims, moveaxis, ravel, reshape, squeeze,
                                 swapaxes, transpose)
from plait.array.routines import (allclose, broadcast_to, clip, concatenate, hstack,
                                  isclose, round, stack, vstack)
from plait.array.slicing import take
from plait.base import compute, persist, visualize

__all__ = [
    "Array", "all", "allclose", "any", "arange", "argmax", "argmin", "asanyarray",
    "asarray", "astype", "blockwise", "broadcast_to", "clip", "compute", "concatenate",
    "dot", "elemwise", "empty", "empty_like", "expand_dims", "eye", "from_array",
    "from_delayed", "from_zarr", "full", "full_like", "hstack", "isclose", "linspace",
    "map_blocks", "map_overlap", "matmul", "max", "mean", "min", "moveaxis", "nanmax",
    "nanmean", "nanmin", "nanprod", "nanstd", "nansum", "nanvar", "normalize_chunks",
    "ones", "ones_like", "outer", "overlap", "persist", "prod", "random", "ravel",
    "rechunk", "reduction", "reshape", "round", "squeeze", "stack", "std", "store",
    "sum", "swapaxes", "take", "tensordot", "to_delayed", "to_zarr", "transpose",
    "unify_chunks", "var", "visualize", "vstack", "where", "zeros", "zeros_like",
]
