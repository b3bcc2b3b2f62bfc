"""Expressions: the lazy plan behind every dataframe collection.

A collection holds one ``Expr``. An expression knows its ``_meta`` (an empty
pandas object with the right columns and dtypes), its ``divisions`` and its
operands; other expressions among the operands are its dependencies. Nothing
is turned into a task graph until a collection is computed: then
``plait.dataframe.optimize.lower`` rewrites the plan (partition selection,
column projection, predicate pushdown) and emits a graph in which each chain
of partition-wise (``Blockwise``) steps is one task per partition.

Kinds of expressions:

* ``Blockwise``: partition ``i`` is ``func(*args_i, **kwargs)`` where each
  argument is an aligned expression (its partition ``i``), a ``Broadcast``
  expression (its only partition, for every ``i``), a ``PerPartition`` list
  (its element ``i``) or a literal;
* ``Partitions``: a selection of another expression's partitions;
* ``Layer``: any other graph layer (tree reductions, shuffles, persisted
  values), built by its ``_layer`` method from its dependencies' keys.
"""
from __future__ import annotations

import abc

import copy
from functools import cached_property

from plait.tokenize import tokenize


class Expr:
    """A node of a dataframe plan; see the module docstring."""

    prefix = "expr"

    def __init__(self, operands, meta, divisions):
        self.operands = tuple(operands)
        self._meta = meta
        self.divisions = tuple(divisions)

    @property
    def npartitions(self):
        return len(self.divisions) - 1

    @cached_property
    def _name(self):
        parts = [o._name if isinstance(o, Expr) else _token_of(o) for o in self.operands]
        return f"{self.prefix}-{tokenize(type(self).__name__, *parts)}"

    def dependencies(self):
        """The expressions this one reads, in operand order, without repeats.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> (df.a + df.b).expr.dependencies()[0]._name == df.a.expr._name
        True
        """
        out = {}
        for o in self.operands:
            for e in _exprs_in(o):
                out[id(e)] = e
        return list(out.values())

    def substitute(self, mapping):
        """A copy with dependencies replaced by ``mapping[id(old)]``.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> other = pdd.from_pandas(pd.DataFrame({'a': [9]}), npartitions=1)
        >>> e = df.a.expr.substitute({id(df.expr): other.expr})
        >>> e.dependencies()[0] is other.expr
        True
        """
        new = [_subs(o, mapping) for o in self.operands]
        if all(a is b for a, b in zip(new, self.operands)):
            return self
        clone = copy.copy(self)
        clone.operands = tuple(new)
        clone.__dict__.pop("_name", None)
        return clone

    def keys(self):
        """The keys of its partitions.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> len(df.expr.keys())
        2
        """
        return [(self._name, i) for i in range(self.npartitions)]

    def __repr__(self):
        return f"<{type(self).__name__} {self._name} npartitions={self.npartitions}>"


class PerPartition:
    """A Blockwise argument that is a different literal for each partition."""

    def __init__(self, values):
        self.values = list(values)

    def __plait_tokenize__(self):
        return ("PerPartition", tokenize(self.values))

    def __len__(self):
        return len(self.values)


class Broadcast:
    """A Blockwise argument: a one-partition expression used by every partition."""

    def __init__(self, expr):
        if expr.npartitions != 1:
            raise ValueError(f"only a one-partition expression can be broadcast; "
                             f"{expr._name} has {expr.npartitions}")
        self.expr = expr

    def __plait_tokenize__(self):
        return ("Broadcast", self.expr._name)


