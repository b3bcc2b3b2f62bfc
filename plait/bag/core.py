"""``Bag``: a parallel list of Python objects, split into partitions.

A bag is its graph *layers* (name -> graph dict of what it depends on) plus,
for each partition, a *source* (a key of those layers, a literal such as a
``range``, or a ``Source`` read inside the task) and the *steps* applied to
it. Element-wise methods (``map``, ``filter``, ``pluck``...) only add a step:
they build no tasks. The partition tasks are made when a bag is computed or
consumed (by a reduction, a shuffle, a writer), so a whole pipeline runs as
ONE task per partition that streams elements from source to consumer.

A bag whose sources are its own keys is *materialised* (``from_sequence``,
``persist``, ``groupby``): its layers hold the partitions.

Trade-off: nothing is held between steps, so two consumers of one lazy bag
in the same computation (``plait.compute(b.count(), b.sum())``) each run its
pipeline; ``persist()`` a bag that is expensive to make and used often.
"""
from __future__ import annotations

from itertools import chain

from plait.bag.collection import Collection, flatten_layers, funcname, merge_layers
from plait.bag.collection import new_name
from plait.bag.combine import Reshaping
from plait.bag.convert import Conversions
from plait.bag.groupby import Grouping
from plait.bag.item import Item
from plait.bag.partition import Job, Pipeline, Source, no_default, run
from plait.bag.reductions import Reductions
from plait.bag.steps import Elem, Filter, Flatten, Map, Partitionwise, Pluck, Sample
from plait.bag.steps import Slot, Starmap
from plait.graph.core import quote
from plait.graph.optimize import key_split


