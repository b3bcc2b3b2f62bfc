"""Tree reductions against NumPy over random shapes, chunks and axes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait.array as pa
from plait.array.testing import assert_eq

REDUCTIONS = ["sum", "prod", "mean", "std", "var", "min", "max", "any", "all"]


@st.composite
def case(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 8)) for _ in range(ndim))
    chunks = tuple(draw(st.integers(1, n)) for n in shape)
    axis = draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1),
        st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)))
    keepdims = draw(st.booleans())
    split_every = draw(st.sampled_from([None, 2, 3]))
    data = np.random.default_rng(draw(st.integers(0, 999))).uniform(0.5, 1.5, shape)
    return data, chunks, axis, keepdims, split_every


@settings(max_examples=60, deadline=None)
@given(case(), st.sampled_from(REDUCTIONS))
def test_reductions_match_numpy(c, name):
    data, chunks, axis, keepdims, split_every = c
    x = pa.from_array(data, chunks=chunks)
    if name in ("any", "all"):
        data = data > 1
        x = x > 1
    got = getattr(x, name)(axis=axis, keepdims=keepdims, split_every=split_every)
    assert_eq(got, getattr(np, name)(data, axis=axis, keepdims=keepdims))


@settings(max_examples=40, deadline=None)
@given(case(), st.sampled_from(["argmin", "argmax"]))
def test_arg_reductions_match_numpy(c, name):
    data, chunks, axis, keepdims, split_every = c
    data = np.round(data * 4)  # ties on purpose
    if isinstance(axis, tuple):
        axis = axis[0]
    x = pa.from_array(data, chunks=chunks)
    got = getattr(pa, name)(x, axis=axis, keepdims=keepdims, split_every=split_every)
    assert_eq(got, getattr(np, name)(data, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", ["argmin", "argmax"])
def test_arg_reductions_pick_the_first_nan(name):
    data = np.array([[1.0, 5, np.nan], [np.nan, 0, 9], [2, 2, 2]])
    x = pa.from_array(data, chunks=1)
    for axis in (None, 0, 1):
        assert_eq(getattr(x, name)(axis=axis), getattr(np, name)(data, axis=axis))


@settings(max_examples=30, deadline=None)
@given(case(), st.sampled_from(["nansum", "nanprod", "nanmean", "nanmin", "nanmax",
                                "nanvar", "nanstd"]))
def test_nan_reductions(c, name):
    data, chunks, axis, keepdims, split_every = c
    data = data.copy()
    data.flat[::3] = np.nan
    data.flat[0] = 1.0
    x = pa.from_array(data, chunks=chunks)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = getattr(np, name)(data, axis=axis, keepdims=keepdims)
        got = getattr(pa, name)(x, axis=axis, keepdims=keepdims, split_every=split_every)
        assert_eq(got, expected)


def test_dtypes_follow_numpy():
    i = pa.arange(10, chunks=3, dtype="int32")
    n = np.arange(10, dtype="int32")
    for name in ("sum", "prod", "mean", "var", "std", "min", "max"):
        got = getattr(i, name)()
        assert got.dtype == getattr(np, name)(n).dtype, name
        assert_eq(got, getattr(np, name)(n))
    assert i.sum(dtype="f4").dtype == np.float32
    assert_eq(i.mean(dtype="f4"), n.mean(dtype="f4"))
    b = pa.ones(5, dtype=bool, chunks=2)
    assert b.sum().dtype == np.sum(np.ones(5, dtype=bool)).dtype
    f16 = pa.ones(5, dtype="f2", chunks=2)
    assert f16.mean().dtype == np.float16


def test_ddof_and_precision():
    data = 1e8 + np.random.default_rng(0).standard_normal(10_000)
    x = pa.from_array(data, chunks=77)
    assert_eq(x.var(ddof=1), data.var(ddof=1), rtol=1e-9)
    assert_eq(x.std(), data.std(), rtol=1e-9)
    c = data * (1 + 1j)
    assert_eq(pa.from_array(c, chunks=333).var(), c.var(), rtol=1e-9)


def test_complex_and_int_extremes():
    data = np.array([3 + 1j, 1 + 5j, 3 + 2j, 0j])
    x = pa.from_array(data, chunks=1)
    assert_eq(x.max(), data.max())
    assert_eq(x.argmax(), data.argmax())
    big = np.array([2**62, 2**62, -5], dtype=np.int64)
    assert_eq(pa.from_array(big, chunks=1).sum(), big.sum())


def test_empty_reductions():
    data = np.ones((0, 3))
    x = pa.from_array(data, chunks=2)
    assert_eq(x.sum(axis=0), data.sum(axis=0))
    assert_eq(x.sum(), data.sum())
    with pytest.raises(ValueError, match="zero-size array to reduction operation minimum"):
        x.min()
    with pytest.raises(ValueError, match="zero-size array to reduction operation argmax"):
        x.argmax()


def test_reductions_of_a_zero_d_array():
    s = pa.arange(4, chunks=2).sum()
    assert_eq(s.sum(), np.int64(6))
    assert_eq(s.max(), np.int64(6))


def test_axis_errors():
    x = pa.ones((2, 3), chunks=1)
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds for array of "
                                                      "dimension 2"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        x.sum(axis=(0, -2))
    with pytest.raises(TypeError, match="argmax: axis must be None or an int"):
        x.argmax(axis=(0, 1))
    with pytest.raises(ValueError, match="split_every must be at least 2"):
        x.sum(split_every=1)


def test_split_every_shapes_the_tree():
    x = pa.ones((64, 64), chunks=4)
    y = x.sum(split_every={0: 4, 1: 2})
    assert_eq(y, 64 * 64.0)
    deep = x.sum(split_every=2)
    shallow = x.sum(split_every=256)
    assert len(deep.dask) > len(shallow.dask)
    assert_eq(deep, shallow)


def test_custom_reduction():
    data = np.arange(20.0).reshape(4, 5)
    x = pa.from_array(data, chunks=2)

    def chunk(b, axis, keepdims):
        return np.sum(b * b, axis=axis, keepdims=keepdims)

    sumsq = pa.reduction(x, chunk, np.sum, axis=1, dtype=x.dtype)
    assert_eq(sumsq, (data * data).sum(axis=1))


def test_zero_d_arg_reductions_and_moments():
    s = pa.arange(5, chunks=2).sum()
    assert_eq(s.argmax(), np.argmax(np.int64(10)))
    assert_eq(s.argmin(), np.argmin(np.int64(10)))
    assert_eq(s.std(), np.std(np.int64(10)))


def test_trees_of_different_split_every_do_not_collide():
    x = pa.arange(100, chunks=5)
    a, b = x.sum(split_every=2), x.sum(split_every=4)
    assert a.name != b.name
    assert pa.compute(a, b, scheduler="sync") == (4950, 4950)
