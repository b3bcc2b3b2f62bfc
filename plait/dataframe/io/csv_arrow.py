"""A faster way to parse CSV blocks with text columns: pyarrow's parser,
which builds strings without Python objects and releases the GIL (so
threads parse in parallel), with every column's type fixed in advance.
For numbers only, pandas' own parser is as fast or faster, so the reader
uses this path only when a text column is read.

It is only used where it gives what ``pandas.read_csv`` gives: the dtypes
come from pandas (the sample's), missing-value markers are pandas' list,
booleans accept pandas' spellings, and blocks with options pyarrow does not
share (converters, thousands separators, comments, encodings other than
UTF-8, dates parsed by pandas...) go to pandas. A block pyarrow refuses is
parsed again by pandas, which then explains any problem.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

# options whose pandas meaning this path reproduces
_SHARED = {"sep", "delimiter", "quotechar", "header", "names", "na_values",
           "keep_default_na", "skiprows", "skip_blank_lines", "doublequote",
           "encoding", "engine", "low_memory"}
_TRUE = ["True", "TRUE", "true", "1"]
_FALSE = ["False", "FALSE", "false", "0"]


def arrow_plan(kwargs, dtypes, file_columns):
    """The pyarrow options for blocks read with ``kwargs`` into ``dtypes``
    ({column: pandas dtype}), or None when pandas must parse them.

    >>> arrow_plan({'thousands': ','}, {'a': np.dtype('int64')}, ['a']) is None
    True
    >>> arrow_plan({}, {'a': np.dtype('int64')}, ['a'])['sep']
    ','
    """
    if any(k not in _SHARED for k in kwargs) or kwargs.get("engine") not in (None, "pyarrow"):
        return None
    sep = kwargs.get("sep", kwargs.get("delimiter", ","))
    if not isinstance(sep, str) or len(sep) != 1 or kwargs.get("doublequote") is False:
        return None
    if str(kwargs.get("encoding", "utf-8")).lower().replace("_", "-") not in ("utf-8", "utf8"):
        return None
    if kwargs.get("skip_blank_lines") is False:
        return None
    types = {}
    for col, dtype in dtypes.items():
        arrow_type = _arrow_type(dtype)
        if arrow_type is None:
            return None
        types[col] = arrow_type
    nulls = _null_values(kwargs)
    if nulls is None:
        return None
    quote = kwargs.get("quotechar", '"')
    return {"sep": sep, "quote": quote, "types": types, "nulls": nulls,
            "columns": list(file_columns)}


def _arrow_type(dtype):
    import pyarrow as pa

    if isinstance(dtype, np.dtype):
        if dtype.kind in "iuf":
            return pa.from_numpy_dtype(dtype)
        if dtype.kind == "b":
            return pa.bool_()
        if dtype.kind == "O":
            return pa.string()
        return None
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA:
        return pa.string()
    return None


def _null_values(kwargs):
    from pandas._libs.parsers import STR_NA_VALUES

    extra = kwargs.get("na_values")
    if isinstance(extra, dict):
        return None
    keep = kwargs.get("keep_default_na", True)
    values = set(STR_NA_VALUES) if keep else set()
    if extra is not None:
        values |= {str(v) for v in ([extra] if isinstance(extra, (str, int, float)) else extra)}
    return sorted(values)


def parse_arrow(plan, data, usecols, skip_header, dtypes):
    """``data`` (bytes, or a local file's path) parsed by pyarrow into a
    pandas DataFrame of ``usecols``.

    >>> plan = arrow_plan({}, {'a': np.dtype('int64'), 'b': np.dtype('O')}, ['a', 'b'])
    >>> parse_arrow(plan, b'a,b\\n1,x\\n2,\\n', ['a', 'b'], 1,
    ...             {'a': np.dtype('int64'), 'b': np.dtype('O')}).b.tolist()
    ['x', nan]
    """
    import pyarrow.csv as pcsv

    read = pcsv.ReadOptions(use_threads=False, column_names=plan["columns"],
                            skip_rows=1 if skip_header else 0, block_size=1 << 22)
    parse = pcsv.ParseOptions(delimiter=plan["sep"], quote_char=plan["quote"] or False)
    convert = pcsv.ConvertOptions(
        include_columns=usecols, column_types={c: plan["types"][c] for c in usecols},
        null_values=plan["nulls"], strings_can_be_null=True,
        quoted_strings_can_be_null=True, true_values=_TRUE, false_values=_FALSE)
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    table = pcsv.read_csv(source, read_options=read, parse_options=parse,
                          convert_options=convert)
    df = table.to_pandas()
    for col in usecols:
        want = dtypes[col]
        # object columns too: pandas < 3 gets None for missing strings from arrow
        if df[col].dtype != want or (isinstance(want, np.dtype) and want.kind == "O"):
            df[col] = _to_dtype(df[col], want)
    return df


def _to_dtype(values, dtype):
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        out = values.astype(object)
        return out.where(out.notna(), np.nan)
    return values.astype(dtype)
