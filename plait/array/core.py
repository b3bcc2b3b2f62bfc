"""The ``Array`` collection: a grid of NumPy blocks described by a task graph.

An array's graph holds one task per block, under keys ``(name, i, j, ...)``
(``(name,)`` for a 0-d array). The graph is kept as *layers*, one dict per
operation (``{name: {key: task}}``), so building a new array shares its
inputs' layers instead of copying their tasks; ``__plait_graph__`` merges
them once, when the array is computed.
"""
from __future__ import annotations

import numpy as np

from plait.array.chunks import format_bytes, normalize_chunks
from plait.array.methods import ArrayMethods
from plait.scheduling.get import flatten_keys


def token(prefix, *args, **kwargs):
    """A deterministic name ``'<prefix>-<token of args>'`` for a new array.

    >>> token('add', 'x', 1) == token('add', 'x', 1)
    True
    """
    from plait.tokenize import tokenize

    return f"{prefix}-{tokenize(*_zero_d_safe(args), **_zero_d_safe(kwargs))}"


def _zero_d_safe(x):
    """``x`` with 0-d NumPy arrays as 1-d ones (``plait.tokenize`` cannot hash
    0-d arrays yet)."""
    t = type(x)
    if t is np.ndarray and x.ndim == 0:
        return ("0-d", x.reshape(1))
    if t in (list, tuple):
        return t(_zero_d_safe(v) for v in x)
    if t is dict:
        return {k: _zero_d_safe(v) for k, v in x.items()}
    return x


def funcname(func):
    """A short readable name for a function, for array names.

    >>> funcname(np.add), funcname(lambda x: x)
    ('add', 'lambda')
    """
    while hasattr(func, "func"):
        func = func.func
    name = getattr(func, "__name__", type(func).__name__)
    return "lambda" if name == "<lambda>" else name.strip("_") or "func"


