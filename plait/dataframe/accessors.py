"""``.dt`` and ``.str``: pandas' accessors, partition by partition.

Every property and method of pandas' accessor is available; the result's
meta comes from running it on a tiny stand-in of the data.
"""
from __future__ import annotations


def _accessor_property(part, accessor, name):
    return getattr(getattr(part, accessor), name)


def _accessor_method(part, accessor, name, args, kwargs):
    return getattr(getattr(part, accessor), name)(*args, **kwargs)


class _Accessor:
    accessor = None

    def __init__(self, series):
        meta = series._meta
        try:
            getattr(meta, self.accessor)
        except AttributeError as e:
            raise AttributeError(f"the .{self.accessor} accessor needs a Series of "
                                 f"{self.kind} values; this one has dtype {meta.dtype}") from e
        self._series = series

    def __dir__(self):
        return sorted(set(dir(type(self))) | {
            n for n in dir(getattr(self._series._meta, self.accessor)) if not n.startswith("_")})

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        pandas_accessor = getattr(self._series._meta, self.accessor)
        name = _RENAMED.get((self.accessor, name), name) \
            if hasattr(pandas_accessor, _RENAMED.get((self.accessor, name), "")) else name
        if not hasattr(pandas_accessor, name):
            raise AttributeError(f"'.{self.accessor}' has no attribute {name!r}")
        if callable(getattr(pandas_accessor, name)):
            return _Method(self._series, self.accessor, name)
        return self._series._elemwise(_accessor_property, self.accessor, name,
                                      prefix=f"{self.accessor}-{name}")


# seed code says .dt.dayofweek; pandas 3 deprecates it for .dt.day_of_week
_RENAMED = {("dt", "dayofweek"): "day_of_week", ("dt", "weekday"): "day_of_week",
            ("dt", "dayofyear"): "day_of_year", ("dt", "daysinmonth"): "days_in_month"}


class _Method:
    def __init__(self, series, accessor, name):
        self.series = series
        self.accessor = accessor
        self.name = name

    def __call__(self, *args, **kwargs):
        if self.name in ("split", "rsplit") and kwargs.get("expand") and kwargs.get("n") in (None, -1):
            raise ValueError(f".str.{self.name}(expand=True) needs n= (the number of "
                             f"splits), so the columns are known before computing")
        return self.series._elemwise(_accessor_method, self.accessor, self.name, args,
                                     kwargs, prefix=f"{self.accessor}-{self.name}")


class DatetimeAccessor(_Accessor):
    """``series.dt``: datetime fields and methods.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series(pd.to_datetime(['2013-01-01', '2013-01-05'])), npartitions=2)
    >>> s.dt.dayofweek.compute().tolist()
    [1, 5]
    """

    accessor = "dt"
    kind = "datetime or timedelta"


class StringAccessor(_Accessor):
    """``series.str``: string methods.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series(['ab', 'cd']), npartitions=2)
    >>> s.str.upper().compute().tolist()
    ['AB', 'CD']
    """

    accessor = "str"
    kind = "string"
