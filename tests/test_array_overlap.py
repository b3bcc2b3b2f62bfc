"""map_blocks, blockwise and map_overlap against NumPy."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plait.array as pa
from plait.array.testing import assert_eq

PAD_MODE = {"reflect": "symmetric", "periodic": "wrap", "nearest": "edge"}


def neighbour_sum(block):
    """Sum over the 3**ndim neighbourhood (edges see zeros): a stencil."""
    out = np.zeros_like(block)
    padded = np.pad(block, 1)
    for shift in np.ndindex(*(3,) * block.ndim):
        out += padded[tuple(slice(s, s + n) for s, n in zip(shift, block.shape))]
    return out


def reference(data, boundary):
    if boundary == "none":
        return neighbour_sum(data)
    if isinstance(boundary, str):
        padded = np.pad(data, 1, mode=PAD_MODE[boundary])
    else:
        padded = np.pad(data, 1, constant_values=boundary)
    return neighbour_sum(padded)[(slice(1, -1),) * data.ndim]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=3),
       st.integers(1, 3), st.sampled_from(["reflect", "periodic", "nearest", "none", 0.5]))
def test_map_overlap_stencil_matches_numpy(shape, chunk, boundary):
    data = np.random.default_rng(sum(shape)).standard_normal(shape)
    x = pa.from_array(data, chunks=chunk)
    y = x.map_overlap(neighbour_sum, depth=1, boundary=boundary)
    assert y.chunks == x.chunks
    assert_eq(y, reference(data, boundary))


def test_depth_per_axis_and_rechunk_for_small_blocks():
    data = np.arange(40.0).reshape(4, 10)
    x = pa.from_array(data, chunks=(2, 3))

    def roll_sum(b):
        return b + np.roll(b, 2, axis=1) + np.roll(b, -2, axis=1)

    y = pa.map_overlap(roll_sum, x, depth={1: 2}, boundary="periodic")
    assert_eq(y, roll_sum(data))
    thin = pa.from_array(data, chunks=(4, 1))
    z = thin.map_overlap(roll_sum, depth=(0, 2), boundary="periodic")
    assert_eq(z, roll_sum(data))


def test_overlap_and_trim_false():
    x = pa.arange(6, chunks=3)
    ext, _ = pa.overlap(x, 1, "reflect")
    assert_eq(ext, np.array([0, 0, 1, 2, 3, 2, 3, 4, 5, 5]))
    y = x.map_overlap(lambda b: b, depth=1, boundary="none", trim=False)
    assert y.chunks == ((4, 4),)


def test_overlap_errors():
    x = pa.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="boundary along axis 0: unknown 'mirror'"):
        x.map_overlap(np.negative, depth=1, boundary="mirror")
    with pytest.raises(ValueError, match="depth 5 along axis 1 is larger than the axis"):
        x.map_overlap(np.negative, depth=(1, 5), boundary="none")
    with pytest.raises(ValueError, match="depth \\(1, 1, 1\\) has 3 entries"):
        x.map_overlap(np.negative, depth=(1, 1, 1))
    with pytest.raises(TypeError, match="needs depth="):
        pa.map_overlap(np.negative, x)


def test_map_blocks_forms():
    data = np.arange(24.0).reshape(4, 6)
    x = pa.from_array(data, chunks=(2, 3))
    assert_eq(x.map_blocks(np.sqrt), np.sqrt(data))
    assert_eq(pa.map_blocks(np.add, x, np.float32(1)), data + np.float32(1))
    assert x.map_blocks(lambda b: b.astype("i2")).dtype == np.int16
    assert x.map_blocks(lambda b: b, dtype="f4").dtype == np.float32
    row_sums = x.map_blocks(lambda b: b.sum(axis=1), drop_axis=1, dtype=float)
    assert_eq(row_sums, data.sum(axis=1))
    expanded = x.map_blocks(lambda b: b[:, :, None], new_axis=2)
    assert_eq(expanded, data[:, :, None])
    halves = x.map_blocks(lambda b: b[:, :1], chunks=(2, 1))
    assert_eq(halves, data[:, ::3])
    both = pa.map_blocks(np.add, x, pa.from_array(data[0], chunks=2))
    assert_eq(both, data + data[0])


def test_map_blocks_block_id_and_info():
    x = pa.zeros((4, 6), chunks=(2, 3), dtype=int)

    def tag(b, block_id=None):
        return b + 10 * block_id[0] + block_id[1]

    assert_eq(x.map_blocks(tag), np.repeat(np.repeat([[0, 1], [10, 11]], 2, 0), 3, 1))

    def where(b, block_info=None):
        (start, _), (col, _) = block_info[0]["array-location"]
        return b + start * 100 + col

    expect = np.add.outer(np.repeat([0, 200], 2), np.repeat([0, 3], 3))
    assert_eq(x.map_blocks(where), expect)


def test_map_blocks_errors():
    with pytest.raises(TypeError, match="needs at least one plait array"):
        pa.map_blocks(np.negative, np.ones(3))
    with pytest.raises(ValueError, match="drop_axis=3 is out of range"):
        pa.ones(3).map_blocks(np.negative, drop_axis=3)
    with pytest.raises(ValueError, match="chunks=\\(1, 1\\) has 2 entries but the output "
                                         "has 1"):
        pa.ones(3).map_blocks(np.negative, chunks=(1, 1))


def test_blockwise_contraction():
    a = np.arange(12.0).reshape(3, 4)
    x = pa.from_array(a, chunks=2)

    def total(blocks):
        return sum(b.sum(axis=1) for b in blocks)

    y = pa.blockwise(total, "i", x, "ij", dtype=float)
    assert_eq(y, a.sum(axis=1))
    z = pa.blockwise(np.outer, "ij", x[0], "i", x[:, 0], "j", dtype=float)
    assert_eq(z, np.outer(a[0], a[:, 0]))
    with pytest.raises(ValueError, match="shapes \\(3, 4\\) and \\(4, 3\\) do not match "
                                         "along index 'i'"):
        pa.blockwise(np.add, "ij", x, "ij", x.T, "ij", dtype=float)
    with pytest.raises(ValueError, match="index \\('i',\\) has 1 entries but the array"):
        pa.blockwise(np.negative, "i", x, "i", dtype=float)
    with pytest.raises(TypeError, match="needs dtype="):
        pa.blockwise(np.negative, "ij", x, "ij")
    with pytest.raises(ValueError, match="output index 'k' appears in no input"):
        pa.blockwise(np.negative, "ijk", x, "ij", dtype=float)
