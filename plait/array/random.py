"""Random arrays, reproducible block by block.

``default_rng(seed)`` gives a ``Generator`` whose methods (``random``,
``normal``, ``integers``...) build arrays whose blocks each draw from their
own ``numpy.random.SeedSequence``, spawned from the seed. The same seed,
sequence of calls and chunks give the same numbers on every scheduler, in
any order of execution.
"""
from __future__ import annotations

from itertools import product

import numpy as np

from plait.array.chunks import normalize_chunks
from plait.array.core import Array, token
from plait.graph.core import quote


def random_block(seed, method, shape, args, kwargs):
    """One block: ``default_rng(seed).<method>(*args, size=shape, **kwargs)``.

    >>> random_block(np.random.SeedSequence(0), 'integers', (2,), (5, 6), {}).tolist()
    [5, 5]
    """
    return getattr(np.random.default_rng(seed), method)(*args, size=shape, **kwargs)


def _shape(size):
    if size is None:
        raise TypeError("plait random arrays need size= (the array's shape)")
    if isinstance(size, (int, np.integer)):
        size = (size,)
    return tuple(int(s) for s in size)


class Generator:
    """Draws random plait arrays; see ``default_rng``.

    >>> Generator(5).random((2, 2), chunks=1).numblocks
    (2, 2)
    """

    def __init__(self, seed=None):
        if isinstance(seed, np.random.SeedSequence):
            self._seq = seed
        else:
            self._seq = np.random.SeedSequence(seed)

    def __repr__(self):
        return f"plait.array.random.Generator(entropy={self._seq.entropy})"

    def _draw(self, method, size, chunks, args, kwargs):
        for a in args:
            if np.ndim(a) != 0:
                raise TypeError(f"{method}: parameters must be scalars for plait random "
                                f"arrays, got an array of shape {np.shape(a)}")
        shape = _shape(size)
        sample = getattr(np.random.default_rng(0), method)(*args, size=1, **kwargs)
        dtype = sample.dtype
        chunks = normalize_chunks(chunks, shape, dtype=dtype)
        call = self._seq.spawn(1)[0]
        name = token(method, call.entropy, call.spawn_key, shape, chunks, args, kwargs)
        grid = list(product(*(range(len(c)) for c in chunks)))
        seeds = call.spawn(len(grid))
        layer = {}
        for coords, seed in zip(grid, seeds):
            block = tuple(c[k] for c, k in zip(chunks, coords))
            layer[(name, *coords)] = (random_block, seed, method, block, quote(args), kwargs)
        return Array(layer, name, chunks, dtype)

    def random(self, size=None, dtype=np.float64, chunks="auto"):
        """Floats uniform in [0, 1).

        >>> x = default_rng(42).random(10, chunks=5)
        >>> bool(((x >= 0) & (x < 1)).all())
        True
        """
        return self._draw("random", size, chunks, (), {"dtype": np.dtype(dtype)})

    def normal(self, loc=0.0, scale=1.0, size=None, chunks="auto"):
        """Samples of a normal distribution.

        >>> default_rng(0).normal(5, 1, size=(2, 3), chunks=2).shape
        (2, 3)
        """
        return self._draw("normal", size, chunks, (loc, scale), {})

    def standard_normal(self, size=None, dtype=np.float64, chunks="auto"):
        """Samples of the standard normal distribution.

        >>> default_rng(0).standard_normal(4, chunks=2).dtype
        dtype('float64')
        """
        return self._draw("standard_normal", size, chunks, (), {"dtype": np.dtype(dtype)})

    def uniform(self, low=0.0, high=1.0, size=None, chunks="auto"):
        """Floats uniform in [low, high).

        >>> float(default_rng(1).uniform(2, 3, size=100, chunks=10).min()) >= 2
        True
        """
        return self._draw("uniform", size, chunks, (low, high), {})

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False,
                 chunks="auto"):
        """Integers in [low, high) (``endpoint=True``: [low, high]).

        >>> default_rng(3).integers(0, 10, size=5, chunks=2).dtype
        dtype('int64')
        """
        return self._draw("integers", size, chunks, (low, high),
                          {"dtype": np.dtype(dtype), "endpoint": endpoint})

    def exponential(self, scale=1.0, size=None, chunks="auto"):
        """Samples of an exponential distribution.

        >>> float(default_rng(0).exponential(size=10, chunks=5).min()) >= 0
        True
        """
        return self._draw("exponential", size, chunks, (scale,), {})

    def poisson(self, lam=1.0, size=None, chunks="auto"):
        """Samples of a Poisson distribution.

        >>> default_rng(0).poisson(3, size=4, chunks=2).dtype
        dtype('int64')
        """
        return self._draw("poisson", size, chunks, (lam,), {})


def default_rng(seed=None):
    """A ``Generator`` seeded by ``seed`` (an int, a sequence of ints, a
    ``SeedSequence``, or None for fresh entropy).

    >>> a = default_rng(7).random(6, chunks=4).compute()
    >>> b = default_rng(7).random(6, chunks=4).compute(scheduler='sync')
    >>> bool((a == b).all())
    True
    """
    return Generator(seed)


_global = Generator()


def random(size=None, chunks="auto"):
    """Floats uniform in [0, 1) from fresh entropy (see ``default_rng`` to seed).

    >>> random((2, 2), chunks=1).shape
    (2, 2)
    """
    return _global.random(size, chunks=chunks)


def normal(loc=0.0, scale=1.0, size=None, chunks="auto"):
    """Normal samples from fresh entropy.

    >>> normal(size=3).shape
    (3,)
    """
    return _global.normal(loc, scale, size, chunks=chunks)


__all__ = ["default_rng", "Generator", "random", "normal"]
