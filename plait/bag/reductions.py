"""Reductions: one task per partition, then a tree of aggregations.

``tree`` builds them all: each partition task streams its elements into
``perpartition``; partial results are combined ``split_every`` at a time
(default 8) by ``aggregate``, level by level, so no task ever holds more
than ``split_every`` partials and memory stays flat however many partitions
there are. Empty partitions give ``NO_RESULT``, which aggregations skip;
when every partition is empty, the top task runs ``perpartition`` on no
elements, so ``count`` gives 0 and ``max`` raises ``max()``'s own error.
"""
from __future__ import annotations

import heapq
from collections import Counter
from functools import partial, reduce
from operator import itemgetter

from plait.bag.collection import merge_layers, new_name
from plait.bag.item import Item
from plait.bag.partition import NO_RESULT, aggregate_safe, empty_safe, no_default

SPLIT_EVERY = 8


def tree(bag, perpartition, aggregate, finalize, split_every, label, out_type):
    """An Item (or one-partition Bag) reducing ``bag`` through a tree.

    ``finalize`` (optional) turns the top aggregate into the result.
    """
    from plait.bag.core import Bag

    split_every = _check_split_every(split_every, bag.npartitions)
    name = new_name(label, bag.name, perpartition, aggregate, finalize, split_every)
    part = f"{label}-part-{name.rsplit('-', 1)[1]}"
    safe = empty_safe(perpartition)
    layer = {(part, i): bag.task(i, safe) for i in range(bag.npartitions)}
    keys = [(part, i) for i in range(bag.npartitions)]
    combine = partial(aggregate_safe, aggregate)
    depth = 0
    while len(keys) > split_every:
        level = f"{label}-aggregate{depth}-{name.rsplit('-', 1)[1]}"
        groups = [keys[j:j + split_every] for j in range(0, len(keys), split_every)]
        for j, group in enumerate(groups):
            layer[(level, j)] = (combine, group)
        keys = [(level, j) for j in range(len(groups))]
        depth += 1
    top = partial(_top, perpartition, aggregate, finalize, out_type is Bag)
    layer[(name, 0)] = (top, keys)
    layers = merge_layers(bag.layers, {name: layer})
    if out_type is Bag:
        return Bag(layers, name, 1)
    return Item(layers, (name, 0))


def _check_split_every(split_every, npartitions):
    if split_every is None:
        return SPLIT_EVERY
    if split_every is False:
        return max(npartitions, 2)
    if not isinstance(split_every, int) or split_every < 2:
        raise ValueError(f"split_every must be an integer >= 2 (or False for one "
                         f"aggregation over every partition), got {split_every!r}")
    return split_every


def _top(perpartition, aggregate, finalize, as_list, parts):
    parts = [p for p in parts if p is not NO_RESULT]
    out = aggregate(parts or [perpartition(iter(()))])
    if finalize is not None:
        out = finalize(out)
    return list(out) if as_list else out


def getter(key):
    """``key`` if callable, else a function taking ``element[key]``."""
    return key if callable(key) else itemgetter(key)


