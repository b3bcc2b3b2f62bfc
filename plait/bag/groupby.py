"""Grouping: ``foldby`` (a reduction per key) and ``groupby`` (a shuffle)."""
from __future__ import annotations

import zlib
from functools import partial
from operator import getitem

from plait.bag.collection import merge_layers, new_name
from plait.bag.partition import no_default
from plait.bag.reductions import getter, tree


class Grouping:
    """Bag methods that group elements by key (mixed into ``Bag``)."""

    def foldby(self, key, binop, initial=no_default, combine=None,
               combine_initial=no_default, split_every=None):
        """Group by ``key`` and fold each group: the fast groupby-reduce.

        In each partition, ``binop(total, element)`` folds the elements of
        each key (starting from ``initial``, or the first element); then
        ``combine(total, partial)`` (default ``binop``) merges the partials
        of each key, starting from ``combine_initial``, through a tree.
        Only one value per key and partition moves between tasks. ``key``
        is a function or an index/field name; ``initial`` may be a
        zero-argument callable (e.g. ``list``). Returns a bag of
        ``(key, value)`` pairs in one partition.

        >>> import plait.bag as pb
        >>> from operator import add
        >>> b = pb.from_sequence(range(10), npartitions=3)
        >>> iseven = lambda x: x % 2 == 0
        >>> sorted(b.foldby(iseven, add).compute(scheduler='sync'))
        [(False, 25), (True, 20)]
        >>> people = pb.from_sequence([{'name': 'a', 'n': 1}, {'name': 'a', 'n': 2}])
        >>> people.foldby('name', lambda t, x: t + x['n'], 0, add, 0).compute(scheduler='sync')
        [('a', 3)]
        """
        key = getter(key)
        combine = binop if combine is None else combine
        per = partial(reduceby, key, binop, initial)
        agg = partial(combine_by_key, combine, combine_initial)
        from plait.bag.core import Bag

        return tree(self, per, agg, _items, split_every, "foldby", Bag)

    def groupby(self, grouper, npartitions=None):
        """``(key, [elements])`` for each distinct ``grouper(element)``
        (a function, or an index/field name).

        Every element moves through a shuffle: each partition is split by
        a hash of the key into ``npartitions`` pieces (default: as many as
        the bag has), and each output partition gathers its pieces through
        the scheduler. Prefer ``foldby`` whenever what you want per group is
        a reduction (a count, sum, max, a small accumulator): it moves one
        value per key and partition instead of every element, and never
        holds a whole group in memory.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence(range(6), npartitions=2)
        >>> sorted(b.groupby(lambda x: x % 3).compute(scheduler='sync'))
        [(0, [0, 3]), (1, [1, 4]), (2, [2, 5])]
        """
        from plait.bag.core import Bag

        nout = self.npartitions if npartitions is None else npartitions
        if not isinstance(nout, int) or nout < 1:
            raise ValueError(f"groupby: npartitions must be a positive integer, "
                             f"got {npartitions!r}")
        key = getter(grouper)
        name = new_name("groupby", self.name, key, nout)
        token = name.rsplit("-", 1)[1]
        split, piece = f"groupby-split-{token}", f"groupby-piece-{token}"
        layer = {}
        for i in range(self.npartitions):
            layer[(split, i)] = self.task(i, split_by_key, key, nout)
            for j in range(nout):
                layer[(piece, i, j)] = (getitem, (split, i), j)
        for j in range(nout):
            layer[(name, j)] = (group_pieces, [(piece, i, j) for i in range(self.npartitions)])
        return Bag(merge_layers(self.layers, {name: layer}), name, nout)


def reduceby(key, binop, initial, seq):
    """``{key(x): fold of binop over the elements with that key}``.

    >>> reduceby(len, lambda total, x: total + x, '', ['a', 'bb', 'c'])
    {1: 'ac', 2: 'bb'}
    """
    out = {}
    if initial is no_default:
        for x in seq:
            k = key(x)
            out[k] = binop(out[k], x) if k in out else x
        return out
    fresh = callable(initial)
    for x in seq:
        k = key(x)
        total = out[k] if k in out else (initial() if fresh else initial)
        out[k] = binop(total, x)
    return out


def combine_by_key(combine, initial, parts):
    """Merge several ``{key: partial}`` dicts with ``combine``."""
    out = {}
    fresh = callable(initial)
    for part in parts:
        for k, v in part.items():
            if k in out:
                out[k] = combine(out[k], v)
            elif initial is no_default:
                out[k] = v
            else:
                out[k] = combine(initial() if fresh else initial, v)
    return out


def _items(d):
    return list(d.items())


def stable_hash(x):
    """A hash of ``x`` that is the same in every process (for str, bytes,
    numbers, None and tuples of them; other types use ``hash``).

    >>> stable_hash('alice') == stable_hash('alice'), stable_hash(1) == stable_hash(1.0)
    (True, True)
    """
    t = type(x)
    if t is str:
        return zlib.crc32(x.encode("utf-8", "surrogatepass"))
    if t is bytes:
        return zlib.crc32(x)
    if x is None:
        return 0
    if t is tuple:
        h = 0x345678
        for item in x:
            h = ((h * 1000003) ^ stable_hash(item)) & 0xFFFFFFFFFFFF
        return h
    return hash(x)


def split_by_key(seq, key, nout):
    """``nout`` lists of ``(key, element)`` pairs, by a stable hash of the key."""
    pieces = [[] for _ in range(nout)]
    for x in seq:
        k = key(x)
        pieces[stable_hash(k) % nout].append((k, x))
    return pieces


def group_pieces(pieces):
    """``[(key, [elements])]`` from the pieces of every input partition."""
    groups = {}
    for piece in pieces:
        for k, x in piece:
            if k in groups:
                groups[k].append(x)
            else:
                groups[k] = [x]
    return list(groups.items())
