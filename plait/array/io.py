"""Arrays in and out: ``from_array``, ``asarray``, ``store``, ``to_delayed``,
``from_delayed``, ``to_zarr`` and ``from_zarr``.

``from_array`` keeps the source under one key and reads each block with one
``getitem`` task, so only the blocks a computation needs are read. ``store``
writes each block into its region of a target with one task per block, so a
result larger than memory streams into, e.g., a NumPy memmap or a Zarr array.
"""
from __future__ import annotations

import threading
import uuid
from itertools import product

import numpy as np

from plait.array.chunks import block_slices, normalize_chunks, offsets
from plait.array.core import Array, new_array, token


class SerializableLock:
    """A lock that survives pickling: copies made from one lock (in this or a
    worker process) share the same underlying ``threading.Lock`` per process.

    >>> import pickle
    >>> lock = SerializableLock()
    >>> pickle.loads(pickle.dumps(lock)).lock is lock.lock
    True
    """

    _locks: dict = {}
    _guard = threading.Lock()

    def __init__(self, token=None):
        self.token = token or uuid.uuid4().hex
        with self._guard:
            self.lock = self._locks.setdefault(self.token, threading.Lock())

    def __enter__(self):
        self.lock.acquire()
        return self

    def __exit__(self, *exc):
        self.lock.release()

    def __reduce__(self):
        return (SerializableLock, (self.token,))

    def __plait_tokenize__(self):
        return ("SerializableLock", self.token)

    def __repr__(self):
        return f"<SerializableLock: {self.token}>"


def _lock_for(lock):
    if lock is True:
        return SerializableLock()
    return lock or None


def getter(source, index, lock=None, asarray=True):
    """``source[index]`` (under ``lock`` if given), as a NumPy array.

    >>> getter(np.arange(5), (slice(1, 3),))
    array([1, 2])
    """
    if lock is not None:
        with lock:
            block = source[index]
    else:
        block = source[index]
    return np.asarray(block) if asarray else block


def from_array(x, chunks="auto", name=None, lock=False, asarray=True):
    """A plait array reading blocks of ``x``: a NumPy array or any array-like
    with ``shape``, ``dtype`` and slicing (h5py, Zarr, memmap...).

    Parameters
    ----------
    chunks : see ``normalize_chunks``; default blocks of about
        ``config 'array.chunk-size'`` bytes (or ``x.chunks`` when ``x`` has them)
    name : str, optional
        The array's name; default ``'array-<token of x's contents>'``.
    lock : bool or lock
        Hold this lock (``True``: a new one) while reading each block, for
        sources that are not thread safe.
    asarray : bool
        Convert each block to a NumPy array.

    >>> x = from_array(np.arange(10), chunks=4)
    >>> x.chunks
    ((4, 4, 2),)
    >>> x[3:6].compute()
    array([3, 4, 5])
    """
    if isinstance(x, Array):
        return x if chunks == "auto" else x.rechunk(chunks)
    if not hasattr(x, "shape") or not hasattr(x, "dtype") or not hasattr(x, "__getitem__"):
        x = np.asarray(x)
    shape = tuple(int(s) for s in x.shape)
    if chunks == "auto" and _regular_chunks(getattr(x, "chunks", None), len(shape)):
        chunks = tuple(int(c) for c in x.chunks)
    chunks = normalize_chunks(chunks, shape, dtype=x.dtype)
    if name is None:
        name = token("array", x, chunks)
    lock = _lock_for(lock)
    original = f"array-original-{name}"
    layer = {original: x}
    for coords, slices in zip(product(*(range(len(c)) for c in chunks)), block_slices(chunks)):
        layer[(name, *coords)] = ((getter, original, slices) if lock is None and asarray
                                  else (getter, original, slices, lock, asarray))
    return Array(layer, name, chunks, x.dtype)


def _regular_chunks(chunks, ndim):
    return (isinstance(chunks, tuple) and len(chunks) == ndim
            and all(isinstance(c, (int, np.integer)) for c in chunks))


def asarray(x, chunks="auto", dtype=None):
    """``x`` as a plait array (plait arrays pass through).

    >>> asarray([1, 2, 3]).compute()
    array([1, 2, 3])
    """
    if isinstance(x, Array):
        return x if dtype is None else x.astype(dtype)
    if hasattr(x, "__plait_graph__") and hasattr(x, "to_plait_array"):
        return x.to_plait_array()
    if not hasattr(x, "shape") or dtype is not None:
        x = np.asarray(x, dtype=dtype)
    return from_array(x, chunks=chunks)


asanyarray = asarray


