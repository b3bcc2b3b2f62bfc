"""``Item``: one lazy value made from a bag (``count()``, ``sum()``...)."""
from __future__ import annotations

import operator

from plait.bag.collection import Collection, flatten_layers, funcname, merge_layers
from plait.bag.collection import new_name
from plait.graph.core import quote
from plait.graph.optimize import key_split


class Item(Collection):
    """A single lazy value, such as the result of ``bag.count()``.

    Arithmetic and comparisons with numbers, other Items or Delayed values
    build new Items; ``apply(func)`` calls a function on the value.

    >>> import plait.bag as pb
    >>> b = pb.from_sequence([1, 2, 3, 4])
    >>> mean = b.sum() / b.count()
    >>> mean
    plait.bag.Item<truediv>
    >>> mean.compute(scheduler='sync')
    2.5
    """

    def __init__(self, layers, key):
        self.layers = layers
        self.key = key

    @property
    def name(self):
        return self.key[0] if type(self.key) is tuple else self.key

    def __plait_graph__(self):
        return flatten_layers(self.layers)

    def __plait_keys__(self):
        return [self.key]

    def __plait_postcompute__(self):
        return first, ()

    def __plait_postpersist__(self):
        return rebuild_item, (self.key,)

    def __repr__(self):
        return f"plait.bag.Item<{key_split(self.name)}>"

    def apply(self, func, *args, **kwargs):
        """An Item holding ``func(value, *args, **kwargs)``.

        >>> import plait.bag as pb
        >>> pb.from_sequence([1, 2]).sum().apply(str).compute(scheduler='sync')
        '3'
        """
        return _call(f"apply-{funcname(func)}", func, self, *args, **kwargs)

    def to_delayed(self, optimize_graph=True):
        """A ``plait.delayed.Delayed`` for this value.

        >>> import plait.bag as pb
        >>> d = pb.from_sequence([1, 2]).count().to_delayed()
        >>> (d + 1).compute(scheduler='sync')
        3
        """
        from plait.delayed import Delayed

        dsk = self.__plait_graph__()
        if optimize_graph:
            dsk = self.__plait_optimize__(dsk, [self.key])
        return Delayed(self.key, dsk)

    def __bool__(self):
        raise TypeError("the truth of a lazy Item is unknown until computed; "
                        "use bool(item.compute())")


def first(results):
    """The single value of a computed Item."""
    return results[0]


def rebuild_item(values, key):
    """An Item holding its computed value."""
    return Item({key[0] if type(key) is tuple else key: {key: quote(values[key])}}, key)


def _call(label, func, *args, **kwargs):
    """An Item computing ``func(*args, **kwargs)``; Items and Delayed among
    the arguments are computed first."""
    from plait.bag.core import graph_of, is_single_value, key_of

    layers, task_args = {}, []
    for a in args:
        if is_single_value(a):
            layers = merge_layers(layers, graph_of(a))
            task_args.append(key_of(a))
        else:
            task_args.append(quote(a))
    name = new_name(label, func, [getattr(a, "name", a) for a in args], kwargs)
    if kwargs:
        task = (_apply_kwargs, func, list(task_args), quote(kwargs))
    else:
        task = (func, *task_args)
    return Item(merge_layers(layers, {name: {(name, 0): task}}), (name, 0))


def _apply_kwargs(func, args, kwargs):
    return func(*args, **kwargs)


def _binary(op):
    def method(self, other):
        return _call(op.__name__.strip("_"), op, self, other)

    def reflected(self, other):
        return _call(op.__name__.strip("_"), op, other, self)

    method.__name__ = f"__{op.__name__.strip('_')}__"
    return method, reflected


for _op in (operator.add, operator.sub, operator.mul, operator.truediv,
            operator.floordiv, operator.mod, operator.pow):
    _m, _r = _binary(_op)
    setattr(Item, f"__{_op.__name__.strip('_')}__", _m)
    setattr(Item, f"__r{_op.__name__.strip('_')}__", _r)

for _op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne):
    setattr(Item, f"__{_op.__name__}__", _binary(_op)[0])

Item.__hash__ = Collection.__hash__


def _unary(op):
    def method(self):
        return _call(op.__name__.strip("_"), op, self)
    return method


for _op in (operator.neg, operator.pos, abs):
    setattr(Item, f"__{_op.__name__.strip('_')}__", _unary(_op))
