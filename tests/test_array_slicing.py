"""Indexing against NumPy: ints, slices with steps, None, Ellipsis, index arrays."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait.array as pa
from plait.array.testing import assert_eq


@st.composite
def array_and_index(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 9)) for _ in range(ndim))
    chunks = tuple(draw(st.integers(1, n)) for n in shape)
    index = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "slice", "full"]))
        if kind == "int":
            index.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
            step = draw(st.one_of(st.none(), st.integers(-4, 4).filter(bool)))
            index.append(slice(draw(bound), draw(bound), step))
        else:
            index.append(slice(None))
    for _ in range(draw(st.integers(0, 2))):
        index.insert(draw(st.integers(0, len(index))), None)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(index)))
        rest = index[cut:]
        index = index[:cut] + [Ellipsis] + [i for i in rest if i is None][:0]
    data = np.arange(int(np.prod(shape))).reshape(shape)
    return data, chunks, tuple(index)


@settings(max_examples=120, deadline=None)
@given(array_and_index())
def test_basic_indexing_matches_numpy(c):
    data, chunks, index = c
    x = pa.from_array(data, chunks=chunks)
    assert_eq(x[index], data[index])


@st.composite
def array_and_fancy(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 8)) for _ in range(ndim))
    chunks = tuple(draw(st.integers(1, n)) for n in shape)
    axis = draw(st.integers(0, ndim - 1))
    n = shape[axis]
    if draw(st.booleans()):
        idx = np.array(draw(st.lists(st.integers(-n, n - 1), max_size=10)), dtype=int)
        if draw(st.booleans()):
            idx = np.sort(idx % n)
    else:
        idx = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    index = [slice(None)] * ndim
    index[axis] = idx
    other = [a for a in range(ndim) if a != axis]
    if other and draw(st.booleans()):
        b = draw(st.sampled_from(other))
        index[b] = draw(st.sampled_from([0, slice(None, None, 2), slice(1, None)]))
    data = np.arange(int(np.prod(shape))).reshape(shape)
    return data, chunks, tuple(index)


@settings(max_examples=100, deadline=None)
@given(array_and_fancy())
def test_index_arrays_match_numpy(c):
    data, chunks, index = c
    x = pa.from_array(data, chunks=chunks)
    assert_eq(x[index], data[index])


def test_examples():
    data = np.arange(60).reshape(3, 4, 5)
    x = pa.from_array(data, chunks=(2, 3, 2))
    for index in [1, -1, (1, 2, 3), (slice(None), 1), (Ellipsis, 2), (None, 1, None),
                  (slice(None, None, -1), slice(1, 3), slice(None, None, -3)),
                  (0, [3, 0, 0, 2]), ([2, 0], Ellipsis, 1), (0, slice(None), [4, 1]),
                  (slice(None), [True, False, True, True]), (1, None, [0, 0])]:
        assert_eq(x[index], data[index])


def test_boolean_mask_of_the_whole_array():
    data = np.arange(20).reshape(4, 5)
    x = pa.from_array(data, chunks=(2, 5))
    mask = data % 3 == 0
    assert_eq(x[mask], data[mask])


def test_two_dimensional_index_array():
    data = np.arange(10) * 3
    x = pa.from_array(data, chunks=4)
    idx = np.array([[1, 2], [9, 0]])
    assert_eq(x[idx], data[idx])


def test_slicing_keeps_block_structure_cheap():
    x = pa.ones((100, 100), chunks=10)
    y = x[5:25, ::10]
    assert y.chunks == ((5, 10, 5), (1,) * 10)
    assert len(y.__plait_layers__()[y.name]) == 30
    assert x[:, :] is x


def test_take():
    data = np.arange(30).reshape(5, 6)
    x = pa.from_array(data, chunks=2)
    assert_eq(pa.take(x, [5, 0, 0], axis=1), np.take(data, [5, 0, 0], axis=1))
    assert_eq(np.take(x, [4, 1], axis=0), np.take(data, [4, 1], axis=0))
    assert_eq(pa.take(x, 2, axis=1), np.take(data, 2, axis=1))
    assert_eq(pa.take(x, [], axis=0), np.take(data, np.array([], dtype=int), axis=0))


@pytest.mark.parametrize("index, error, message", [
    (5, IndexError, "index 5 is out of bounds for axis 0 with size 3"),
    ((0, -5), IndexError, "index -5 is out of bounds for axis 1 with size 4"),
    ((0, 0, 0), IndexError, "too many indices for array: array is 2-dimensional, but 3"),
    ((Ellipsis, Ellipsis), IndexError, "single ellipsis"),
    ("a", IndexError, "only integers, slices"),
    (1.5, IndexError, "only integers, slices"),
    (([1, 2], [0, 1]), IndexError, "one index array at a time"),
    ([True, False], IndexError, "size of axis is 3 but size of corresponding boolean axis is 2"),
    (np.ones((2, 2), dtype=bool), IndexError, "does not match the array's shape \\(3, 4\\)"),
    ([0, 7], IndexError, "index 7 is out of bounds for axis 0"),
    (slice(0, 2, 0), ValueError, "slice step cannot be zero"),
    (slice(0.5, 2), IndexError, "slice indices must be integers"),
])
def test_index_errors(index, error, message):
    x = pa.ones((3, 4), chunks=2)
    with pytest.raises(error, match=message):
        x[index]


def test_indexing_with_a_plait_array_is_refused():
    x = pa.arange(5, chunks=2)
    with pytest.raises(IndexError, match="compute the index first"):
        x[x > 2]


def test_iteration():
    data = np.arange(6).reshape(3, 2)
    x = pa.from_array(data, chunks=2)
    rows = list(x)
    assert len(rows) == 3
    assert_eq(rows[2], data[2])
