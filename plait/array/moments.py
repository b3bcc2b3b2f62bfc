"""Means and variances as tree reductions: ``mean``, ``var``, ``std`` and their
``nan`` forms.

Each block gives a count, a mean and a sum of squared deviations; groups of
these merge with Chan et al.'s parallel formula, which stays accurate where
``sum(x**2) - sum(x)**2 / n`` would cancel catastrophically.
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np

from plait.array.reductions import _out, reduction


def _acc_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:
        return np.dtype(np.float32)
    return dtype


def _count(x, axis, nan):
    if nan:
        return np.sum(~np.isnan(x), axis=axis, keepdims=True, dtype=np.int64)
    n = math.prod(x.shape[a] for a in axis)
    shape = tuple(1 if a in axis else s for a, s in enumerate(x.shape))
    return np.full(shape, n, dtype=np.int64)


def mean_chunk(x, axis, keepdims=True, dtype=None, nan=False):
    """Partial result of a mean: the count and the total of one block.

    >>> mean_chunk(np.arange(4.0), (0,))
    {'n': array([4]), 'total': array([6.])}
    """
    total = (np.nansum if nan else np.sum)(x, axis=axis, keepdims=True,
                                          dtype=_acc_dtype(dtype or x.dtype))
    return {"n": _count(x, axis, nan), "total": total}


def mean_combine(d, axis, keepdims=True):
    """Merge joined mean partial results.

    >>> mean_combine({'n': np.array([2, 2]), 'total': np.array([1., 5.])}, (0,), False)
    {'n': np.int64(4), 'total': np.float64(6.0)}
    """
    return {"n": np.sum(d["n"], axis=axis, keepdims=keepdims),
            "total": np.sum(d["total"], axis=axis, keepdims=keepdims)}


def mean_aggregate(d, axis, keepdims=False, dtype=None):
    """The mean from joined partial results.

    >>> float(mean_aggregate({'n': np.array([2, 2]), 'total': np.array([1., 5.])}, (0,)))
    1.5
    """
    d = mean_combine(d, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(d["total"], d["n"])
    return out.astype(dtype, copy=False) if dtype is not None else out


def _mean(a, axis, dtype, keepdims, split_every, nan, label):
    dtype = np.dtype(dtype) if dtype is not None else (
        np.mean(np.zeros(1, dtype=a.dtype)).dtype)
    chunk = partial(mean_chunk, dtype=dtype, nan=nan)
    return reduction(a, chunk, partial(mean_aggregate, dtype=dtype), axis=axis,
                     keepdims=keepdims, dtype=dtype, split_every=split_every,
                     combine=mean_combine, name=label)


def mean(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Arithmetic mean over ``axis``.

    >>> import plait.array as pa
    >>> float(mean(pa.arange(100, chunks=10) + 1))
    50.5
    """
    return _out(_mean(a, axis, dtype, keepdims, split_every, False, "mean"), out)


def nanmean(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    """Mean over ``axis`` ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanmean(pa.from_array(np.array([1, np.nan, 3]), chunks=2)))
    2.0
    """
    return _out(_mean(a, axis, dtype, keepdims, split_every, True, "nanmean"), out)


def moment_chunk(x, axis, keepdims=True, nan=False):
    """Partial result of a variance: count, mean and sum of squared deviations.

    >>> moment_chunk(np.array([1.0, 3.0]), (0,))
    {'n': array([2]), 'mu': array([2.]), 'm2': array([2.])}
    """
    n = _count(x, axis, nan)
    acc = _acc_dtype(x.dtype)
    total = (np.nansum if nan else np.sum)(x, axis=axis, keepdims=True, dtype=acc)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.where(n > 0, total / np.where(n > 0, n, 1), 0)
    dev = np.abs(x - mu) ** 2
    m2 = (np.nansum if nan else np.sum)(dev, axis=axis, keepdims=True)
    return {"n": n, "mu": mu, "m2": m2}


def moment_combine(d, axis, keepdims=True):
    """Merge joined variance partial results (Chan et al.'s parallel formula).

    >>> d = {'n': np.array([1, 1]), 'mu': np.array([1.0, 3.0]), 'm2': np.zeros(2)}
    >>> moment_combine(d, (0,), False)['m2']
    array(2.)
    """
    n_i, mu_i, m2_i = d["n"], d["mu"], d["m2"]
    n = np.sum(n_i, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.sum(n_i * mu_i, axis=axis, keepdims=True) / np.where(n > 0, n, 1)
    m2 = np.sum(m2_i, axis=axis, keepdims=True) + np.sum(
        n_i * np.abs(mu_i - mu) ** 2, axis=axis, keepdims=True)
    if not keepdims:
        n, mu, m2 = (np.squeeze(v, axis=axis) for v in (n, mu, m2))
    return {"n": n, "mu": mu, "m2": m2}


def moment_aggregate(d, axis, keepdims=False, ddof=0, dtype=None, root=False):
    """The variance (or, with ``root``, the standard deviation).

    >>> d = {'n': np.array([1, 1]), 'mu': np.array([1.0, 3.0]), 'm2': np.zeros(2)}
    >>> float(moment_aggregate(d, (0,), root=True))
    1.0
    """
    d = moment_combine(d, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = d["m2"] / np.maximum(d["n"] - ddof, 0)
    if root:
        out = np.sqrt(out)
    return out.astype(dtype, copy=False) if dtype is not None else out


def _moment(a, axis, dtype, keepdims, ddof, split_every, nan, root, label):
    dtype = np.dtype(dtype) if dtype is not None else np.var(np.zeros(1, a.dtype)).dtype
    agg = partial(moment_aggregate, ddof=ddof, dtype=dtype, root=root)
    return reduction(a, partial(moment_chunk, nan=nan), agg, axis=axis,
                     keepdims=keepdims, dtype=dtype, split_every=split_every,
                     combine=moment_combine, name=label)


def var(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Variance over ``axis`` (``ddof``: delta degrees of freedom).

    >>> import plait.array as pa
    >>> float(var(pa.arange(4, chunks=3)))
    1.25
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, False, False, "var"),
                out)


def std(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Standard deviation over ``axis``.

    >>> import plait.array as pa
    >>> float(std(pa.from_array(np.array([1., 3.]), chunks=1)))
    1.0
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, False, True, "std"),
                out)


def nanvar(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Variance over ``axis`` ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanvar(pa.from_array(np.array([1., np.nan, 3.]), chunks=2)))
    1.0
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, True, False,
                        "nanvar"), out)


def nanstd(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Standard deviation over ``axis`` ignoring NaN.

    >>> import plait.array as pa
    >>> float(nanstd(pa.from_array(np.array([1., np.nan, 3.]), chunks=2)))
    1.0
    """
    return _out(_moment(a, axis, dtype, keepdims, ddof, split_every, True, True,
                        "nanstd"), out)


__all__ = ["mean", "nanmean", "var", "std", "nanvar", "nanstd"]
