"""Moving values between processes: pickle protocol 5 frames and shared memory.

A value travels as a *descriptor*, a small tuple that pickles cheaply:

* ``('f', frames)``: the pickled frames themselves, for small values (they go
  through a pipe);
* ``('s', name, sizes)``: the frames were written, one after the other and
  each aligned to 64 bytes, into the POSIX shared-memory segment ``name``.

``pack(value, name)`` makes a descriptor (in the process that holds the
value); ``unpack(desc)`` turns it back into the value in the process that
needs it. Large buffers (numpy arrays, bytes, pandas and arrow data) are
pickled out of band, so they are copied exactly once, into the segment; the
reader maps the segment privately (copy-on-write) and unpickles straight
from the mapping without a copy, then unlinks the name at once (the mapping
stays valid after unlink).
Whoever hands out a segment name also unlinks it when things go wrong:
``unlink`` is safe to call on a name that is already gone.
"""
from __future__ import annotations

import io
import mmap
import os
import pickle
import sys
from itertools import islice

import cloudpickle

try:  # POSIX shared memory (Linux, macOS); without it values use the pipes
    import _posixshmem
except ImportError:  # pragma: no cover - Windows
    _posixshmem = None

SHM_MIN_BYTES = 1 << 18   # values at least this big go through shared memory
_SCALARS = frozenset({int, float, bool, complex, type(None)})
ALIGN = 64


def pickler(file, buffer_callback=None):
    """A cloudpickle ``Pickler`` (protocol 5) writing to ``file``.

    Its dispatch table is flattened into a plain dict: cloudpickle keeps it
    as a ``ChainMap``, which the C pickler would search in Python for every
    object of a class without a reducer of its own.

    >>> f = io.BytesIO()
    >>> pickler(f).dump(lambda x: x + 1)
    >>> pickle.loads(f.getvalue())(1)
    2
    """
    p = cloudpickle.Pickler(file, protocol=5, buffer_callback=buffer_callback)
    p.dispatch_table = dict(p.dispatch_table)
    return p


def dumps_frames(value):
    """Pickle ``value`` (cloudpickle, protocol 5) into a list of frames.

    The first frame is the pickle stream; the others are its out-of-band
    buffers, as memoryviews onto the value's own memory (no copy).

    >>> frames = dumps_frames(b'x' * 10)
    >>> loads_frames(frames)
    b'xxxxxxxxxx'
    """
    buffers = []
    file = io.BytesIO()
    pickler(file, buffers.append).dump(value)
    return [file.getvalue(), *(b.raw() for b in buffers)]


def loads_frames(frames):
    """Unpickle frames made by ``dumps_frames``.

    >>> loads_frames(dumps_frames({'a': 1}))
    {'a': 1}
    """
    return pickle.loads(frames[0], buffers=frames[1:])


def frames_nbytes(frames):
    """Total bytes of a list of frames.

    >>> frames_nbytes([b'abc', memoryview(b'de')])
    5
    """
    return sum(memoryview(f).nbytes for f in frames)