class Reductions:
    """Bag methods that reduce partitions to a value (mixed into ``Bag``)."""

    def reduction(self, perpartition, aggregate, split_every=None, out_type=Item,
                  name=None):
        """Reduce with ``perpartition(elements)`` then ``aggregate(partials)``
        over a tree of at most ``split_every`` (default 8) inputs per task.

        ``perpartition`` gets each partition as a list; ``aggregate`` gets a
        list of partial results at every level of the tree, so it must
        accept its own output. ``out_type`` is ``Item`` (default) or ``Bag``
        (one partition).

        >>> import plait.bag as pb
        >>> b = pb.from_sequence(range(10), npartitions=5)
        >>> b.reduction(sum, sum, split_every=2).compute(scheduler='sync')
        45
        """
        from plait.bag.collection import funcname

        return tree(self, partial(on_list, perpartition), aggregate, None, split_every,
                    name or funcname(perpartition), out_type)

    def fold(self, binop, combine=None, initial=no_default, split_every=None,
             out_type=Item):
        """Fold elements with ``binop(total, element)`` in each partition, then
        the partials with ``combine(total, partial)`` (default ``binop``);
        ``initial`` starts every fold.

        >>> import plait.bag as pb
        >>> from operator import add
        >>> b = pb.from_sequence(range(5), npartitions=2)
        >>> b.fold(add).compute(scheduler='sync')
        10
        >>> b.fold(lambda acc, x: acc + [x], add, initial=[]).compute(scheduler='sync')
        [0, 1, 2, 3, 4]
        """
        combine = binop if combine is None else combine
        if initial is no_default:
            per, agg = partial(reduce, binop), partial(reduce, combine)
        else:
            per = partial(_fold_initial, binop, initial)
            agg = partial(_fold_initial, combine, initial)
        return tree(self, per, agg, None, split_every, "fold", out_type)

    def count(self, split_every=None):
        """The number of elements.

        >>> import plait.bag as pb
        >>> pb.from_sequence('abc').count().compute(scheduler='sync')
        3
        """
        return tree(self, count_elements, sum, None, split_every, "count", Item)

    def sum(self, split_every=None):
        """The sum of the elements.

        >>> import plait.bag as pb
        >>> pb.from_sequence([1, 2, 3]).sum().compute(scheduler='sync')
        6
        """
        return tree(self, sum, sum, None, split_every, "sum", Item)

    def min(self, split_every=None):
        """The smallest element.

        >>> import plait.bag as pb
        >>> pb.from_sequence([3, 1, 2]).min().compute(scheduler='sync')
        1
        """
        return tree(self, min, min, None, split_every, "min", Item)

    def max(self, split_every=None):
        """The largest element.

        >>> import plait.bag as pb
        >>> pb.from_sequence([3, 1, 2]).max().compute(scheduler='sync')
        3
        """
        return tree(self, max, max, None, split_every, "max", Item)

    def any(self, split_every=None):
        """Is any element true?

        >>> import plait.bag as pb
        >>> pb.from_sequence([0, 0, 1]).any().compute(scheduler='sync')
        True
        """
        return tree(self, any, any, None, split_every, "any", Item)

    def all(self, split_every=None):
        """Is every element true?

        >>> import plait.bag as pb
        >>> pb.from_sequence([0, 0, 1]).all().compute(scheduler='sync')
        False
        """
        return tree(self, all, all, None, split_every, "all", Item)

    def mean(self, split_every=None):
        """The arithmetic mean of the elements.

        >>> import plait.bag as pb
        >>> pb.from_sequence([1, 2, 3, 4]).mean().compute(scheduler='sync')
        2.5
        """
        return tree(self, moments, merge_moments, mean_of, split_every, "mean", Item)

    def var(self, ddof=0, split_every=None):
        """The variance of the elements (``ddof`` as in numpy).

        >>> import plait.bag as pb
        >>> pb.from_sequence([1, 2, 3, 4]).var().compute(scheduler='sync')
        1.25
        """
        return tree(self, moments, merge_moments, partial(var_of, ddof), split_every,
                    "var", Item)

    def std(self, ddof=0, split_every=None):
        """The standard deviation of the elements.

        >>> import plait.bag as pb
        >>> pb.from_sequence([1, 3]).std().compute(scheduler='sync')
        1.0
        """
        return self.var(ddof=ddof, split_every=split_every).apply(_sqrt)

    def frequencies(self, split_every=None, sort=False):
        """``(element, count)`` pairs; with ``sort``, most frequent first.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence(['a', 'b', 'a'], npartitions=2)
        >>> b.frequencies(sort=True).compute(scheduler='sync')
        [('a', 2), ('b', 1)]
        """
        finalize = _sorted_items if sort else _items
        return tree(self, Counter, merge_counts, finalize, split_every, "frequencies",
                    _bag_type())

    def topk(self, k, key=None, split_every=None):
        """The ``k`` largest elements, largest first (by ``key``: a function or
        an index/field name).

        >>> import plait.bag as pb
        >>> pb.from_sequence([5, 1, 9, 3], npartitions=2).topk(2).compute(scheduler='sync')
        [9, 5]
        >>> b = pb.from_sequence([('a', 1), ('b', 7)])
        >>> b.topk(1, key=1).compute(scheduler='sync')
        [('b', 7)]
        """
        key = None if key is None else getter(key)
        part = partial(_nlargest, k, key)
        return tree(self, part, partial(_nlargest_of, k, key), None, split_every,
                    "topk", _bag_type())

    def distinct(self, key=None, split_every=None):
        """The distinct elements (by ``key`` if given), in order of first
        appearance.

        >>> import plait.bag as pb
        >>> pb.from_sequence(['a', 'b', 'a', 'c'], npartitions=2).distinct().compute(scheduler='sync')
        ['a', 'b', 'c']
        """
        key = None if key is None else getter(key)
        finalize = list if key is None else _values
        return tree(self, partial(_first_by, key), _merge_first, finalize, split_every,
                    "distinct", _bag_type())


def on_list(func, seq):
    """``func`` of the elements as a list."""
    return func(list(seq))


def _bag_type():
    from plait.bag.core import Bag

    return Bag


def _fold_initial(binop, initial, seq):
    return reduce(binop, seq, initial() if callable(initial) else initial)


def count_elements(seq):
    """How many elements ``seq`` has (consuming it).

    >>> count_elements(iter('abc'))
    3
    """
    n = 0
    for n, _ in enumerate(seq, 1):
        pass
    return n


def moments(seq):
    """``(count, mean, sum of squared deviations)`` of the elements."""
    xs = list(seq)
    n = len(xs)
    if n == 0:
        return (0, 0.0, 0.0)
    mean = sum(xs) / n
    return (n, mean, sum((x - mean) ** 2 for x in xs))


def merge_moments(parts):
    """Moments of the union of groups (Chan et al.'s pairwise update)."""
    n, mean, m2 = 0, 0.0, 0.0
    for nb, mb, m2b in parts:
        if nb == 0:
            continue
        total = n + nb
        delta = mb - mean
        mean += delta * nb / total
        m2 += m2b + delta * delta * n * nb / total
        n = total
    return (n, mean, m2)


def mean_of(m):
    if m[0] == 0:
        raise ValueError("mean() of an empty bag")
    return m[1]


def var_of(ddof, m):
    n = m[0]
    if n - ddof <= 0:
        raise ValueError(f"var() needs more than ddof={ddof} elements, the bag has {n}")
    return m[2] / (n - ddof)


def _sqrt(x):
    return x ** 0.5


def merge_counts(parts):
    """The sum of several ``Counter``s."""
    total = Counter()
    for c in parts:
        total.update(c)
    return total


def _items(counts):
    return list(counts.items())


def _sorted_items(counts):
    return sorted(counts.items(), key=itemgetter(1), reverse=True)


def _nlargest(k, key, seq):
    return heapq.nlargest(k, seq, key=key)


def _nlargest_of(k, key, parts):
    return heapq.nlargest(k, (x for p in parts for x in p), key=key)


def _first_by(key, seq):
    if key is None:
        return dict.fromkeys(seq)
    out = {}
    for x in seq:
        out.setdefault(key(x), x)
    return out


def _merge_first(parts):
    out = {}
    for p in parts:
        for k, v in p.items():
            out.setdefault(k, v)
    return out


def _values(d):
    return list(d.values())
