"""Reshaping: take, repartition, join, product, concat and zip of bags."""
from __future__ import annotations

import warnings
from itertools import islice

from plait.bag.collection import funcname, merge_layers, new_name
from plait.bag.partition import concat_partitions, zip_partitions
from plait.bag.steps import Join, Slot


def _bag():
    from plait.bag.core import Bag

    return Bag


class Reshaping:
    """Bag methods that change partitions or combine bags (mixed into ``Bag``)."""

    def take(self, k, npartitions=1, compute=True, warn=True, **kwargs):
        """The first ``k`` elements, from the first ``npartitions`` partitions
        only (``-1``: all); only those partitions are computed, and each
        stops after ``k`` elements. Returns a tuple, or a one-partition bag
        with ``compute=False``. Other keywords go to ``compute``.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence(range(10), npartitions=5)
        >>> b.take(2, scheduler='sync')
        (0, 1)
        >>> b.take(3, npartitions=2, scheduler='sync')
        (0, 1, 2)
        """
        from plait.bag.steps import Take

        if npartitions == -1:
            npartitions = self.npartitions
        if not isinstance(npartitions, int) or not 1 <= npartitions <= self.npartitions:
            raise ValueError(f"take: npartitions must be between 1 and {self.npartitions} "
                             f"(the bag's partitions) or -1, got {npartitions!r}")
        head = self.with_step("take", Take(k), args=(k,))
        name = new_name("take", head.name, npartitions)
        parts = [head.partition(i) for i in range(npartitions)]
        layer = {(name, 0): (take_concat, parts, k)}
        out = _bag()(merge_layers(head.layers, {name: layer}), name, 1)
        if not compute:
            return out
        result = tuple(out.compute(**kwargs))
        if warn and len(result) < k:
            warnings.warn(f"take: {k} elements requested, only {len(result)} found in "
                          f"the first {npartitions} partition(s); pass a larger "
                          f"npartitions (-1 for all)", stacklevel=2)
        return result

    def repartition(self, npartitions):
        """The same elements, in order, in ``npartitions`` partitions.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence(range(6), npartitions=3).repartition(2)
        >>> b.npartitions, b.compute(scheduler='sync')
        (2, [0, 1, 2, 3, 4, 5])
        """
        if not isinstance(npartitions, int) or npartitions < 1:
            raise ValueError(f"repartition: npartitions must be a positive integer, "
                             f"got {npartitions!r}")
        if npartitions <= self.npartitions:
            return _fewer(self, npartitions)
        return _more(self, npartitions)

    def join(self, other, on_self, on_other=None):
        """``(other_element, element)`` for each pair whose keys are equal.

        ``other`` must fit in memory: an iterable, a bag with one partition
        (``other.repartition(1)``), an Item or a Delayed. ``on_self`` and
        ``on_other`` (default ``on_self``) are functions or index/field
        names.

        >>> import plait.bag as pb
        >>> people = pb.from_sequence(['Alice', 'Bob', 'Charlie'])
        >>> fruit = ['Apple', 'Apricot', 'Banana']
        >>> people.join(fruit, lambda x: x[0]).compute(scheduler='sync')
        [('Apple', 'Alice'), ('Apricot', 'Alice'), ('Banana', 'Bob')]
        """
        from plait.bag.core import is_single_value
        from plait.bag.reductions import getter

        on_other = getter(on_self if on_other is None else on_other)
        on_self = getter(on_self)
        Bag = _bag()
        items = []
        if isinstance(other, Bag):
            if other.npartitions != 1:
                raise ValueError(
                    f"join: other must fit in memory; it is a bag with "
                    f"{other.npartitions} partitions: use other.repartition(1), or "
                    f"groupby/foldby for two large bags")
            other = other.to_item()
        if is_single_value(other):
            items, other = [other], Slot(len(self.extras))
        elif not hasattr(other, "__iter__"):
            raise TypeError(f"join: other must be an iterable, a bag, an Item or a "
                            f"Delayed, got {type(other).__name__}")
        else:
            other = list(other)
        step = Join(on_self, on_other, other)
        return self.with_step(f"join-{funcname(on_self)}", step, args=(other,),
                              extra_items=items)

    def product(self, other):
        """Every pair ``(a, b)`` of an element of this bag and one of ``other``;
        ``npartitions`` is the product of both.

        >>> import plait.bag as pb
        >>> a, b = pb.from_sequence([1, 2]), pb.from_sequence('xy')
        >>> a.product(b).compute(scheduler='sync')
        [(1, 'x'), (1, 'y'), (2, 'x'), (2, 'y')]
        """
        Bag = _bag()
        a, b = self.as_materialised(), other.as_materialised()
        name = new_name("product", a.name, b.name)
        n = b.npartitions
        layer = {(name, i * n + j): (cartesian, (a.name, i), (b.name, j))
                 for i in range(a.npartitions) for j in range(n)}
        layers = merge_layers(a.layers, b.layers, {name: layer})
        return Bag(layers, name, a.npartitions * n)

    def to_item(self):
        """An Item holding the whole bag as a list.

        >>> import plait.bag as pb
        >>> pb.from_sequence([1, 2], npartitions=2).to_item().compute(scheduler='sync')
        [1, 2]
        """
        from plait.bag.item import Item

        name = new_name("to-item", self.name)
        parts = [self.partition(i) for i in range(self.npartitions)]
        layer = {(name, 0): (concat_partitions, parts)}
        return Item(merge_layers(self.layers, {name: layer}), (name, 0))


