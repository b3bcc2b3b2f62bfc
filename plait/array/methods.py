"""The methods and operators of ``Array``, each a thin call into the module
that implements it (imported when first used, so the modules can import
``core`` freely).
"""
from __future__ import annotations

import numpy as np

BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
          "truediv": np.true_divide, "floordiv": np.floor_divide, "mod": np.remainder,
          "pow": np.power, "and": np.bitwise_and, "or": np.bitwise_or,
          "xor": np.bitwise_xor, "lshift": np.left_shift, "rshift": np.right_shift,
          "divmod": np.divmod}
COMPARISON = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
              "gt": np.greater, "ge": np.greater_equal}
UNARY = {"neg": np.negative, "pos": np.positive, "abs": np.absolute, "invert": np.invert}


def _binary(ufunc, reflected=False):
    def method(self, other):
        from plait.array.elementwise import OPERAND_TYPES, elemwise

        if not isinstance(other, OPERAND_TYPES):
            return NotImplemented
        return elemwise(ufunc, other, self) if reflected else elemwise(ufunc, self, other)

    method.__doc__ = f"Elementwise ``np.{ufunc.__name__}`` (NumPy broadcasting)."
    return method


def _unary(ufunc):
    def method(self):
        from plait.array.elementwise import elemwise

        return elemwise(ufunc, self)

    method.__doc__ = f"Elementwise ``np.{ufunc.__name__}``."
    return method


