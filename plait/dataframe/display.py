"""Text and HTML views of a lazy collection: its structure, not its data."""
from __future__ import annotations

import html

import pandas as pd


def _structure(frame):
    """A pandas frame of dtypes (first row) and '...' with the divisions as index."""
    meta = frame._meta
    n = frame.npartitions
    if frame.known_divisions:
        index = [str(d) for d in frame.divisions]
    else:
        index = [""] * (n + 1)
    if isinstance(meta, pd.DataFrame):
        cols = list(meta.columns)
        dtypes = [str(t) for t in meta.dtypes]
    else:
        cols = [meta.name if meta.name is not None else ""]
        dtypes = [str(meta.dtype)]
    rows = [dtypes] + [["..."] * len(cols) for _ in range(n)]
    if n > 4:
        rows = rows[:3] + [["..."] * len(cols)] + rows[-2:]
        index = index[:3] + ["..."] + index[-2:]
    out = pd.DataFrame(rows, columns=[str(c) for c in cols], index=index)
    out.index.name = f"npartitions={n}"
    return out


def frame_repr(frame):
    """The repr: kind, name, npartitions and the dtype table.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': [1, 2]}), npartitions=1)
    >>> print(frame_repr(df))  # doctest: +NORMALIZE_WHITESPACE
    plait.dataframe.DataFrame<from-pandas, npartitions=1>
                       x
    npartitions=1
    0              int64
    1                ...
    """
    kind = type(frame).__name__
    head = f"plait.dataframe.{kind}<{_short(frame._name)}, npartitions={frame.npartitions}>"
    if kind == "Index":
        return f"{head}\ndtype: {frame._meta.dtype}"
    return f"{head}\n{_structure(frame).to_string()}"


def frame_html(frame):
    """The HTML view for notebooks: the title and the dtype table.

    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': [1, 2]}), npartitions=1)
    >>> '<table' in frame_html(df)
    True
    """
    kind = type(frame).__name__
    title = (f"<div><strong>plait.dataframe.{kind}</strong> "
             f"{html.escape(_short(frame._name))}, npartitions={frame.npartitions}</div>")
    if kind == "Index":
        return title + f"<div>dtype: {html.escape(str(frame._meta.dtype))}</div>"
    return title + _structure(frame).to_html()


def _short(name):
    """The readable part of a name: 'read-csv' for 'read-csv-1a2b...'."""
    from plait.graph import key_split

    return key_split(name)