class Bag(Reductions, Grouping, Reshaping, Conversions, Collection):
    """A parallel list of Python objects in ``npartitions`` partitions.

    Make bags with ``from_sequence``, ``read_text``, ``range`` or
    ``from_delayed``. Operations are lazy; ``compute()`` returns a list. The
    default scheduler is processes (pure-Python work holds the GIL).

    >>> import plait.bag as pb
    >>> b = pb.from_sequence(range(6), npartitions=2)
    >>> b
    plait.bag<from-sequence, npartitions=2>
    >>> b.map(lambda x: x * 10).filter(lambda x: x > 10).compute(scheduler='sync')
    [20, 30, 40, 50]
    """

    def __init__(self, layers, name, npartitions, sources=None, steps=(), extras=()):
        self.layers = layers
        self.name = name
        self.npartitions = npartitions
        self.sources = sources
        self.steps = tuple(steps)
        self.extras = tuple(extras)

    # -- structure ---------------------------------------------------------
    @property
    def materialised(self):
        """Are the partitions keys of the bag's own layers?"""
        return self.sources is None

    def _source(self, i):
        return (self.name, i) if self.sources is None else self.sources[i]

    def task(self, i, func, *args):
        """The task that runs ``func(partition i's elements, *args)``.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence([1, 2, 3], npartitions=1).map(abs)
        >>> b.task(0, sum)[0].__name__
        'run'
        """
        job = Job(Pipeline(self.steps), i, func, args)
        return (run, job, self._source(i), list(self.extras))

    def partition(self, i):
        """A computation of partition ``i``'s elements, to nest in a task:
        a key (a materialised list) or a task returning an iterator."""
        if self.materialised:
            return (self.name, i)
        src = self.sources[i]
        if not self.steps and not isinstance(src, Source) and type(src) is not tuple:
            return src
        return self.task(i, iter)

    def own_layer(self):
        """The tasks computing each partition as a list (lazy bags only)."""
        return {(self.name, i): self.task(i, list) for i in range(self.npartitions)}

    def as_materialised(self):
        """This bag with its partitions as keys of its layers."""
        if self.materialised:
            return self
        layers = merge_layers(self.layers, {self.name: self.own_layer()})
        return Bag(layers, self.name, self.npartitions)

    def with_step(self, label, step, args=(), extra_items=()):
        """A new bag: this one with ``step`` added to every partition's pipeline."""
        layers, extras = self.layers, self.extras
        if extra_items:
            layers = merge_layers(layers, *[graph_of(x) for x in extra_items])
            extras = extras + tuple(key_of(x) for x in extra_items)
        sources = [self._source(i) for i in range(self.npartitions)]
        name = new_name(label, self.name, step, args, extras)
        return Bag(layers, name, self.npartitions, sources, self.steps + (step,), extras)

    # -- the collection protocol -------------------------------------------
    def __plait_graph__(self):
        dsk = flatten_layers(self.layers)
        if not self.materialised:
            dsk.update(self.own_layer())
        return dsk

    def __plait_keys__(self):
        return [(self.name, i) for i in range(self.npartitions)]

    def __plait_postcompute__(self):
        return finalize_bag, ()

    def __plait_postpersist__(self):
        return rebuild_bag, (self.name, self.npartitions)

    def __repr__(self):
        return f"plait.bag<{key_split(self.name)}, npartitions={self.npartitions}>"

    def __iter__(self):
        return iter(self.compute())

    def __len__(self):
        raise TypeError("len() of a lazy bag is unknown; use bag.count().compute()")

    # -- element-wise ------------------------------------------------------
    def map(self, func, *args, **kwargs):
        """Apply ``func`` to each element.

        Other bags among ``args``/``kwargs`` (same number of partitions) are
        zipped with this one element by element; Items and Delayed values are
        computed and passed whole; anything else is passed as is.

        >>> import plait.bag as pb
        >>> a = pb.from_sequence([1, 2, 3], npartitions=2)
        >>> a.map(lambda x, y, z: x + y + z, a, z=100).compute(scheduler='sync')
        [102, 104, 106]
        """
        return map_bags(func, self, *args, **kwargs)

    def starmap(self, func, **kwargs):
        """Apply ``func(*element, **kwargs)`` to each element (a tuple).

        >>> import plait.bag as pb
        >>> pb.from_sequence([(1, 2), (3, 4)]).starmap(max).compute(scheduler='sync')
        [2, 4]
        """
        kwargs, items = slots_for(kwargs, len(self.extras))
        return self.with_step(f"starmap-{funcname(func)}", Starmap(func, kwargs),
                              extra_items=items)

    def filter(self, predicate):
        """The elements for which ``predicate`` is true.

        >>> import plait.bag as pb
        >>> pb.from_sequence(range(5)).filter(lambda x: x % 2).compute(scheduler='sync')
        [1, 3]
        """
        return self.with_step(f"filter-{funcname(predicate)}", Filter(predicate))

    def remove(self, predicate):
        """The elements for which ``predicate`` is false.

        >>> import plait.bag as pb
        >>> pb.from_sequence(range(5)).remove(lambda x: x % 2).compute(scheduler='sync')
        [0, 2, 4]
        """
        return self.with_step(f"remove-{funcname(predicate)}", Filter(predicate, False))

    def pluck(self, key, default=no_default):
        """``element[key]`` for each element; ``key`` may be a list of keys
        (giving tuples); ``default`` fills missing keys.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence([{'name': 'alice', 'n': 1}, {'name': 'bob'}])
        >>> b.pluck('name').compute(scheduler='sync')
        ['alice', 'bob']
        >>> b.pluck('n', default=0).compute(scheduler='sync')
        [1, 0]
        """
        return self.with_step("pluck", Pluck(key, default), args=(key,))

    def flatten(self):
        """The elements of the elements (one level).

        >>> import plait.bag as pb
        >>> pb.from_sequence([[1, 2], [3]]).flatten().compute(scheduler='sync')
        [1, 2, 3]
        """
        return self.with_step("flatten", Flatten())

    def map_partitions(self, func, *args, **kwargs):
        """``func(partition, *args, **kwargs)`` for each partition (a list);
        it returns the new partition (any iterable). Bags among the arguments
        are passed partition by partition; Items and Delayed whole.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence([3, 1, 2, 0], npartitions=2)
        >>> b.map_partitions(sorted).compute(scheduler='sync')
        [1, 3, 0, 2]
        """
        return map_partitions(func, self, *args, **kwargs)

    def random_sample(self, prob, random_state=None):
        """Each element with probability ``prob`` (reproducible with an int
        ``random_state``).

        >>> import plait.bag as pb
        >>> b = pb.from_sequence(range(100), npartitions=4)
        >>> s = b.random_sample(0.2, random_state=0).compute(scheduler='sync')
        >>> s == b.random_sample(0.2, random_state=0).compute(scheduler='sync')
        True
        """
        import random

        if not 0 <= prob <= 1:
            raise ValueError(f"random_sample: prob must be between 0 and 1, got {prob!r}")
        if not isinstance(random_state, random.Random):
            random_state = random.Random(random_state)
        seeds = [random_state.getrandbits(64) for _ in range(self.npartitions)]
        return self.with_step("random-sample", Sample(prob, seeds))

    @property
    def str(self):
        """String methods applied to each element: ``b.str.lower()``, ...

        >>> import plait.bag as pb
        >>> pb.from_sequence([' A ', 'b']).str.strip().str.upper().compute(scheduler='sync')
        ['A', 'B']
        """
        from plait.bag.text import StringAccessor

        return StringAccessor(self)