def _reduction(name):
    def method(self, *args, **kwargs):
        import plait.array

        return getattr(plait.array, name)(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = (f"``plait.array.{name}`` of this array (same arguments).\n\n"
                      f"        >>> import plait.array as pa\n"
                      f"        >>> pa.arange(1, 5, chunks=2).{name}().shape\n"
                      f"        ()\n")
    return method


class ArrayMethods:
    """Operators and methods shared by every ``Array``.

    >>> import plait.array as pa
    >>> x = pa.arange(4, chunks=2)
    >>> ((x + 1) * 2 >= 4).compute()
    array([False,  True,  True,  True])
    >>> x.sum(), x.mean(), x.argmax()   # reductions are methods too  # doctest: +ELLIPSIS
    (plait.array<sum-aggregate-..., shape=(), ...>, ...)
    """

    __hash__ = object.__hash__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from plait.array.elementwise import array_ufunc

        return array_ufunc(self, ufunc, method, *inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from plait.array.routines import array_function

        return array_function(self, func, types, args, kwargs)

    def __getitem__(self, index):
        from plait.array.slicing import getitem

        return getitem(self, index)

    def __matmul__(self, other):
        from plait.array.linalg import matmul

        return matmul(self, other)

    def __rmatmul__(self, other):
        from plait.array.linalg import matmul

        return matmul(other, self)

    sum = _reduction("sum")
    prod = _reduction("prod")
    mean = _reduction("mean")
    std = _reduction("std")
    var = _reduction("var")
    min = _reduction("min")
    max = _reduction("max")
    any = _reduction("any")
    all = _reduction("all")
    argmin = _reduction("argmin")
    argmax = _reduction("argmax")

    def astype(self, dtype, casting="unsafe", copy=True):
        """This array with elements converted to ``dtype``.

        >>> import plait.array as pa
        >>> pa.arange(3, chunks=2).astype('f4').dtype
        dtype('float32')
        """
        from plait.array.elementwise import astype

        return astype(self, dtype, casting=casting)

    def reshape(self, *shape, merge_chunks=True):
        """This array in a new shape (see ``plait.array.reshape``).

        >>> import plait.array as pa
        >>> pa.arange(6, chunks=3).reshape(2, 3).chunks
        ((1, 1), (3,))
        """
        from plait.array.reshape import reshape

        return reshape(self, *shape)

    def transpose(self, *axes):
        """This array with axes permuted (reversed by default).

        >>> import plait.array as pa
        >>> pa.ones((2, 3, 4)).transpose(1, 0, 2).shape
        (3, 2, 4)
        """
        from plait.array.reshape import transpose

        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return transpose(self, axes or None)

    @property
    def T(self):
        """The transpose.

        >>> import plait.array as pa
        >>> pa.ones((2, 3)).T.shape
        (3, 2)
        """
        return self.transpose()

    def swapaxes(self, axis1, axis2):
        """This array with two axes exchanged.

        >>> import plait.array as pa
        >>> pa.ones((2, 3)).swapaxes(0, 1).shape
        (3, 2)
        """
        from plait.array.reshape import swapaxes

        return swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        """This array without axes of length 1.

        >>> import plait.array as pa
        >>> pa.ones((1, 3)).squeeze().shape
        (3,)
        """
        from plait.array.reshape import squeeze

        return squeeze(self, axis)

    def ravel(self):
        """This array as a 1-d array.

        >>> import plait.array as pa
        >>> pa.ones((2, 3)).ravel().shape
        (6,)
        """
        from plait.array.reshape import ravel

        return ravel(self)

    flatten = ravel

    def rechunk(self, chunks="auto", block_size_limit=None):
        """This array in new blocks (see ``plait.array.rechunk``).

        >>> import plait.array as pa
        >>> pa.ones(10, chunks=5).rechunk(4).chunks
        ((4, 4, 2),)
        """
        from plait.array.rechunk import rechunk

        return rechunk(self, chunks, block_size_limit=block_size_limit)

    def dot(self, other):
        """Dot product with ``other``.

        >>> import plait.array as pa
        >>> float(pa.ones(3).dot(pa.ones(3)))
        3.0
        """
        from plait.array.linalg import dot

        return dot(self, other)

    def map_blocks(self, func, *args, **kwargs):
        """``plait.array.map_blocks(func, self, *args, **kwargs)``.

        >>> import plait.array as pa
        >>> pa.arange(4, chunks=2).map_blocks(np.cumsum).compute()
        array([0, 1, 2, 5])
        """
        from plait.array.blockwise import map_blocks

        return map_blocks(func, self, *args, **kwargs)

    def map_overlap(self, func, depth, boundary="none", trim=True, **kwargs):
        """``plait.array.map_overlap(func, self, depth=..., boundary=...)``.

        >>> import plait.array as pa
        >>> x = pa.arange(4, chunks=2)
        >>> x.map_overlap(lambda b: b + np.roll(b, 1), depth=1, boundary='periodic').compute()
        array([3, 1, 3, 5])
        """
        from plait.array.overlap import map_overlap

        return map_overlap(func, self, depth=depth, boundary=boundary, trim=trim,
                           **kwargs)

    def store(self, target, **kwargs):
        """Write this array into ``target`` block by block (see ``plait.array.store``).

        >>> import plait.array as pa
        >>> out = np.zeros(3)
        >>> pa.ones(3, chunks=2).store(out)
        >>> out
        array([1., 1., 1.])
        """
        from plait.array.io import store

        return store(self, target, **kwargs)

    def to_zarr(self, url_or_array, **kwargs):
        """Write this array to a Zarr array (see ``plait.array.to_zarr``).

        >>> import tempfile, zarr, plait.array as pa
        >>> path = tempfile.mkdtemp() + '/x.zarr'
        >>> pa.ones(4, chunks=2).to_zarr(path)
        >>> zarr.open_array(path).chunks
        (2,)
        """
        from plait.array.io import to_zarr

        return to_zarr(self, url_or_array, **kwargs)

    def to_delayed(self, optimize_graph=True):
        """A NumPy object array of ``Delayed``, one per block.

        >>> import plait.array as pa
        >>> pa.ones((4, 4), chunks=2).to_delayed().shape
        (2, 2)
        """
        from plait.array.io import to_delayed

        return to_delayed(self, optimize_graph=optimize_graph)

    def round(self, decimals=0):
        """Elements rounded to ``decimals`` places.

        >>> import plait.array as pa
        >>> pa.from_array(np.array([0.25, 1.75])).round(1).compute()
        array([0.2, 1.8])
        """
        from plait.array.routines import round

        return round(self, decimals)

    def clip(self, min=None, max=None):
        """Elements limited to ``[min, max]``.

        >>> import plait.array as pa
        >>> pa.arange(4, chunks=2).clip(1, 2).compute()
        array([1, 1, 2, 2])
        """
        from plait.array.routines import clip

        return clip(self, min, max)

    def copy(self):
        """This array (arrays are immutable, so no copy is needed).

        >>> import plait.array as pa
        >>> x = pa.ones(2)
        >>> x.copy() is x
        True
        """
        return self

    def conj(self):
        """The complex conjugate.

        >>> import plait.array as pa
        >>> pa.from_array(np.array([1 + 2j])).conj().compute()
        array([1.-2.j])
        """
        return np.conjugate(self)

    @property
    def real(self):
        """The real part.

        >>> import plait.array as pa
        >>> pa.from_array(np.array([1 + 2j])).real.compute()
        array([1.])
        """
        from plait.array.elementwise import elemwise

        return elemwise(np.real, self)

    @property
    def imag(self):
        """The imaginary part.

        >>> import plait.array as pa
        >>> pa.from_array(np.array([1 + 2j])).imag.compute()
        array([2.])
        """
        from plait.array.elementwise import elemwise

        return elemwise(np.imag, self)


for _name, _ufunc in BINARY.items():
    setattr(ArrayMethods, f"__{_name}__", _binary(_ufunc))
    setattr(ArrayMethods, f"__r{_name}__", _binary(_ufunc, reflected=True))
for _name, _ufunc in COMPARISON.items():
    setattr(ArrayMethods, f"__{_name}__", _binary(_ufunc))
for _name, _ufunc in UNARY.items():
    setattr(ArrayMethods, f"__{_name}__", _unary(_ufunc))