class Array(ArrayMethods):
    """A chunked N-dimensional array whose blocks are computed from a graph.

    Made by the creation functions (``arange``, ``from_array``, ``ones``...)
    and by operations on other arrays; ``compute()`` returns a NumPy array.

    Parameters
    ----------
    dsk : Mapping
        The graph with a task (or value) for every block key ``(name, i, ...)``;
        or a dict of layers ``{layer name: {key: task}}`` when ``layers=True``.
    name : str
        The first element of every block key.
    chunks : tuple of tuples, or anything ``normalize_chunks`` reads with ``shape``
    dtype : numpy dtype
    shape : tuple, optional
        Needed when ``chunks`` is not a tuple of tuples.

    >>> from operator import add
    >>> x = Array({('x', 0): np.arange(3), ('x', 1): (add, ('x', 0), 3)}, 'x',
    ...           ((3, 3),), int)
    >>> x
    plait.array<x, shape=(6,), dtype=int64, chunksize=(3,), chunktype=numpy.ndarray>
    >>> x.compute()
    array([0, 1, 2, 3, 4, 5])
    """

    __plait_scheduler__ = "threads"
    __array_priority__ = 11

    def __init__(self, dsk, name, chunks, dtype, shape=None, layers=False):
        if shape is not None or not _is_chunk_tuple(chunks):
            if shape is None:
                raise ValueError(f"chunks {chunks!r} need the array's shape= to be read")
            chunks = normalize_chunks(chunks, shape, dtype=dtype)
        self.name = name
        self._chunks = tuple(tuple(int(b) for b in c) for c in chunks)
        self.dtype = np.dtype(dtype)
        self._layers = dict(dsk) if layers else {name: dict(dsk)}
        self._graph = None

    # -- shape and chunks ---------------------------------------------------
    @property
    def chunks(self):
        """Block lengths, one tuple per axis."""
        return self._chunks

    @property
    def shape(self):
        return tuple(sum(c) for c in self._chunks)

    @property
    def ndim(self):
        return len(self._chunks)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    @property
    def numblocks(self):
        """Number of blocks along each axis."""
        return tuple(len(c) for c in self._chunks)

    @property
    def npartitions(self):
        """Total number of blocks."""
        return int(np.prod(self.numblocks, dtype=np.int64))

    @property
    def chunksize(self):
        """The largest block length along each axis."""
        return tuple(max(c) for c in self._chunks)

    def __len__(self):
        if not self.ndim:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # -- the collection protocol ---------------------------------------------
    def __plait_graph__(self):
        if self._graph is None:
            graph = {}
            for layer in self._layers.values():
                graph.update(layer)
            self._graph = graph
        return self._graph

    @property
    def dask(self):
        """The merged task graph (a dict)."""
        return self.__plait_graph__()

    def __plait_keys__(self):
        if not self.ndim:
            return (self.name,)
        return _nested_keys(self.name, self.numblocks, ())

    def __plait_layers__(self):
        return self._layers

    def __plait_tokenize__(self):
        return ("plait.array", self.name)

    def __plait_postcompute__(self):
        return finalize, (self.ndim,)

    def __plait_postpersist__(self):
        return rebuild, (self.name, self._chunks, self.dtype)

    def compute(self, **kwargs):
        """The NumPy array (or scalar, for 0-d) this array stands for.

        >>> from plait.array import arange
        >>> arange(5, chunks=2).compute(scheduler='sync')
        array([0, 1, 2, 3, 4])
        """
        from plait.base import compute

        return compute(self, **kwargs)[0]

    def persist(self, **kwargs):
        """An equal array whose blocks are already computed and held in its graph.

        >>> from plait.array import arange
        >>> y = (arange(4, chunks=2) + 1).persist(scheduler='sync')
        >>> len(y.dask)
        2
        """
        from plait.base import persist

        return persist(self, **kwargs)[0]

    def visualize(self, filename="mydask", **kwargs):
        """Draw this array's graph with Graphviz (see ``plait.base.visualize``).

        >>> from plait.array import arange
        >>> type(arange(4, chunks=2).visualize(filename=None)).__name__
        'Digraph'
        """
        from plait.base import visualize

        return visualize(self, filename=filename, **kwargs)

    def __array__(self, dtype=None, copy=None):
        x = np.asarray(self.compute())
        return x if dtype is None else x.astype(dtype, copy=False)

    def _scalar(self, kind):
        if self.size != 1:
            raise TypeError(f"only arrays of one element can be converted to Python "
                            f"{kind.__name__}s; this one has shape {self.shape}")
        return kind(np.asarray(self.compute()).reshape(()))

    def __bool__(self):
        return self._scalar(bool)

    def __int__(self):
        return self._scalar(int)

    def __float__(self):
        return self._scalar(float)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        if not np.issubdtype(self.dtype, np.integer):
            raise TypeError(f"only integer arrays can be used as an index, not {self.dtype}")
        return self._scalar(int)

    # -- display --------------------------------------------------------------
    def __repr__(self):
        return (f"plait.array<{self.name}, shape={self.shape}, dtype={self.dtype}, "
                f"chunksize={self.chunksize if self.ndim else ()}, "
                f"chunktype=numpy.ndarray>")

    def _repr_html_(self):
        ntasks = sum(len(layer) for layer in self._layers.values())
        chunk_bytes = int(np.prod(self.chunksize if self.ndim else (), dtype=np.int64))
        chunk_bytes *= self.itemsize
        rows = [("Bytes", format_bytes(self.nbytes), format_bytes(chunk_bytes)),
                ("Shape", self.shape, self.chunksize if self.ndim else ()),
                ("Count", f"{ntasks} tasks", f"{self.npartitions} chunks"),
                ("Type", self.dtype, "numpy.ndarray")]
        body = "".join(f"<tr><th>{a}</th><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
        return (f"<table><thead><tr><td></td><th>Array</th><th>Chunk</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")


def _is_chunk_tuple(chunks):
    return (isinstance(chunks, tuple)
            and all(isinstance(c, tuple) and all(isinstance(b, (int, np.integer)) for b in c)
                    for c in chunks))


def _nested_keys(name, numblocks, prefix):
    axis = len(prefix)
    if axis == len(numblocks) - 1:
        return [(name, *prefix, i) for i in range(numblocks[axis])]
    return [_nested_keys(name, numblocks, (*prefix, i)) for i in range(numblocks[axis])]


def new_array(layer, name, chunks, dtype, deps=()):
    """An Array made of a new ``layer`` of tasks on top of the arrays ``deps``.

    >>> x = new_array({('a', 0): np.ones(2)}, 'a', ((2,),), float)
    >>> new_array({('b', 0): (np.negative, ('a', 0))}, 'b', ((2,),), float, [x]).compute()
    array([-1., -1.])
    """
    layers = {}
    for d in deps:
        layers.update(d.__plait_layers__())
    layers[name] = layer
    return Array(layers, name, chunks, dtype, layers=True)


def finalize(results, ndim):
    """Assemble computed blocks (nested lists, one level per axis) into one array.

    >>> finalize([[np.ones((1, 2)), np.zeros((1, 1))]], 2)
    array([[1., 1., 0.]])
    """
    if ndim == 0:
        if isinstance(results, np.ndarray) and results.ndim == 0:
            return results[()]
        return results
    out = _concat(results, 0)
    if isinstance(out, np.ndarray) and not out.flags.writeable:
        out = out.copy()
    return out


def _concat(nested, axis):
    """Join a grid of blocks (nested lists) into one array, copying each once."""
    blocks = flatten_keys(nested, [])  # the blocks, in grid order
    if len(blocks) == 1:
        return blocks[0]
    if not all(type(b) is np.ndarray for b in blocks):  # other array types
        return _concat_along(nested, axis)
    ndim = blocks[0].ndim
    edges = []  # per axis: start offsets of the blocks along it
    level = nested
    for ax in range(ndim):
        if type(level) is list:
            sizes = [_first(b).shape[ax] for b in level]
            level = level[0]
        else:
            sizes = [blocks[0].shape[ax]]
        starts = [0]
        for size in sizes:
            starts.append(starts[-1] + size)
        edges.append(starts)
    out = np.empty(tuple(e[-1] for e in edges), dtype=np.result_type(*blocks))
    _place(nested, out, edges, ())
    return out


def _first(nested):
    while type(nested) is list:
        nested = nested[0]
    return nested


def _place(nested, out, edges, index):
    if type(nested) is list:
        for i, n in enumerate(nested):
            _place(n, out, edges, index + (i,))
        return
    where = tuple(slice(e[i], e[i + 1]) for e, i in zip(edges, index))
    out[where] = nested


def _concat_along(nested, axis):
    if type(nested) is not list:
        return nested
    parts = [_concat_along(n, axis + 1) for n in nested]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)


