"""store (NumPy, memmap, Zarr), to_delayed, to_zarr/from_zarr."""
from __future__ import annotations

import numpy as np
import pytest
import zarr

import plait
import plait.array as pa
from plait.array.testing import assert_eq


def test_store_into_numpy_with_regions():
    x = pa.arange(12, chunks=5).reshape(3, 4)
    out = np.zeros((3, 4), dtype=int)
    assert pa.store(x, out) is None
    np.testing.assert_array_equal(out, np.arange(12).reshape(3, 4))
    big = np.zeros((5, 8), dtype=int)
    x.store(big, regions=(slice(1, 4), slice(2, 6)), lock=False)
    np.testing.assert_array_equal(big[1:4, 2:6], np.arange(12).reshape(3, 4))
    assert big.sum() == np.arange(12).sum()
    strided = np.zeros(10, dtype=int)
    pa.store(pa.arange(5, chunks=2), strided, regions=(slice(None, None, 2),))
    np.testing.assert_array_equal(strided[::2], np.arange(5))


def test_store_several_and_later():
    a, b = np.zeros(6), np.zeros(4)
    d = pa.store([pa.ones(6, chunks=4), pa.full(4, 2.0, chunks=3)], [a, b], compute=False)
    assert isinstance(d, plait.Delayed)
    assert a.sum() == 0
    d.compute()
    assert a.sum() == 6 and b.sum() == 8


def test_store_errors():
    x = pa.ones((3, 4), chunks=2)
    with pytest.raises(ValueError, match="source shape \\(3, 4\\) does not match target shape "
                                         "\\(4, 3\\)"):
        pa.store(x, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="does not match the target region's shape \\(2, 4\\)"):
        pa.store(x, np.zeros((5, 5)), regions=(slice(0, 2), slice(0, 4)))
    with pytest.raises(ValueError, match="2 sources but 1 targets"):
        pa.store([x, x], [np.zeros((3, 4))])


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_store_to_memmap_streams_blocks(tmp_path, scheduler):
    path = tmp_path / "out.dat"
    target = np.memmap(path, dtype="f8", mode="w+", shape=(40, 30))
    x = pa.random.default_rng(0).random((40, 30), chunks=(10, 15))
    y = x - x.mean(axis=0)
    y.store(target, scheduler=scheduler)
    target.flush()
    np.testing.assert_allclose(np.asarray(target), y.compute(scheduler="sync"))
    assert abs(np.asarray(target).mean(axis=0)).max() < 1e-12


def test_zarr_round_trip(tmp_path):
    data = np.arange(50.0).reshape(5, 10)
    x = pa.from_array(data, chunks=(2, 4))
    pa.to_zarr(x, str(tmp_path / "a.zarr"))
    z = zarr.open_array(str(tmp_path / "a.zarr"))
    assert z.chunks == (2, 4)
    np.testing.assert_array_equal(z[:], data)
    back = pa.from_zarr(str(tmp_path / "a.zarr"))
    assert back.chunks == x.chunks
    assert_eq(back, data)
    irregular = x.rechunk(((1, 4), (10,)))
    irregular.to_zarr(str(tmp_path / "b.zarr"))
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "b.zarr"))[:], data)
    existing = zarr.open_array(str(tmp_path / "c.zarr"), mode="w", shape=(5, 10),
                               chunks=(5, 5), dtype="f8")
    pa.to_zarr(x.rechunk(5), existing, scheduler="processes")
    np.testing.assert_array_equal(existing[:], data)
    misaligned = zarr.open_array(str(tmp_path / "d.zarr"), mode="w", shape=(5, 10),
                                 chunks=(3, 3), dtype="f8")
    pa.to_zarr(x, misaligned, scheduler="threads", num_workers=4)  # takes a lock
    np.testing.assert_array_equal(misaligned[:], data)
    with pytest.raises(Exception, match="exist|contains"):
        pa.to_zarr(x, str(tmp_path / "a.zarr"))


def test_to_delayed_blocks():
    x = pa.arange(10, chunks=4) + 1
    parts = x.to_delayed()
    assert parts.shape == (3,)
    assert all(isinstance(p, plait.Delayed) for p in parts)
    np.testing.assert_array_equal(parts[2].compute(), [9, 10])
    total = plait.delayed(sum)([p.sum() for p in parts])
    assert total.compute() == 55
    grid = pa.ones((4, 4), chunks=2).to_delayed(optimize_graph=False)
    assert grid.shape == (2, 2)
    np.testing.assert_array_equal(grid[1, 0].compute(), np.ones((2, 2)))
