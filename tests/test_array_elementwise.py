"""Elementwise operators, ufuncs and where, against NumPy."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait.array as pa
from plait.array.testing import assert_eq


@st.composite
def chunked(draw, max_ndim=3, min_side=1, max_side=9):
    """(numpy array, chunks) with a random shape and a random chunking."""
    ndim = draw(st.integers(1, max_ndim))
    shape = tuple(draw(st.integers(min_side, max_side)) for _ in range(ndim))
    chunks = []
    for n in shape:
        cuts = draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=3, unique=True))
        cuts = sorted(c for c in cuts if 0 < c < n)
        bounds = [0, *cuts, n]
        chunks.append(tuple(b - a for a, b in zip(bounds, bounds[1:])))
    seed = draw(st.integers(0, 2**16))
    data = np.random.default_rng(seed).standard_normal(shape)
    return data, tuple(chunks)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
@settings(max_examples=40, deadline=None)
@given(chunked(), st.sampled_from(["add", "sub", "mul", "truediv", "pow", "gt", "eq"]))
def test_binary_operators_match_numpy(case, op):
    data, chunks = case
    x = pa.from_array(data, chunks=chunks)
    other = np.abs(data[..., ::-1]) + 1
    y = pa.from_array(other, chunks=chunks[::-1] if len(set(data.shape)) == 1 else -1)
    import operator

    f = getattr(operator, op)
    assert_eq(f(x, y), f(data, other))
    assert_eq(f(x, 2.5), f(data, 2.5))
    assert_eq(f(3, x), f(3, data))


@settings(max_examples=30, deadline=None)
@given(chunked(max_ndim=2))
def test_broadcasting_against_plait_and_numpy(case):
    data, chunks = case
    x = pa.from_array(data, chunks=chunks)
    row = np.arange(data.shape[-1], dtype=float)
    col = np.arange(data.shape[0], dtype=float).reshape((-1,) + (1,) * (data.ndim - 1))
    assert_eq(x + row, data + row)
    assert_eq(row + x, row + data)
    assert_eq(x * pa.from_array(col, chunks=1), data * col)
    assert_eq(x[:, None] - x[None, :], data[:, None] - data[None, :])


def test_unary_operators_and_int_operators():
    data = np.arange(-5, 7)
    x = pa.from_array(data, chunks=5)
    assert_eq(-x, -data)
    assert_eq(+x, +data)
    assert_eq(abs(x), abs(data))
    assert_eq(~x, ~data)
    assert_eq(x // 3, data // 3)
    assert_eq(x % 4, data % 4)
    assert_eq(x & 6, data & 6)
    assert_eq(x | 1, data | 1)
    assert_eq(x ^ 3, data ^ 3)
    assert_eq(x << 2, data << 2)
    assert_eq(x >> 1, data >> 1)
    q, r = divmod(x, 4)
    assert_eq(q, data // 4)
    assert_eq(r, data % 4)


def test_comparisons():
    data = np.arange(10)
    x = pa.from_array(data, chunks=4)
    for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        assert_eq(getattr(x, op)(4), getattr(data, op)(4))


@pytest.mark.parametrize("ufunc", [np.sin, np.exp, np.log1p, np.sqrt, np.floor, np.isnan,
                                   np.signbit, np.negative, np.spacing])
def test_unary_ufuncs(ufunc):
    data = np.linspace(0.1, 3, 17)
    x = pa.from_array(data, chunks=5)
    y = ufunc(x)
    assert isinstance(y, pa.Array)
    assert_eq(y, ufunc(data))


@pytest.mark.parametrize("ufunc", [np.add, np.hypot, np.arctan2, np.maximum, np.fmin,
                                   np.logaddexp, np.copysign, np.greater_equal,
                                   np.logical_xor])
def test_binary_ufuncs_mix_numpy_and_plait(ufunc):
    a, b = np.linspace(-2, 2, 12).reshape(3, 4), np.linspace(1, 3, 4)
    x = pa.from_array(a, chunks=2)
    assert_eq(ufunc(x, b), ufunc(a, b))
    assert_eq(ufunc(b, x), ufunc(b, a))
    assert_eq(ufunc(x, x), ufunc(a, a))


def test_ufunc_keywords_and_several_outputs():
    data = np.linspace(0.5, 5, 10)
    x = pa.from_array(data, chunks=3)
    assert_eq(np.add(x, 1, dtype="f4"), np.add(data, 1, dtype="f4"))
    mant, exp = np.frexp(x)
    m, e = np.frexp(data)
    assert_eq(mant, m)
    assert_eq(exp, e)
    frac, whole = np.modf(x)
    assert_eq(frac, np.modf(data)[0])


def test_ufunc_out_and_methods():
    data = np.arange(12.0).reshape(3, 4)
    x = pa.from_array(data, chunks=2)
    out = pa.zeros((3, 4), chunks=2)
    res = np.add(x, 1, out=out)
    assert res is out
    assert_eq(out, data + 1)
    assert_eq(np.add.reduce(x), np.add.reduce(data))
    assert_eq(np.maximum.reduce(x, axis=1), np.maximum.reduce(data, axis=1))
    assert_eq(np.multiply.outer(x[0], x[:, 0]), np.multiply.outer(data[0], data[:, 0]))
    with pytest.raises(TypeError):
        np.add.accumulate(x)


def test_python_scalar_keeps_small_dtypes():
    x = pa.ones(4, dtype="int8", chunks=2)
    assert (x + 1).dtype == np.int8
    assert (x + 1.5).dtype == np.float64
    assert (x / 2).dtype == np.float64
    f = pa.ones(4, dtype="f4", chunks=2)
    assert (f * 2.0).dtype == np.float32


def test_where():
    data = np.arange(12).reshape(3, 4)
    x = pa.from_array(data, chunks=2)
    assert_eq(pa.where(x > 5, x, 0), np.where(data > 5, data, 0))
    assert_eq(pa.where(data % 2 == 0, x, -x), np.where(data % 2 == 0, data, -data))
    assert_eq(np.where(x > 5, 1.5, x), np.where(data > 5, 1.5, data))
    with pytest.raises(TypeError, match="where\\(condition, x, y\\)"):
        pa.where(x > 5)


def test_astype_round_clip_isclose():
    data = np.linspace(-3, 3, 13)
    x = pa.from_array(data, chunks=4)
    assert_eq(x.astype("i4"), data.astype("i4"))
    assert x.astype(float) is x
    with pytest.raises(TypeError, match="cannot cast array of float64 to int32"):
        pa.astype(x, "i4", casting="safe")
    assert_eq(x.round(1), data.round(1))
    assert_eq(np.round(x, 2), np.round(data, 2))
    assert_eq(x.clip(-1, 1), data.clip(-1, 1))
    assert_eq(np.isclose(x, data + 1e-12), np.isclose(data, data + 1e-12))
    assert bool(pa.allclose(x, data))


def test_complex_parts():
    data = np.arange(6) * (1 + 2j)
    x = pa.from_array(data, chunks=4)
    assert_eq(x.real, data.real)
    assert_eq(x.imag, data.imag)
    assert_eq(x.conj(), data.conj())


def test_mismatched_shapes_name_both_shapes():
    x = pa.ones((3, 4), chunks=2)
    with pytest.raises(ValueError, match=r"shapes \(3, 4\) \(5,\)"):
        x + pa.ones(5)
    with pytest.raises(ValueError, match=r"shapes \(3, 4\) \(3,\)"):
        x * np.ones(3)


def test_unknown_operand_types_defer():
    class Other:
        def __radd__(self, other):
            return "other wins"

    assert pa.ones(3) + Other() == "other wins"


def test_chunks_are_unified_when_they_differ():
    a = np.arange(20.0)
    x = pa.from_array(a, chunks=6)
    y = pa.from_array(a, chunks=7)
    z = x + y
    assert z.chunks == ((6, 1, 5, 2, 4, 2),)
    assert_eq(z, 2 * a)
