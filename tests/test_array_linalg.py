"""Blocked products against NumPy: matmul, dot, tensordot, outer."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait.array as pa
from plait.array.testing import assert_eq


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 7),
       st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_matmul_matches_numpy(m, k, n, cm, ck, cn):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    x = pa.from_array(a, chunks=(cm, ck))
    y = pa.from_array(b, chunks=(ck if ck % 2 else ck + 1, cn))  # k chunks differ on purpose
    assert_eq(x @ y, a @ b)
    assert_eq(np.matmul(x, y), a @ b)
    assert_eq(x.dot(y), a.dot(b))
    assert_eq(x @ b, a @ b)
    assert_eq(a @ y, a @ b)


def test_matmul_1d_and_stacks():
    rng = np.random.default_rng(0)
    a, v = rng.standard_normal((5, 4)), rng.standard_normal(4)
    x, w = pa.from_array(a, chunks=2), pa.from_array(v, chunks=3)
    assert_eq(x @ w, a @ v)
    assert_eq(w @ x.T, v @ a.T)
    assert_eq(w @ w, v @ v)
    s, t = rng.standard_normal((3, 5, 4)), rng.standard_normal((4, 2))
    assert_eq(pa.from_array(s, chunks=2) @ pa.from_array(t, chunks=2), s @ t)
    u = rng.standard_normal((1, 4, 3))
    assert_eq(pa.from_array(s, chunks=2) @ pa.from_array(u, chunks=2), s @ u)


def test_matmul_tree_of_sums():
    a = np.ones((4, 40))
    x = pa.from_array(a, chunks=(4, 2))
    y = pa.matmul(x, x.T, split_every=4)
    sums = [k for k in y.dask if isinstance(k, tuple) and "-sum" in k[0]]
    assert sums  # 20 block products summed in a tree, not in one task
    assert all(len(y.dask[k][1]) <= 4 for k in sums)
    assert_eq(y, a @ a.T)


def test_matmul_errors_name_both_shapes():
    x = pa.ones((3, 4), chunks=2)
    with pytest.raises(ValueError, match="shapes \\(3, 4\\) and \\(3, 4\\) not aligned: "
                                         "4 \\(dim 1\\) != 3 \\(dim 0\\)"):
        x @ x
    with pytest.raises(ValueError, match="0-d operand"):
        pa.matmul(x, x.sum())
    with pytest.raises(ValueError, match="split_every must be at least 2"):
        pa.matmul(x, x.T, split_every=1)


def test_trees_of_different_split_every_do_not_collide():
    a = np.ones((2, 24))
    x = pa.from_array(a, chunks=(2, 2))
    p, q = pa.matmul(x, x.T, split_every=2), pa.matmul(x, x.T, split_every=5)
    assert p.name != q.name
    got_p, got_q = pa.compute(p, q, scheduler="sync")
    np.testing.assert_array_equal(got_p, a @ a.T)
    np.testing.assert_array_equal(got_q, a @ a.T)


def test_dot_rules():
    rng = np.random.default_rng(1)
    a, b, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4, 2)), \
        rng.standard_normal(4)
    x, y, w = (pa.from_array(t, chunks=2) for t in (a, b, v))
    assert_eq(pa.dot(x, y), np.dot(a, b))
    assert_eq(pa.dot(x, w), np.dot(a, v))
    assert_eq(pa.dot(w, 3.0), np.dot(v, 3.0))
    assert_eq(np.dot(w, w), np.dot(v, v))


def test_tensordot_and_outer():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((4, 3, 2))
    x, y = pa.from_array(a, chunks=2), pa.from_array(b, chunks=(3, 2, 1))
    assert_eq(pa.tensordot(x, y, axes=([0, 1], [1, 0])), np.tensordot(a, b, axes=([0, 1], [1, 0])))
    assert_eq(np.tensordot(x, x, axes=3), np.tensordot(a, a, axes=3))
    assert_eq(pa.tensordot(x, y, axes=0), np.tensordot(a, b, axes=0))
    assert_eq(pa.outer(x[0, 0], y[0, 0]), np.outer(a[0, 0], b[0, 0]))
    with pytest.raises(ValueError, match="shapes \\(3, 4, 5\\) and \\(4, 3, 2\\) not aligned"):
        pa.tensordot(x, y, axes=([2], [0]))
