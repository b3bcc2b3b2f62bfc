"""Partition-wise steps that know which columns they read.

Each class is a ``Blockwise`` expression whose ``needs(required)`` maps its
inputs to the columns it reads, so column projection can reach the readers.
"""
from __future__ import annotations

import operator

import pandas as pd

from plait.dataframe.expr import Blockwise, Expr


def _frame_needs(e, required):
    return {id(d): (required if isinstance(d._meta, pd.DataFrame) else None)
            for d in e.dependencies()}


class Elemwise(Blockwise):
    """``func(*args)`` on aligned partitions, keeping each DataFrame input's
    columns (arithmetic, comparisons, fillna, isna...): an output column only
    needs the same input column."""

    prefix = "elemwise"

    def needs(self, required):
        """An output column needs the same column of each DataFrame input.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = (df + 1).expr
        >>> sorted(e.needs(frozenset({'a'}))[id(df.expr)])
        ['a']
        """
        return _frame_needs(self, required)


class Projection(Blockwise):
    """Column(s) ``key`` of a DataFrame: a Series for a label, a DataFrame
    for a list."""

    prefix = "getitem"

    def __init__(self, frame, key, meta):
        super().__init__(operator.getitem, (frame, key), meta=meta)

    @property
    def key(self):
        return self.args[1]

    def needs(self, required):
        """The selected column(s) of the frame.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = df[['a', 'b']].expr
        >>> sorted(e.needs(frozenset({'b'}))[id(df.expr)])
        ['b']
        """
        key = self.key
        cols = list(key) if isinstance(key, list) else [key]
        if isinstance(key, list) and required is not None:
            cols = [c for c in cols if c in required]
        return {id(self.args[0]): frozenset(cols)}


def _filter(part, mask):
    return part[mask]


class Filter(Blockwise):
    """The rows of ``frame`` where the aligned boolean ``mask`` is True."""

    prefix = "filter"

    def __init__(self, frame, mask):
        super().__init__(_filter, (frame, mask), meta=frame._meta)

    def needs(self, required):
        """What the output needs of the frame; all of the mask.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = df[df.a > 1].expr
        >>> sorted(e.needs(frozenset({'b'}))[id(df.expr)])
        ['b']
        """
        frame, mask = self.args
        if frame is mask:
            return {id(frame): None}
        return {id(frame): required, id(mask): None}

    def pushdown(self, consumers):
        """(reader, filtered reader) when this filter can be pushed into a
    Parquet reader, else None.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = df[df.a > 1].expr
        >>> e.pushdown({}) is None
        True
        """
        frame, mask = self.args
        push = getattr(frame, "with_predicate", None)
        if push is None:
            return None
        from plait.dataframe.io.parquet import predicate_of

        found = predicate_of(mask, frame)
        if found is None:
            return None
        predicate, nodes = found
        allowed = {id(self)} | {id(n) for n in nodes}
        if any(id(c) not in allowed for c in consumers[id(frame)]):
            return None
        return frame, push(predicate)


def _assign(part, names, *values):
    return part.assign(**dict(zip(names, values)))


class Assign(Blockwise):
    """``frame`` with columns ``names`` set to ``values`` (aligned
    collections, or literals)."""

    prefix = "assign"

    def __init__(self, frame, names, values, meta):
        super().__init__(_assign, (frame, tuple(names), *values), meta=meta)

    def needs(self, required):
        """The output's columns other than the assigned ones; all of the values.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = df.assign(c=df.a * 2).expr
        >>> sorted(e.needs(frozenset({'b', 'c'}))[id(df.expr)])
        ['b']
        """
        frame, names = self.args[0], self.args[1]
        out = {id(v): None for v in self.args[2:] if isinstance(v, Expr)}
        if id(frame) not in out:
            out[id(frame)] = None if required is None else frozenset(required) - set(names)
        return out


class Columnless(Blockwise):
    """A step that reads no column of its first input (``len``, the index)."""

    prefix = "columnless"

    def needs(self, required):
        """No column of the first input.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = df.index.expr
        >>> e.needs(None)[id(df.expr)]
        frozenset()
        """
        deps = self.dependencies()
        out = {id(d): None for d in deps[1:]}
        out.setdefault(id(deps[0]), frozenset())
        return out


class ColumnsStep(Blockwise):
    """A step that reads the columns ``columns`` of its first input (a
    groupby chunk, a drop, a rename); ``columns=None`` means all."""

    prefix = "columns-step"

    def __init__(self, func, args, kwargs=None, meta=None, divisions=None, prefix=None,
                 columns=None):
        super().__init__(func, args, kwargs, meta, divisions, prefix)
        self.columns = None if columns is None else frozenset(columns)

    def needs(self, required):
        """The step's ``columns`` of the first input.

        >>> import pandas as pd
        >>> import plait.dataframe as pdd
        >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
        >>> e = ColumnsStep(len, (df.expr,), columns=['a'])
        >>> sorted(e.needs(None)[id(df.expr)])
        ['a']
        """
        deps = self.dependencies()
        out = {id(d): None for d in deps[1:]}
        if id(deps[0]) not in out:
            out[id(deps[0])] = self.columns
        return out