def _offsets(sizes):
    offsets, end = [], 0
    for n in sizes:
        offsets.append(end)
        end += -(-n // ALIGN) * ALIGN
    return offsets, max(end, 1)


def write_segment(name, frames):
    """Create the segment ``name`` holding ``frames``; return their sizes.

    Raises ``OSError`` (ENOSPC) rather than crashing when shared memory is
    full: the space is reserved with ``posix_fallocate`` before writing.

    >>> name = f"/pl-doctest-{os.getpid()}"
    >>> write_segment(name, [b'head', b'buffer'])
    [4, 6]
    >>> [bytes(f) for f in read_segment(name, [4, 6])]
    [b'head', b'buffer']
    """
    sizes = [memoryview(f).nbytes for f in frames]
    offsets, total = _offsets(sizes)
    fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        try:
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(fd, 0, total)
            else:  # pragma: no cover - macOS
                os.ftruncate(fd, total)
            with mmap.mmap(fd, total) as mm:
                for frame, off, n in zip(frames, offsets, sizes):
                    mm[off:off + n] = memoryview(frame).cast("B")
        except BaseException:
            unlink(name)
            raise
    finally:
        os.close(fd)
    return sizes


def read_segment(name, sizes):
    """Map the segment ``name``, unlink it, and return its frames (no copy).

    See ``write_segment`` for an example.
    """
    offsets, total = _offsets(sizes)
    fd = _posixshmem.shm_open(name, os.O_RDWR, 0o600)
    try:  # a private (copy-on-write) mapping: the reader's values behave as its own
        mm = mmap.mmap(fd, total, flags=mmap.MAP_PRIVATE,
                       prot=mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)
        unlink(name)
    view = memoryview(mm)
    return [view[off:off + n] for off, n in zip(offsets, sizes)]


def unlink(name):
    """Remove the segment ``name``; no error if it does not exist.

    >>> unlink(f"/pl-doctest-missing-{os.getpid()}")
    """
    try:
        _posixshmem.shm_unlink(name)
    except FileNotFoundError:
        pass


def pack(value, name=None, frames=None):
    """A descriptor for ``value``: in shared memory ``name`` if it is large.

    Returns ``(descriptor, nbytes)``. Without a ``name`` (or without POSIX
    shared memory, or when it is full) the frames travel inline.

    >>> desc, n = pack([1, 2, 3])
    >>> desc[0], unpack(desc)
    ('f', [1, 2, 3])
    """
    if frames is None:
        frames = dumps_frames(value)
    nbytes = frames_nbytes(frames)
    if name is not None and _posixshmem is not None and nbytes >= SHM_MIN_BYTES:
        try:
            return ("s", name, write_segment(name, frames)), nbytes
        except OSError:
            pass  # shared memory full or unavailable: use the pipe
    return ("f", [bytes(f) if type(f) is not bytes else f for f in frames]), nbytes


def unpack(desc):
    """The value a descriptor made by ``pack`` stands for.

    >>> unpack(pack((1, 'two'))[0])
    (1, 'two')
    """
    if desc[0] == "s":
        return loads_frames(read_segment(desc[1], desc[2]))
    return loads_frames(desc[1])


def desc_nbytes(desc):
    """Bytes a descriptor carries (in shared memory or inline).

    >>> desc, nbytes = pack(b'x' * 100)
    >>> desc_nbytes(desc) == nbytes
    True
    """
    if desc[0] == "s":
        return sum(desc[2])
    return sum(len(f) for f in desc[1])


def sizeof(value):
    """A quick estimate of the bytes ``value`` holds (0 if it cannot be told).

    >>> import array
    >>> sizeof(b'abc'), sizeof(array.array('d', [1.0, 2.0]).tobytes())
    (3, 16)
    """
    try:
        return _sizeof(value)
    except Exception:  # noqa: BLE001 - an odd object: an estimate is not worth an error
        return 0


def _sizeof(value):
    t = type(value)
    if t is bytes or t is bytearray or t is str:
        return len(value)
    if t in _SCALARS:
        return sys.getsizeof(value)
    nbytes = getattr(value, "nbytes", None)  # numpy, arrow, pandas Series
    if isinstance(nbytes, int):
        return nbytes
    if t is list or t is tuple or t is set or t is dict:
        n = len(value)
        if n == 0:
            return sys.getsizeof(value)
        items = islice(value.values() if t is dict else value, 10)
        sample = sum(_sizeof(x) for x in items)
        return sys.getsizeof(value) + sample * n // min(n, 10)
    usage = getattr(value, "memory_usage", None)  # pandas DataFrame
    if usage is not None and hasattr(value, "columns"):
        try:
            return int(usage(index=True, deep=False).sum())
        except Exception:  # noqa: BLE001 - an estimate only
            pass
    return sys.getsizeof(value)