def take_concat(parts, k):
    """The first ``k`` elements of the concatenated partitions."""
    out = []
    for part in parts:
        out.extend(islice(part, k - len(out)))
        if len(out) >= k:
            break
    return out


def cartesian(a, b):
    """Every pair of an element of ``a`` and one of ``b``."""
    return [(x, y) for x in a for y in b]


def _fewer(bag, npartitions):
    Bag = _bag()
    name = new_name("repartition", bag.name, npartitions)
    bounds = [round(j * bag.npartitions / npartitions) for j in range(npartitions + 1)]
    layer = {(name, j): (concat_partitions, [bag.partition(i) for i in
                                             range(bounds[j], bounds[j + 1])])
             for j in range(npartitions)}
    return Bag(merge_layers(bag.layers, {name: layer}), name, npartitions)


def _more(bag, npartitions):
    Bag = _bag()
    src = bag.as_materialised()
    name = new_name("repartition", bag.name, npartitions)
    n = bag.npartitions
    counts = [npartitions // n + (i < npartitions % n) for i in range(n)]
    layer, j = {}, 0
    for i, c in enumerate(counts):
        for piece in range(c):
            layer[(name, j)] = (slice_piece, (src.name, i), piece, c)
            j += 1
    return Bag(merge_layers(src.layers, {name: layer}), name, npartitions)


def slice_piece(seq, piece, count):
    """Piece ``piece`` of ``count`` nearly equal pieces of the list ``seq``."""
    n = len(seq)
    return seq[piece * n // count:(piece + 1) * n // count]


def zip_bags(*bags, label="zip"):
    """A bag of tuples: the elements of ``bags`` (same partitioning) side by side.

    >>> import plait.bag as pb
    >>> a, b = pb.from_sequence([1, 2], npartitions=2), pb.from_sequence('xy', npartitions=2)
    >>> zip_bags(a, b).compute(scheduler='sync')
    [(1, 'x'), (2, 'y')]
    """
    Bag = _bag()
    _check_partitions(bags, label)
    n = bags[0].npartitions
    name = new_name(label, *[b.name for b in bags])
    sources = [(zip_partitions, *[b.partition(i) for b in bags]) for i in range(n)]
    layers = merge_layers(*[b.layers for b in bags])
    return Bag(layers, name, n, sources)


def concat(bags):
    """One bag with the partitions of all ``bags``, in order.

    >>> import plait.bag as pb
    >>> concat([pb.from_sequence([1, 2]), pb.from_sequence([3])]).compute(scheduler='sync')
    [1, 2, 3]
    """
    Bag = _bag()
    bags = list(bags)
    if not bags:
        raise ValueError("concat needs at least one bag")
    name = new_name("concat", *[b.name for b in bags])
    sources = [b.partition(i) for b in bags for i in range(b.npartitions)]
    return Bag(merge_layers(*[b.layers for b in bags]), name, len(sources), sources)


def map_partitions_many(func, args, kwargs):
    """``func`` over partitions of several bags (see ``Bag.map_partitions``)."""
    from plait.bag.core import graph_of, is_single_value, key_of

    Bag = _bag()
    bags = [a for a in [*args, *kwargs.values()] if isinstance(a, Bag)]
    _check_partitions(bags, "map_partitions")
    n = bags[0].npartitions
    layers = merge_layers(*[b.layers for b in bags])
    for a in [*args, *kwargs.values()]:
        if is_single_value(a):
            layers = merge_layers(layers, graph_of(a))
    name = new_name(f"map-partitions-{funcname(func)}", func, args, kwargs)

    def arg(a, i):
        if isinstance(a, Bag):
            return (list, a.partition(i))
        return key_of(a) if is_single_value(a) else _quote(a)

    sources = [(call_partition, func, [arg(a, i) for a in args],
                (dict, [[_quote(k), arg(v, i)] for k, v in kwargs.items()]), _quote(i))
               for i in range(n)]
    return Bag(layers, name, n, sources)


def _quote(x):
    from plait.graph.core import quote

    return quote(x)


def call_partition(func, args, kwargs, index):
    """``func(*args, **kwargs)`` as a new partition (an iterable)."""
    out = func(*args, **kwargs)
    try:
        return iter(out)
    except TypeError:
        raise TypeError(f"map_partitions: {funcname(func)} returned "
                        f"{type(out).__name__} for partition {index}; it must return "
                        f"an iterable (the new partition)") from None


def _check_partitions(bags, what):
    counts = {b.npartitions for b in bags}
    if len(counts) > 1:
        detail = ", ".join(f"{b!r}" for b in bags)
        raise ValueError(f"{what}: the bags must have the same number of partitions, "
                         f"got {detail}; repartition one of them")