def finalize_bag(results):
    """The computed partitions as one list."""
    return list(chain.from_iterable(results))


def rebuild_bag(values, name, npartitions):
    """A materialised bag holding computed partitions ``{key: list}``."""
    layer = {k: quote(v) for k, v in values.items()}
    return Bag({name: layer}, name, npartitions)


# -- values from other collections ---------------------------------------------
def graph_of(x):
    """The layers an Item, Bag or Delayed argument brings."""
    if isinstance(x, (Item, Bag)):
        return x.layers if not isinstance(x, Bag) else x.as_materialised().layers
    return {f"graph-{key_of(x)}": x.__plait_graph__()}


def key_of(x):
    """The key whose value an Item or Delayed argument stands for."""
    if isinstance(x, Item):
        return x.key
    keys = x.__plait_keys__()
    if isinstance(keys, list):
        if len(keys) != 1:
            raise TypeError(f"expected a single value, got a collection with "
                            f"{len(keys)} pieces: {x!r}")
        return keys[0]
    return keys


def is_single_value(x):
    """Is ``x`` an Item or another collection with one piece (a Delayed)?"""
    from plait.base import is_plait_collection

    return isinstance(x, Item) or (is_plait_collection(x) and not isinstance(x, Bag))


def slots_for(kwargs, start):
    """``kwargs`` with single-value collections replaced by Slots, and them."""
    items, out = [], {}
    for k, v in kwargs.items():
        if is_single_value(v):
            out[k] = Slot(start + len(items))
            items.append(v)
        else:
            out[k] = v
    return out, items


def map_bags(func, *args, **kwargs):
    """``func`` over the elements of the bags in ``args``/``kwargs``, zipped.

    >>> import plait.bag as pb
    >>> a = pb.from_sequence([1, 2], npartitions=2)
    >>> map_bags(max, a, 0, a.map(lambda x: -x * 5)).compute(scheduler='sync')
    [1, 2]
    """
    from plait.bag.combine import zip_bags

    bags = [a for a in chain(args, kwargs.values()) if isinstance(a, Bag)]
    if not bags:
        raise TypeError("map needs at least one bag among its arguments")
    base = bags[0] if len(bags) == 1 else zip_bags(*bags, label="map-zip")
    fields = {id(b): Elem(None if len(bags) == 1 else j) for j, b in enumerate(bags)}
    items = []

    def template(a):
        if isinstance(a, Bag):
            return fields[id(a)]
        if is_single_value(a):
            items.append(a)
            return Slot(len(base.extras) + len(items) - 1)
        return a

    targs = [template(a) for a in args]
    tkwargs = {k: template(v) for k, v in kwargs.items()}
    return base.with_step(f"map-{funcname(func)}", Map(func, targs, tkwargs),
                          args=(args, kwargs), extra_items=items)


def map_partitions(func, *args, **kwargs):
    """``func(partition, ...)`` for each partition of the bags among the
    arguments (the first bag's partition first); see ``Bag.map_partitions``.

    >>> import plait.bag as pb
    >>> a = pb.from_sequence([1, 2, 3], npartitions=2)
    >>> map_partitions(lambda part, k: [len(part) * k], a, 10).compute(scheduler='sync')
    [20, 10]
    """
    from plait.bag.combine import map_partitions_many

    bags = [a for a in chain(args, kwargs.values()) if isinstance(a, Bag)]
    if not bags:
        raise TypeError("map_partitions needs at least one bag among its arguments")
    if len(bags) > 1 or not args or not isinstance(args[0], Bag):
        return map_partitions_many(func, args, kwargs)
    bag = args[0]
    rest, items = [], []
    for a in args[1:]:
        if is_single_value(a):
            rest.append(Slot(len(bag.extras) + len(items)))
            items.append(a)
        else:
            rest.append(a)
    kw, kw_items = slots_for(kwargs, len(bag.extras) + len(items))
    step = Partitionwise(func, rest, kw)
    return bag.with_step(f"map-partitions-{funcname(func)}", step, args=(args, kwargs),
                         extra_items=items + kw_items)