def rebuild(dsk, name, chunks, dtype):
    """The array a ``persist`` returns: its graph holds the computed blocks.

    >>> rebuild({('x', 0): np.ones(2)}, 'x', ((2,),), float).compute()
    array([1., 1.])
    """
    return Array(dsk, name, chunks, dtype)


def optimize(dsk, keys, **kwargs):
    """Cull the graph to ``keys`` and fuse linear chains of block tasks.

    Settings ``optimization.fuse.active`` (False turns fusion off),
    ``ave-width`` and ``rename-keys`` apply.

    >>> from operator import add
    >>> dsk = {('x', 0): 1, ('y', 0): (add, ('x', 0), 1), ('z', 0): 5}
    >>> optimize(dsk, [('y', 0)])
    {('x-y', 0): (<built-in function add>, 1, 1), ('y', 0): ('x-y', 0)}
    """
    from plait import config
    from plait.graph import cull, fuse

    dsk, deps = cull(dsk, keys)
    if config.get("optimization.fuse.active", None) is False:
        return dsk
    dsk, _ = fuse(dsk, keys, dependencies=deps,
                  ave_width=config.get("optimization.fuse.ave-width", 1),
                  rename_keys=config.get("optimization.fuse.rename-keys", True))
    return dsk


Array.__plait_optimize__ = staticmethod(optimize)
