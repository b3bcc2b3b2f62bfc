"""Element-wise steps: picklable callables ``step(seq, index, extras) -> iterator``.

A step is built once, when the graph is built, and applied inside each
partition's task. ``index`` is the partition number; ``extras`` holds the
computed values of Items/Delayed objects the bag's steps read, addressed by
``Slot(k)``. ``streaming`` says whether a step hands on elements one by one
in order (so a failure can be traced to the input line being processed).
"""
from __future__ import annotations

import random
from itertools import chain, filterfalse, islice, repeat, starmap
from operator import itemgetter

from plait.bag.partition import no_default


class Slot:
    """The ``k``-th extra value of the task (a computed Item or Delayed)."""

    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def __reduce__(self):
        return (Slot, (self.k,))

    def __plait_tokenize__(self):
        return ("Slot", self.k)

    def __repr__(self):
        return f"Slot({self.k})"


class Elem:
    """The element itself (``j is None``) or its ``j``-th field (zipped bags)."""

    __slots__ = ("j",)

    def __init__(self, j=None):
        self.j = j

    def __reduce__(self):
        return (Elem, (self.j,))

    def __plait_tokenize__(self):
        return ("Elem", self.j)

    def __repr__(self):
        return f"Elem({self.j})"


def fill(x, extras):
    """``x`` with a Slot replaced by its value."""
    return extras[x.k] if type(x) is Slot else x


class Step:
    streaming = True

    def __repr__(self):
        name = getattr(self.func, "__name__", type(self.func).__name__)
        return f"{type(self).__name__}({name})"

    def __reduce__(self):
        return (type(self), self._args())

    def __plait_tokenize__(self):
        return (type(self).__name__, self._args())


class Map(Step):
    """``func`` applied to each element; ``args``/``kwargs`` may hold ``Elem``
    (a zipped field or the element) and ``Slot`` markers.

    >>> list(Map(divmod, (Elem(), 3))(iter([7, 8]), 0, []))
    [(2, 1), (2, 2)]
    """

    def __init__(self, func, args=None, kwargs=None):
        self.func = func
        self.args = (Elem(),) if args is None else tuple(args)
        self.kwargs = dict(kwargs or {})

    def _args(self):
        return (self.func, self.args, self.kwargs)

    def __call__(self, seq, index, extras):
        func = self.func
        args = [fill(a, extras) for a in self.args]
        kwargs = {k: fill(v, extras) for k, v in self.kwargs.items()}
        fields = [a.j if type(a) is Elem else "value" for a in args]
        if not kwargs and fields == [None]:
            return map(func, seq)  # the common case, at C speed
        if not kwargs and fields == list(range(len(args))):
            return starmap(func, seq)
        if not kwargs and fields and fields[0] is None \
                and all(f == "value" for f in fields[1:]):
            return map(func, seq, *[repeat(a) for a in args[1:]])
        return (func(*[_pick(a, x) for a in args],
                     **{k: _pick(v, x) for k, v in kwargs.items()}) for x in seq)


def _pick(a, x):
    if type(a) is not Elem:
        return a
    return x if a.j is None else x[a.j]


class Starmap(Step):
    """``func(*element, **kwargs)`` for each element.

    >>> list(Starmap(pow)(iter([(2, 3)]), 0, []))
    [8]
    """

    def __init__(self, func, kwargs=None):
        self.func = func
        self.kwargs = dict(kwargs or {})

    def _args(self):
        return (self.func, self.kwargs)

    def __call__(self, seq, index, extras):
        if not self.kwargs:
            return starmap(self.func, seq)
        func = self.func
        kwargs = {k: fill(v, extras) for k, v in self.kwargs.items()}
        return (func(*x, **kwargs) for x in seq)


class Filter(Step):
    """The elements for which ``func`` is true (false with ``keep=False``).

    >>> list(Filter(bool, keep=False)(iter([0, 1, 2]), 0, []))
    [0]
    """

    def __init__(self, func, keep=True):
        self.func = func
        self.keep = keep

    def _args(self):
        return (self.func, self.keep)

    def __call__(self, seq, index, extras):
        return (filter if self.keep else filterfalse)(self.func, seq)


