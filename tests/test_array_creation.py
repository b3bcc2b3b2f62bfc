"""Creation functions, from_array, random, joining, against NumPy."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait
import plait.array as pa
from plait.array.testing import assert_eq


@settings(max_examples=40, deadline=None)
@given(st.integers(-20, 20), st.integers(-20, 40), st.integers(-5, 5).filter(bool),
       st.integers(1, 7))
def test_arange_matches_numpy(start, stop, step, chunks):
    assert_eq(pa.arange(start, stop, step, chunks=chunks), np.arange(start, stop, step))


def test_arange_forms():
    assert_eq(pa.arange(10, chunks=3), np.arange(10))
    assert_eq(pa.arange(0.5, 3, 0.5, chunks=2), np.arange(0.5, 3, 0.5))
    assert_eq(pa.arange(5, chunks=2, dtype="f4"), np.arange(5, dtype="f4"))
    with pytest.raises(ValueError, match="step must not be zero"):
        pa.arange(0, 5, 0)


@pytest.mark.parametrize("num, endpoint", [(0, True), (1, True), (1, False), (7, True),
                                            (10, False)])
def test_linspace(num, endpoint):
    assert_eq(pa.linspace(-1, 3, num, endpoint=endpoint, chunks=3),
              np.linspace(-1, 3, num, endpoint=endpoint))
    y, step = pa.linspace(0, 1, 5, retstep=True, chunks=2)
    assert step == 0.25
    assert_eq(pa.linspace(0, 10, 6, dtype=int, chunks=4), np.linspace(0, 10, 6, dtype=int))


def test_full_family():
    assert_eq(pa.ones((3, 4), chunks=2), np.ones((3, 4)))
    assert_eq(pa.zeros(5, dtype="i2", chunks=2), np.zeros(5, dtype="i2"))
    assert_eq(pa.full((2, 3), 7.5, chunks=(1, 2)), np.full((2, 3), 7.5))
    assert pa.full(3, True).dtype == bool
    e = pa.empty((4, 4), chunks=3)
    assert e.shape == (4, 4) and e.compute().shape == (4, 4)
    result = pa.ones(3).compute()
    result[0] = 5  # a computed array is writable even though blocks are views
    with pytest.raises(ValueError, match="fill_value must be a scalar"):
        pa.full(3, [1, 2, 3])
    with pytest.raises(ValueError, match="negative dimensions"):
        pa.ones((3, -1))


def test_like_functions():
    base = pa.arange(12, chunks=5).reshape(3, 4)
    for func, npfunc in [(pa.ones_like, np.ones_like), (pa.zeros_like, np.zeros_like)]:
        y = func(base)
        assert y.chunks == base.chunks
        assert_eq(y, npfunc(np.arange(12).reshape(3, 4)))
    assert_eq(pa.full_like(np.ones(3, dtype="i4"), 9), np.full(3, 9, dtype="i4"))
    assert pa.empty_like(base, dtype="f4").dtype == np.float32
    assert_eq(np.zeros_like(base), np.zeros((3, 4), dtype=int))
    assert pa.ones_like(base, shape=(2, 2)).shape == (2, 2)


@pytest.mark.parametrize("n, m, k", [(5, None, 0), (4, 6, 1), (6, 3, -2), (3, 3, 5)])
def test_eye(n, m, k):
    assert_eq(pa.eye(n, chunks=2, M=m, k=k), np.eye(n, m, k=k))


def test_from_array_numpy_and_array_likes():
    data = np.arange(24.0).reshape(4, 6)
    x = pa.from_array(data, chunks=(3, 4))
    assert x.chunks == ((3, 1), (4, 2))
    assert_eq(x, data)
    assert pa.from_array(data, chunks=(3, 4)).name == x.name
    assert pa.from_array(data + 1, chunks=(3, 4)).name != x.name
    assert_eq(pa.from_array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]]))
    assert_eq(pa.asarray(5), np.asarray(5))
    assert pa.asarray(x) is x
    assert pa.from_array(x) is x


class CountingSource:
    """An array-like that records which blocks are read and checks the lock."""

    def __init__(self, data):
        self.data, self.shape, self.dtype = data, data.shape, data.dtype
        self.reads = []
        self.inside = 0
        self.overlapped = False
        self.guard = threading.Lock()

    def __getitem__(self, index):
        with self.guard:
            self.inside += 1
            self.overlapped |= self.inside > 1
        self.reads.append(index)
        out = self.data[index].copy()
        with self.guard:
            self.inside -= 1
        return out


def test_from_array_reads_only_needed_blocks_under_a_lock():
    src = CountingSource(np.arange(100.0))
    x = pa.from_array(src, chunks=10, lock=True)
    assert_eq(x[15:25], np.arange(15.0, 25.0))
    assert len(src.reads) == 2
    assert x.sum().compute(scheduler="threads", num_workers=4) == 4950
    assert not src.overlapped


def test_from_array_uses_source_chunks():
    class Chunked:
        shape, dtype, chunks = (10, 10), np.dtype(float), (5, 2)

        def __getitem__(self, index):
            return np.zeros(self.shape)[index]

    assert pa.from_array(Chunked()).chunks == ((5, 5), (2,) * 5)


def test_random_is_deterministic_per_seed_and_chunks():
    a = pa.random.default_rng(42).random((20, 10), chunks=(5, 5))
    b = pa.random.default_rng(42).random((20, 10), chunks=(5, 5))
    assert a.name == b.name
    va = a.compute(scheduler="sync")
    np.testing.assert_array_equal(va, b.compute(scheduler="threads"))
    assert ((va >= 0) & (va < 1)).all()
    # blocks differ from each other, and successive calls differ
    assert not np.array_equal(va[:5, :5], va[5:10, :5])
    rng = pa.random.default_rng(1)
    first, second = rng.random(10, chunks=5), rng.random(10, chunks=5)
    assert first.name != second.name
    assert not np.array_equal(first.compute(), second.compute())
    assert pa.random.default_rng(43).random(10, chunks=5).name != \
        pa.random.default_rng(42).random(10, chunks=5).name


def test_random_distributions():
    rng = pa.random.default_rng(0)
    n = rng.normal(10, 2, size=20_000, chunks=5000).compute()
    assert abs(n.mean() - 10) < 0.1 and abs(n.std() - 2) < 0.1
    i = rng.integers(3, 7, size=(50, 50), chunks=20).compute()
    assert i.dtype == np.int64 and i.min() == 3 and i.max() == 6
    assert rng.integers(0, 2, size=100, endpoint=True, chunks=50).compute().max() == 2
    assert rng.random(5, dtype="f4", chunks=2).dtype == np.float32
    u = rng.uniform(-1, 1, size=1000, chunks=100).compute()
    assert u.min() >= -1 and u.max() < 1
    assert pa.random.random((3, 3), chunks=2).shape == (3, 3)
    with pytest.raises(TypeError, match="need size="):
        rng.random()
    with pytest.raises(TypeError, match="parameters must be scalars"):
        rng.normal(np.zeros(3), 1, size=3)


def test_from_delayed():
    d = plait.delayed(np.arange)(5)
    x = pa.from_delayed(d, (5,), int)
    assert_eq(x * 2, np.arange(5) * 2)
    bad = pa.from_delayed(d, (4,), int)
    with pytest.raises(ValueError, match="value has shape \\(5,\\), but the array was "
                                         "declared with shape \\(4,\\)"):
        bad.compute(scheduler="sync")
    with pytest.raises(TypeError, match="needs a Delayed value"):
        pa.from_delayed(np.ones(3), (3,), float)
    parts = [pa.from_delayed(plait.delayed(np.full)(2, i), (2,), int) for i in range(3)]
    assert_eq(pa.concatenate(parts), np.repeat(np.arange(3), 2))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(0, 3), st.integers(1, 4), st.integers(1, 4))
def test_concatenate_and_stack_match_numpy(ndim, axis_seed, c1, c2):
    shape = (3, 4, 5)[:ndim]
    axis = axis_seed % ndim
    a = np.arange(np.prod(shape)).reshape(shape)
    b = (a * 2.5)
    x, y = pa.from_array(a, chunks=c1), pa.from_array(b, chunks=c2)
    assert_eq(pa.concatenate([x, y, x], axis=axis), np.concatenate([a, b, a], axis=axis))
    assert_eq(pa.stack([x, y], axis=axis), np.stack([a, b], axis=axis))
    assert_eq(np.concatenate([x, y], axis=-1), np.concatenate([a, b], axis=-1))


def test_join_helpers_and_errors():
    a = np.arange(6).reshape(2, 3)
    x = pa.from_array(a, chunks=2)
    assert_eq(pa.hstack([x, x]), np.hstack([a, a]))
    assert_eq(pa.vstack([x[0], x[1]]), np.vstack([a[0], a[1]]))
    assert_eq(np.stack([x, x], axis=-1), np.stack([a, a], axis=-1))
    with pytest.raises(ValueError, match="shapes \\(2, 3\\) and \\(2, 2\\) differ along axis 1"):
        pa.concatenate([x, x[:, :2]])
    with pytest.raises(ValueError, match="same shape; got \\(2, 3\\) and \\(2, 2\\)"):
        pa.stack([x, x[:, :2]])
    with pytest.raises(ValueError, match="need at least one array"):
        pa.concatenate([])
    with pytest.raises(ValueError, match="zero-dimensional arrays cannot be concatenated"):
        pa.concatenate([x.sum(), x.sum()])


def test_broadcast_to():
    a = np.arange(3)
    x = pa.from_array(a, chunks=2)
    assert_eq(pa.broadcast_to(x, (4, 3)), np.broadcast_to(a, (4, 3)))
    assert_eq(np.broadcast_to(x[:1], (2, 5)), np.broadcast_to(a[:1], (2, 5)))
    with pytest.raises(ValueError, match="cannot broadcast an array of shape \\(3,\\)|"
                                         "shape mismatch"):
        pa.broadcast_to(x, (4,))