class Blockwise(Expr):
    """Partition ``i`` is ``func(*args_i, **kwargs)``.

    Subclasses say which columns of their inputs they read (``needs``) so
    that plans can read fewer columns.
    """

    prefix = "blockwise"

    def __init__(self, func, args, kwargs=None, meta=None, divisions=None, prefix=None):
        args = tuple(args)
        if divisions is None:
            divisions = _divisions_of(args)
        super().__init__((func, kwargs or {}, *args), meta, divisions)
        if prefix is not None:
            self.prefix = prefix

    @property
    def func(self):
        return self.operands[0]

    @property
    def kwargs(self):
        return self.operands[1]

    @property
    def args(self):
        return self.operands[2:]

    def needs(self, required):
        """For each dependency, the columns it must provide (None: all),
        given the columns this expression must provide (None: all).

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = df.map_partitions(len).expr
        >>> e.needs(None)[id(df.expr)] is None
        True
        """
        return {id(e): None for e in self.dependencies()}

    def select(self, indices):
        """The same step over only some partitions of its inputs.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> (df.a + 1).expr.select([1]).npartitions
        1
        """
        indices = normalize_indices(self.npartitions, indices)
        args = [_select_arg(a, indices) for a in self.args]
        divisions = _select_divisions(self.divisions, indices)
        clone = copy.copy(self)
        clone.operands = (self.func, self.kwargs, *args)
        clone.divisions = divisions
        clone.__dict__.pop("_name", None)
        return clone


class Partitions(Expr):
    """Partitions ``indices`` of ``frame``, in that order."""

    prefix = "partitions"

    def __init__(self, frame, indices):
        indices = normalize_indices(frame.npartitions, indices)
        super().__init__((frame, tuple(indices)), frame._meta,
                         _select_divisions(frame.divisions, indices))

    def _layer(self):
        frame, indices = self.operands
        return {(self._name, k): (frame._name, i) for k, i in enumerate(indices)}


class Layer(Expr, abc.ABC):
    """An expression whose tasks come from ``_layer()`` (override it)."""

    @abc.abstractmethod
    def _layer(self):
        """The tasks of this expression: {key: task}."""


class FromGraph(Layer):
    """Partitions that are the keys ``keys`` of the graph ``dsk`` (persisted
    values, delayed objects)."""

    prefix = "from-graph"

    def __init__(self, dsk, keys, meta, divisions, name=None):
        self.graph = dict(dsk)
        self.source_keys = list(keys)
        super().__init__((tuple(self.source_keys), name), meta, divisions)

    def _layer(self):
        dsk = dict(self.graph)
        for i, key in enumerate(self.source_keys):
            if key != (self._name, i):
                dsk[(self._name, i)] = key
        return dsk


# ---------------------------------------------------------------- helpers

def _token_of(o):
    if isinstance(o, Broadcast):
        return ("Broadcast", o.expr._name)
    return o


def _exprs_in(o):
    if isinstance(o, Expr):
        return [o]
    if isinstance(o, Broadcast):
        return [o.expr]
    if type(o) in (list, tuple):
        return [e for x in o for e in _exprs_in(x)]
    return []


def _subs(o, mapping):
    if isinstance(o, Expr):
        return mapping.get(id(o), o)
    if isinstance(o, Broadcast):
        new = mapping.get(id(o.expr), o.expr)
        return o if new is o.expr else Broadcast(new)
    if type(o) in (list, tuple):
        new = [_subs(x, mapping) for x in o]
        return o if all(a is b for a, b in zip(new, o)) else type(o)(new)
    return o


def _divisions_of(args):
    for a in args:
        if isinstance(a, Expr):
            return a.divisions
    for a in args:
        if isinstance(a, PerPartition):
            return (None,) * (len(a) + 1)
    raise ValueError("a Blockwise step needs at least one partitioned argument")


def _select_arg(a, indices):
    if isinstance(a, Expr):
        return Partitions(a, indices)
    if isinstance(a, PerPartition):
        return PerPartition([a.values[i] for i in indices])
    return a


def normalize_indices(n, indices):
    """``indices`` as a list of partition numbers in ``range(n)``.

    >>> normalize_indices(4, [0, -1])
    [0, 3]
    """
    indices = list(indices)
    if not indices:
        raise ValueError("select at least one partition")
    for i in indices:
        if not isinstance(i, int) or not -n <= i < n:
            raise IndexError(f"partition {i!r} out of range: this collection has "
                             f"{n} partitions")
    return [i % n for i in indices]


def _select_divisions(divisions, indices):
    indices = normalize_indices(len(divisions) - 1, indices)
    increasing = all(b > a for a, b in zip(indices, indices[1:]))
    if None in divisions or not increasing:
        return (None,) * (len(indices) + 1)
    return tuple(divisions[i] for i in indices) + (divisions[indices[-1] + 1],)