class MemmapTarget:
    """Writes into a NumPy memmap's file by reopening it, so stores work from
    worker processes too (a pickled memmap would be a copy).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), 'a.dat')
    >>> m = np.memmap(path, dtype='f8', mode='w+', shape=(3,))
    >>> MemmapTarget(m)[1:2] = 5.0
    >>> m[1]
    np.float64(5.0)
    """

    def __init__(self, mm):
        self.filename, self.dtype, self.shape = mm.filename, mm.dtype, mm.shape
        self.offset = mm.offset
        self.order = "F" if mm.flags.f_contiguous and not mm.flags.c_contiguous else "C"

    def __setitem__(self, index, value):
        mm = np.memmap(self.filename, dtype=self.dtype, mode="r+", shape=self.shape,
                       offset=self.offset, order=self.order)
        mm[index] = value
        mm.flush()
        del mm


def store_block(block, target, index, lock=None):
    """Write ``block`` into ``target[index]`` (under ``lock``); returns None.

    >>> out = np.zeros(3)
    >>> store_block(np.ones(2), out, (slice(1, 3),))
    >>> out
    array([0., 1., 1.])
    """
    if lock is not None:
        with lock:
            target[index] = block
    else:
        target[index] = block


def _as_target(target):
    if isinstance(target, np.memmap) and target.filename is not None:
        return MemmapTarget(target)
    return target


def _store_layer(source, target, region, lock, name):
    if region is None:
        shape, what = tuple(target.shape), "target shape"
    else:
        region = region if isinstance(region, tuple) else (region,)
        shape, what = _region_shape(region, tuple(target.shape)), "the target region's shape"
    if shape != source.shape:
        raise ValueError(f"store: source shape {source.shape} does not match {what} {shape}")
    target = _as_target(target)
    layer = {}
    coords = product(*(range(n) for n in source.numblocks))
    for c, slices in zip(coords, block_slices(source.chunks)):
        index = slices if region is None else _shift(region, slices, target.shape)
        layer[(name, *c)] = (store_block, (source.name, *c), target, index, lock)
    return layer


def _region_shape(region, shape):
    if len(region) > len(shape) or not all(isinstance(r, slice) for r in region):
        raise ValueError(f"store: a region must be a tuple of at most {len(shape)} "
                         f"slices, got {region!r}")
    region = region + (slice(None),) * (len(shape) - len(region))
    return tuple(len(range(*r.indices(n))) for r, n in zip(region, shape))


def _shift(region, slices, shape):
    """Slices of a block inside ``region`` of an array of ``shape``."""
    region = tuple(region) + (slice(None),) * (len(shape) - len(region))
    out = []
    for r, s, n in zip(region, slices, shape):
        start, _, step = r.indices(n)
        out.append(slice(start + s.start * step, start + s.stop * step, step))
    return tuple(out)


def _done(*args):
    return None


def store(sources, targets, lock=True, regions=None, compute=True, **kwargs):
    """Write arrays block by block into array-likes that support ``target[index] = value``.

    ``sources`` and ``targets`` are one array and one target, or equal-length
    lists. ``lock`` (default a new lock) is held around each write; pass
    ``False`` for targets that take concurrent writes to separate regions.
    ``regions`` (one tuple of slices per target) selects where to write. With
    ``compute=False`` returns a ``Delayed`` that does the writes; otherwise
    writes now (``kwargs`` go to the scheduler) and returns None.

    >>> import plait.array as pa
    >>> out = np.zeros(5)
    >>> store(pa.arange(5, chunks=2), out)
    >>> out
    array([0., 1., 2., 3., 4.])
    """
    from plait.delayed import Delayed

    single = isinstance(sources, Array)
    sources = [sources] if single else list(sources)
    targets = [targets] if single else list(targets)
    if len(sources) != len(targets):
        raise ValueError(f"store: {len(sources)} sources but {len(targets)} targets")
    regions = [regions] * len(sources) if regions is None or single else list(regions)
    lock = _lock_for(lock)
    name = f"store-{uuid.uuid4().hex}"
    layers = {}
    final_deps = []
    for k, (s, t, r) in enumerate(zip(sources, targets, regions)):
        layer = _store_layer(s, t, r, lock, f"{name}-{k}")
        layers.update(s.dask)
        layers.update(layer)
        final_deps.extend(layer)
    layers[name] = (_done, final_deps)
    result = Delayed(name, layers)
    if compute:
        from plait.base import compute as run

        run(_StoreRun(result, sources), **kwargs)
        return None
    return result