class Pluck(Step):
    """``element[key]`` (a list of keys gives tuples), or ``default`` if missing.

    >>> list(Pluck('a')(iter([{'a': 1}]), 0, []))
    [1]
    >>> list(Pluck(['a', 'b'], default=0)(iter([{'a': 1}]), 0, []))
    [(1, 0)]
    """

    def __init__(self, key, default=no_default):
        self.key = key
        self.default = default
        self.func = itemgetter(*key) if isinstance(key, list) else itemgetter(key)

    def _args(self):
        return (self.key, self.default)

    def __repr__(self):
        return f"Pluck({self.key!r})"

    def __call__(self, seq, index, extras):
        if self.default is no_default:
            return map(self.func, seq)
        if isinstance(self.key, list):
            return (tuple(_get(x, k, self.default) for k in self.key) for x in seq)
        return (_get(x, self.key, self.default) for x in seq)


def _get(x, key, default):
    try:
        return x[key]
    except (KeyError, IndexError):
        return default


class Flatten(Step):
    """The elements of each element (one level).

    >>> list(Flatten()(iter([[1, 2], [3]]), 0, []))
    [1, 2, 3]
    """

    func = chain

    def _args(self):
        return ()

    def __repr__(self):
        return "Flatten()"

    def __call__(self, seq, index, extras):
        return chain.from_iterable(seq)


class Partitionwise(Step):
    """``func(partition_as_list, *args, **kwargs)``: the new partition.

    >>> list(Partitionwise(sorted)(iter([3, 1]), 0, []))
    [1, 3]
    """

    streaming = False

    def __init__(self, func, args=(), kwargs=None):
        self.func = func
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def _args(self):
        return (self.func, self.args, self.kwargs)

    def __call__(self, seq, index, extras):
        args = [fill(a, extras) for a in self.args]
        kwargs = {k: fill(v, extras) for k, v in self.kwargs.items()}
        out = self.func(list(seq), *args, **kwargs)
        try:
            return iter(out)
        except TypeError:
            name = getattr(self.func, "__name__", repr(self.func))
            raise TypeError(f"map_partitions: {name} returned {type(out).__name__} "
                            f"for partition {index}; it must return an iterable "
                            f"(the new partition)") from None


class Sample(Step):
    """Each element with probability ``prob``; partition ``i`` draws from a
    generator seeded with ``seeds[i]``.

    >>> len(list(Sample(1.0, [0])(iter(range(5)), 0, [])))
    5
    """

    def __init__(self, prob, seeds):
        self.prob = prob
        self.seeds = list(seeds)

    def _args(self):
        return (self.prob, self.seeds)

    def __repr__(self):
        return f"Sample({self.prob})"

    def __call__(self, seq, index, extras):
        draw = random.Random(self.seeds[index]).random
        prob = self.prob
        return (x for x in seq if draw() < prob)


class Take(Step):
    """At most the first ``k`` elements.

    >>> list(Take(2)(iter('abc'), 0, []))
    ['a', 'b']
    """

    def __init__(self, k):
        self.k = k

    def _args(self):
        return (self.k,)

    def __repr__(self):
        return f"Take({self.k})"

    def __call__(self, seq, index, extras):
        return islice(seq, self.k)


class Join(Step):
    """``(other_element, element)`` for each pair whose keys match.

    ``other`` is an in-memory iterable or a ``Slot``.

    >>> list(Join(len, len, ['xy', 'z'])(iter(['ab']), 0, []))
    [('xy', 'ab')]
    """

    def __init__(self, on_self, on_other, other):
        self.on_self = on_self
        self.on_other = on_other
        self.other = other
        self.func = on_self

    def _args(self):
        return (self.on_self, self.on_other, self.other)

    def __call__(self, seq, index, extras):
        index_ = {}
        on_other = self.on_other
        for y in fill(self.other, extras):
            index_.setdefault(on_other(y), []).append(y)
        on_self = self.on_self
        return ((y, x) for x in seq for y in index_.get(on_self(x), ()))
