"""NumPy functions on plait arrays (__array_function__) return plait arrays."""
from __future__ import annotations

import numpy as np
import pytest

import plait.array as pa
from plait.array.testing import assert_eq

DATA = np.arange(1.0, 25.0).reshape(4, 6)


@pytest.mark.parametrize("func, kwargs", [
    (np.sum, {}), (np.sum, {"axis": 0}), (np.mean, {"axis": 1, "keepdims": True}),
    (np.std, {"ddof": 1}), (np.var, {}), (np.min, {}), (np.max, {"axis": -1}),
    (np.amin, {"axis": 0}), (np.amax, {}), (np.prod, {"axis": 0}), (np.any, {}),
    (np.all, {"axis": 1}), (np.argmin, {}), (np.argmax, {"axis": 0}),
    (np.nansum, {}), (np.nanmean, {"axis": 0}), (np.nanmax, {}), (np.nanmin, {"axis": 1}),
    (np.nanstd, {}), (np.nanvar, {"axis": 0}), (np.nanprod, {}),
    (np.transpose, {}), (np.ravel, {}), (np.round, {"decimals": 1}),
    (np.around, {}), (np.clip, {"a_min": 3, "a_max": 9}),
    (np.reshape, {"shape": (6, 4)}), (np.expand_dims, {"axis": 1}),
    (np.swapaxes, {"axis1": 0, "axis2": 1}), (np.moveaxis, {"source": 0, "destination": 1}),
    (np.take, {"indices": [0, 3], "axis": 1}), (np.broadcast_to, {"shape": (2, 4, 6)}),
    (np.ones_like, {}), (np.zeros_like, {}), (np.full_like, {"fill_value": 2}),
])
def test_numpy_functions_return_plait_arrays(func, kwargs):
    x = pa.from_array(DATA, chunks=(3, 4))
    got = func(x, **kwargs)
    assert isinstance(got, pa.Array), func.__name__
    assert_eq(got, func(DATA, **kwargs))


def test_joining_and_products():
    x = pa.from_array(DATA, chunks=(3, 4))
    assert isinstance(np.concatenate([x, x]), pa.Array)
    assert_eq(np.concatenate([x, DATA], axis=1), np.concatenate([DATA, DATA], axis=1))
    assert_eq(np.stack([x, x]), np.stack([DATA, DATA]))
    assert_eq(np.hstack([x, x]), np.hstack([DATA, DATA]))
    assert_eq(np.vstack([x, x]), np.vstack([DATA, DATA]))
    assert_eq(np.dot(x, x.T), DATA @ DATA.T)
    assert_eq(np.tensordot(x, x, axes=2), np.tensordot(DATA, DATA, axes=2))
    assert_eq(np.outer(x[0], x[1]), np.outer(DATA[0], DATA[1]))
    assert_eq(np.where(x > 10, x, 0), np.where(DATA > 10, DATA, 0))
    assert_eq(np.isclose(x, DATA), np.isclose(DATA, DATA))
    assert bool(np.allclose(x, DATA))


def test_shape_queries():
    x = pa.from_array(DATA, chunks=(3, 4))
    assert np.shape(x) == (4, 6)
    assert np.ndim(x) == 2
    assert np.size(x) == 24 and np.size(x, 1) == 6
    assert np.copy(x) is x


@pytest.mark.parametrize("call, name", [
    (lambda x: np.fft.fft(x), "numpy.fft.fft"),
    (lambda x: np.cumsum(x), "numpy.cumsum"),
    (lambda x: np.sort(x), "numpy.sort"),
    (lambda x: np.linalg.svd(x), "numpy.linalg.svd"),
])
def test_unimplemented_functions_raise_type_error_naming_them(call, name):
    x = pa.from_array(DATA, chunks=(3, 4))
    with pytest.raises(TypeError, match=f"{name.replace('.', '[.]')} is not implemented "
                                        f"for plait arrays"):
        call(x)


def test_ufuncs_via_numpy_namespace_stay_lazy():
    x = pa.from_array(DATA, chunks=(3, 4))
    y = np.exp(np.sin(x)) + np.float64(1)
    assert isinstance(y, pa.Array)
    assert_eq(y, np.exp(np.sin(DATA)) + 1)
    assert isinstance(np.matmul(x, x.T), pa.Array)