class _StoreRun:
    """A store as a collection with the arrays' optimization and scheduler."""

    __plait_scheduler__ = "threads"

    def __init__(self, delayed, sources):
        self.delayed = delayed

    def __plait_graph__(self):
        return self.delayed.dask

    def __plait_keys__(self):
        return [self.delayed.key]

    def __plait_postcompute__(self):
        return (lambda results: None), ()

    @staticmethod
    def __plait_optimize__(dsk, keys, **kwargs):
        from plait.array.core import optimize

        return optimize(dsk, keys, **kwargs)


def to_delayed(x, optimize_graph=True):
    """A NumPy object array of ``Delayed``, one per block of ``x``.

    >>> import plait.array as pa
    >>> d = to_delayed(pa.arange(4, chunks=2))
    >>> d.shape, d[1].compute()
    ((2,), array([2, 3]))
    """
    from plait.array.core import optimize
    from plait.delayed import Delayed

    keys = x.__plait_keys__()
    dsk = x.dask
    if optimize_graph:
        dsk = optimize(dsk, keys)
    out = np.empty(x.numblocks, dtype=object)
    for coords in product(*(range(n) for n in x.numblocks)):
        out[coords] = Delayed((x.name, *coords), dsk)
    return out


def from_delayed(value, shape, dtype, name=None):
    """A one-block array computed by the ``Delayed`` ``value`` (of known shape).

    >>> import plait
    >>> d = plait.delayed(np.ones)(3)
    >>> from_delayed(d, (3,), float).compute()
    array([1., 1., 1.])
    """
    if not hasattr(value, "key") or not hasattr(value, "__plait_graph__"):
        raise TypeError(f"from_delayed needs a Delayed value, got {type(value).__name__}")
    shape = tuple(int(s) for s in shape)
    name = name or token("from-value", value, shape, np.dtype(dtype))
    layers = {value.key: value.__plait_graph__(), name: {(name, *(0,) * len(shape)):
                                                          (_check_shape, value.key, shape)}}
    return Array(layers, name, tuple((s,) for s in shape), dtype, layers=True)


def _check_shape(block, shape):
    block = np.asarray(block)
    if block.shape != shape:
        raise ValueError(f"from_delayed: the value has shape {block.shape}, but the "
                         f"array was declared with shape {shape}")
    return block


def to_zarr(x, url_or_array, component=None, overwrite=False, compute=True, **kwargs):
    """Write ``x`` to a Zarr array (a path/URL, or an existing ``zarr.Array``).

    A new Zarr array gets ``x``'s block shape as its chunks (``x`` is
    rechunked to regular blocks first if needed), so blocks are written in
    parallel without a lock; writes into an existing array whose chunks do
    not line up with ``x``'s blocks take a lock.

    >>> import tempfile, zarr, plait.array as pa
    >>> path = tempfile.mkdtemp() + '/a.zarr'
    >>> to_zarr(pa.arange(6, chunks=4), path)
    >>> zarr.open_array(path)[:]
    array([0, 1, 2, 3, 4, 5])
    """
    import zarr

    if isinstance(url_or_array, zarr.Array):
        z = url_or_array.chunks
        aligned = all(o % c == 0 or o == n for cs, c, n in zip(x.chunks, z, x.shape)
                      for o in offsets(cs))
        return store(x, url_or_array, lock=not aligned, compute=compute, **kwargs)
    if not all(set(c[:-1]) <= {c[0]} and c[-1] <= c[0] for c in x.chunks):
        x = x.rechunk(x.chunksize)
    target = zarr.open_array(url_or_array, mode="w" if overwrite else "w-", shape=x.shape,
                             dtype=x.dtype, chunks=x.chunksize, path=component)
    return store(x, target, lock=False, compute=compute, **kwargs)


def from_zarr(url_or_array, component=None, chunks=None):
    """A plait array reading a Zarr array, by default in the Zarr chunks.

    >>> import tempfile, zarr
    >>> z = zarr.open_array(tempfile.mkdtemp() + '/b.zarr', mode='w', shape=(4,),
    ...                     chunks=(2,), dtype='i8')
    >>> z[:] = [1, 2, 3, 4]
    >>> from_zarr(z).chunks
    ((2, 2),)
    """
    import zarr

    z = url_or_array if isinstance(url_or_array, zarr.Array) else \
        zarr.open_array(url_or_array, mode="r", path=component)
    return from_array(z, chunks=tuple(z.chunks) if chunks is None else chunks)


__all__ = ["from_array", "asarray", "asanyarray", "store", "to_delayed",
           "from_delayed", "to_zarr", "from_zarr", "SerializableLock"]
