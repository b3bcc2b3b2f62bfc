"""reshape, rechunk, transpose and friends against NumPy."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait.array as pa
from plait.array.testing import assert_eq

FACTORS = [1, 2, 3, 4, 6]


@st.composite
def reshape_case(draw):
    factors = draw(st.lists(st.sampled_from(FACTORS), min_size=1, max_size=4))
    size = math.prod(factors)

    def split(fs):
        dims, cur = [], 1
        for f in fs:
            cur *= f
            if draw(st.booleans()):
                dims.append(cur)
                cur = 1
        dims.append(cur)
        return tuple(dims)

    old = split(draw(st.permutations(factors)))
    new = split(draw(st.permutations(factors)))
    assert math.prod(old) == math.prod(new) == size
    chunks = tuple(draw(st.integers(1, n)) for n in old)
    return old, new, chunks


@settings(max_examples=80, deadline=None)
@given(reshape_case())
def test_reshape_matches_numpy(c):
    old, new, chunks = c
    data = np.arange(math.prod(old)).reshape(old)
    x = pa.from_array(data, chunks=chunks)
    assert_eq(x.reshape(new), data.reshape(new))
    assert_eq(pa.reshape(x, (-1,)), data.reshape(-1))


def test_reshape_rechunks_only_where_needed():
    x = pa.ones((8, 6, 4), chunks=(2, 3, 4))
    y = x.reshape(8, 24)
    assert y.chunks == ((2, 2, 2, 2), (12, 12))
    assert not any(name.startswith("rechunk") for name in y.__plait_layers__())
    v = pa.ones((8, 6, 4), chunks=(2, 3, 2)).reshape(8, 24)
    assert v.chunks == ((2, 2, 2, 2), (4,) * 6)  # inner axis made whole, outer cut finer
    z = pa.ones((24,), chunks=6).reshape(4, 6)
    assert z.chunks == ((1, 1, 1, 1), (6,))
    assert not any(name.startswith("rechunk") for name in z.__plait_layers__())
    w = pa.ones((10, 10), chunks=5).reshape(10, 1, 10)
    assert w.chunks == ((5, 5), (1,), (5, 5))
    assert not any(name.startswith("rechunk") for name in w.__plait_layers__())
    assert x.reshape(x.shape) is x


def test_reshape_errors():
    x = pa.ones((3, 4), chunks=2)
    with pytest.raises(ValueError, match="cannot reshape array of size 12 into shape \\(5,\\)"):
        x.reshape(5)
    with pytest.raises(ValueError, match="only specify one unknown dimension"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match="cannot reshape array of size 12 into shape \\(-1, 5\\)"):
        x.reshape(-1, 5)


def test_reshape_of_empty_and_single_block():
    assert_eq(pa.ones((0, 4), chunks=2).reshape(2, 0, 2), np.ones((0, 4)).reshape(2, 0, 2))
    assert_eq(pa.arange(6, chunks=6).reshape(3, 2), np.arange(6).reshape(3, 2))


@st.composite
def rechunk_case(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 10)) for _ in range(ndim))
    old = tuple(draw(st.integers(1, n)) for n in shape)
    new = tuple(draw(st.one_of(st.integers(1, n), st.just(-1))) for n in shape)
    return shape, old, new


@settings(max_examples=60, deadline=None)
@given(rechunk_case())
def test_rechunk_matches_numpy(c):
    shape, old, new = c
    data = np.arange(math.prod(shape)).reshape(shape)
    x = pa.from_array(data, chunks=old)
    y = x.rechunk(new)
    assert y.chunks == pa.normalize_chunks(new, shape)
    assert_eq(y, data)


def test_rechunk_forms():
    x = pa.ones((10, 10), chunks=5)
    assert x.rechunk(5) is x
    assert x.rechunk({1: 2}).chunks == ((5, 5), (2,) * 5)
    assert x.rechunk(((3, 7), -1)).chunks == ((3, 7), (10,))
    assert x.rechunk("auto").chunks == ((10,), (10,))
    rows = x.rechunk(((5, 5), (10,)))
    assert len(rows.__plait_layers__()[rows.name]) == 2
    back = rows.rechunk(((5, 5), (5, 5)))
    assert all(callable(task[0]) for task in back.__plait_layers__()[back.name].values())
    split = x.rechunk(((5, 5), (5, 5)))
    assert split is x
    with pytest.raises(ValueError, match="axis 1 sum to 9"):
        x.rechunk((5, (4, 5)))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(st.integers(1, 5), min_size=n, max_size=n),
    st.permutations(list(range(n))))))
def test_transpose_matches_numpy(c):
    shape, axes = c
    data = np.arange(math.prod(shape)).reshape(shape)
    x = pa.from_array(data, chunks=2)
    assert_eq(x.transpose(axes), data.transpose(axes))
    assert_eq(x.T, data.T)
    assert_eq(np.transpose(x), np.transpose(data))


def test_axis_shuffles():
    data = np.arange(24).reshape(2, 3, 4)
    x = pa.from_array(data, chunks=2)
    assert_eq(x.swapaxes(0, 2), data.swapaxes(0, 2))
    assert_eq(pa.moveaxis(x, 0, -1), np.moveaxis(data, 0, -1))
    assert_eq(pa.moveaxis(x, [0, 1], [2, 0]), np.moveaxis(data, [0, 1], [2, 0]))
    assert_eq(pa.squeeze(x[:1, :, :1]), np.squeeze(data[:1, :, :1]))
    assert_eq(x[:1].squeeze(axis=0), data[:1].squeeze(axis=0))
    assert_eq(pa.expand_dims(x, (0, 3)), np.expand_dims(data, (0, 3)))
    assert_eq(x.ravel(), data.ravel())
    with pytest.raises(ValueError, match="axes \\(0, 1\\) don't match array of 3 dimensions"):
        x.transpose(0, 1)
    with pytest.raises(ValueError, match="cannot select an axis to squeeze out"):
        x.squeeze(axis=1)


def test_reshape_in_fortran_order_is_refused_by_name():
    import numpy as np
    import pytest

    import plait.array as pa

    x = pa.arange(12, chunks=4)
    with pytest.raises(ValueError, match="C order only, not order='F'"):
        np.reshape(x, (3, 4), order="F")
