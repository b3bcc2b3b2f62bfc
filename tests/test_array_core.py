"""The Array collection: chunks, properties, display, protocol, graph shape."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import plait
import plait.array as pa
from plait.array.chunks import common_chunks, format_bytes, normalize_chunks, parse_bytes
from plait.array.core import optimize
from plait.array.testing import assert_eq


def test_seed_examples_work_as_written():
    x = pa.arange(100, chunks=10)
    assert x.sum().compute() == 4950
    y = (x + 1).sum()
    z = (x + 1).mean()
    assert pa.compute(y, z) == (5050, 50.5)
    from plait.base import compute

    assert compute is pa.compute
    assert x.sum().compute(scheduler="sync") == 4950


def test_shared_intermediate_is_computed_once():
    calls = []

    def plus_one(b):
        calls.append(1)
        return b + 1

    x = pa.arange(100, chunks=10)
    x1 = x.map_blocks(plus_one, dtype=x.dtype)
    y, z = x1.sum(), x1.mean()
    assert pa.compute(y, z, scheduler="sync") == (5050, 50.5)
    assert len(calls) == 10


# ---------------------------------------------------------------- chunks

@pytest.mark.parametrize("chunks, shape, expected", [
    (10, (25,), ((10, 10, 5),)),
    ((10, 20), (25, 40), ((10, 10, 5), (20, 20))),
    ((-1, None), (3, 4), ((3,), (4,))),
    (((1, 2), 2), (3, 4), ((1, 2), (2, 2))),
    ((2, 3), (5,), ((2, 3),)),
    ({1: 2}, (3, 4), ((3,), (2, 2))),
    (5, (0,), ((0,),)),
    ((), (), ()),
])
def test_normalize_chunks(chunks, shape, expected):
    assert normalize_chunks(chunks, shape) == expected


def test_auto_chunks_follow_the_config_byte_limit():
    with plait.config.set({"array.chunk-size": "1MiB"}):
        x = pa.ones((2000, 2000))
    assert max(x.chunksize) < 2000
    assert x.chunksize[0] * x.chunksize[1] * 8 <= 2**20
    assert x.chunksize[0] * x.chunksize[1] * 8 > 2**19
    small = pa.ones((10, 10))
    assert small.chunks == ((10,), (10,))


def test_auto_with_fixed_axes():
    chunks = normalize_chunks(("auto", -1), (10000, 100), limit="80kB", dtype="f8")
    assert chunks[1] == (100,)
    assert chunks[0][0] == 100


@pytest.mark.parametrize("chunks, shape, message", [
    ((5, 5, 5), (10, 10), "has 3 entries, but the array has 2 dimensions"),
    (((3, 3), 5), (10, 10), "axis 0 sum to 6, but the shape along that axis is 10"),
    ((5, (4, 4)), (10, 10), "axis 1 sum to 8"),
    ((0, 5), (10, 10), "along axis 0 must be positive"),
    ((5, "big"), (10, 10), "axis 1: unknown value 'big'"),
    ((5, 1.5), (10, 10), "axis 1: expected an int"),
])
def test_bad_chunks_name_the_axis(chunks, shape, message):
    with pytest.raises((ValueError, TypeError), match=message):
        normalize_chunks(chunks, shape)


def test_bytes_helpers():
    assert parse_bytes("128MiB") == 128 * 2**20
    assert parse_bytes("2 GB") == 2 * 10**9
    assert format_bytes(2**30) == "1.00 GiB"
    with pytest.raises(ValueError, match="cannot read 'lots'"):
        parse_bytes("lots")
    assert common_chunks((2, 2), (1, 3)) == (1, 1, 2)


# ---------------------------------------------------------------- properties

def test_properties():
    x = pa.ones((10, 7), chunks=(4, 3), dtype="f4")
    assert x.shape == (10, 7)
    assert x.chunks == ((4, 4, 2), (3, 3, 1))
    assert x.ndim == 2 and x.size == 70 and x.itemsize == 4 and x.nbytes == 280
    assert x.numblocks == (3, 3) and x.npartitions == 9
    assert x.chunksize == (4, 3)
    assert x.dtype == np.float32
    assert isinstance(x.name, str) and x.name.startswith("ones-")
    assert len(x) == 10
    assert x.__plait_keys__()[1][2] == (x.name, 1, 2)


def test_zero_d_array():
    s = pa.arange(5, chunks=2).sum()
    assert s.shape == () and s.ndim == 0 and s.chunks == ()
    assert s.__plait_keys__() == (s.name,)
    assert int(s) == 10 and float(s) == 10.0 and bool(s)
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        len(s)


def test_names_are_deterministic_and_distinct():
    assert pa.arange(10, chunks=3).name == pa.arange(10, chunks=3).name
    assert pa.arange(10, chunks=3).name != pa.arange(10, chunks=4).name
    a = pa.ones(5, chunks=2)
    assert (a + 1).name == (a + 1).name
    assert (a + 1).name != (a + 2).name


def test_array_protocol_and_scalar_conversions():
    x = pa.arange(6, chunks=4)
    np.testing.assert_array_equal(np.asarray(x), np.arange(6))
    assert np.asarray(x, dtype=float).dtype == np.float64
    with pytest.raises(TypeError, match="only arrays of one element.*shape \\(6,\\)"):
        float(x)
    assert [int(v) for v in x[:3]] == [0, 1, 2]
    assert x[2].__index__() == 2
    with pytest.raises(TypeError, match="only integer arrays"):
        pa.ones(1)[0].__index__()


def test_repr_and_html():
    x = pa.ones((100, 50), chunks=(10, 50), dtype="i4")
    r = repr(x)
    assert r.startswith("plait.array<ones-") and "shape=(100, 50)" in r
    assert "dtype=int32" in r and "chunksize=(10, 50)" in r
    html = x._repr_html_()
    for part in ("19.53 kiB", "1.95 kiB", "(100, 50)", "(10, 50)", "10 tasks", "10 chunks",
                 "int32"):
        assert part in html


def test_persist_keeps_values_in_the_graph():
    x = pa.arange(10, chunks=3) * 2
    y = x.persist(scheduler="sync")
    assert y.name == x.name and y.chunks == x.chunks
    assert len(y.dask) == 4
    assert all(isinstance(v, np.ndarray) for v in y.dask.values())
    assert_eq(y + 1, np.arange(10) * 2 + 1)


def test_arrays_pickle_and_compute_after():
    x = pa.arange(10, chunks=3) + 1
    y = pickle.loads(pickle.dumps(x))
    assert_eq(y, np.arange(10) + 1)


def test_constructor_checks_chunks():
    with pytest.raises(ValueError, match="need the array's shape"):
        pa.Array({}, "x", 10, float)
    x = pa.Array({("x", 0): np.ones(3)}, "x", (3,), float, shape=(3,))
    assert x.chunks == ((3,),)


# ---------------------------------------------------------------- graph shape

def test_one_task_per_block_per_operation():
    x = pa.ones((40, 40), chunks=10)
    y = ((x + 1) * 2 - x).T
    layers = y.__plait_layers__()
    assert len(layers) == 5
    assert all(len(layer) == 16 for layer in layers.values())


def test_elementwise_chains_are_fused():
    x = pa.arange(100, chunks=10)
    y = ((x + 1) * 2).sum(split_every=4)
    dsk = optimize(y.dask, [y.__plait_keys__()])
    real = [k for k, v in dsk.items() if isinstance(v, tuple) and v and callable(v[0])]
    # 10 fused block tasks (arange -> add -> mul -> sum-chunk), 3 combines, 1 aggregate
    assert len(real) == 14
    assert_eq(y, ((np.arange(100) + 1) * 2).sum())


def test_fusion_can_be_turned_off():
    x = pa.arange(100, chunks=10)
    y = (x + 1).sum()
    with plait.config.set({"optimization.fuse.active": False}):
        dsk = optimize(y.dask, [y.__plait_keys__()])
    assert len(dsk) == len(y.dask)


def test_reduction_is_a_tree():
    x = pa.ones(1000, chunks=10)
    y = x.sum(split_every=4)
    names = {k[0].rsplit("-", 1)[0] for k in y.dask if isinstance(k, tuple)}
    assert "sum-combine" in names
    combine_tasks = [v for k, v in y.dask.items() if k[0].startswith("sum-combine")]
    assert max(len(v[1]) for v in combine_tasks) <= 4
    assert y.compute() == 1000


def test_visualize_writes_a_file(tmp_path):
    x = pa.arange(4, chunks=2) + 1
    path = x.visualize(filename=str(tmp_path / "g"), format="svg")
    assert path == str(tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text()
