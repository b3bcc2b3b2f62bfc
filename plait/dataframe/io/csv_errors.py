"""Explain why a CSV block did not parse: which file, column, line and value,
and which ``dtype=`` reads it."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

_TRUE_FALSE = {"true", "false", "0", "1", "0.0", "1.0"}


def diagnose(reader, data, block, error):
    """A ValueError for ``block`` of ``reader`` (``error``: what pandas raised,
    or None when dates did not parse)."""
    path, offset, _, _, _ = block
    try:
        loose = _parse_loose(reader, data, offset == 0)
    except Exception:
        return ValueError(f"read_csv could not parse {path} (block at byte {offset}): "
                          f"{type(error).__name__}: {error}")
    problems, suggest = [], {}
    for col in reader.usecols:
        if col not in loose.columns:
            continue
        want = _wanted(reader, col)
        if want is None:
            continue
        row = first_bad_row(loose[col], want)
        if row is None:
            continue
        value = loose[col].iloc[row]
        line = _line_number(reader, block, row)
        shown = "an empty field" if _missing(value) else f"the value {value!r}"
        problems.append(f"column {col!r} as {_dtype_name(want)}: line {line} has {shown}")
        suggest[col] = _suggestion(want, value)
    if not problems:
        dates = _bad_combined_date(reader, loose, block)
        if dates is not None:
            return ValueError(f"read_csv: in {path}, {dates}: {type(error).__name__}: {error}")
        return ValueError(f"read_csv could not parse {path} (block at byte {offset}): "
                          f"{type(error).__name__}: {error}")
    source = _source_of(reader, problems)
    fix = ", ".join(f"{c!r}: {t!r}" for c, t in suggest.items())
    return ValueError(
        f"read_csv: dtype mismatch in {path}: " + "; ".join(problems) + f". {source} "
        f"Pass dtype={{{fix}}} to read_csv (or a larger sample= so the inferred "
        f"dtypes see such values).")


def _bad_combined_date(reader, loose, block):
    """'column 'Date' (from ...): line N has ...' for the first row whose
    combined date does not parse, or None."""
    for name, cols in reader.combos.items():
        if not all(c in loose.columns for c in cols):
            continue
        text = loose[cols[0]].astype(str)
        for c in cols[1:]:
            text = text + " " + loose[c].astype(str)
        for i, value in enumerate(text):
            try:
                pd.to_datetime(value)
            except (ValueError, TypeError, OverflowError):
                line = _line_number(reader, block, i)
                return (f"column {name!r} (from {', '.join(map(repr, cols))}): line {line} "
                        f"has {value!r}, which is not a date")
    return None


def _parse_loose(reader, data, first):
    kwargs = dict(reader.kwargs)
    if not first:
        data = reader.header + data
        kwargs.pop("skiprows", None)
        if kwargs.get("header", "infer") not in (None, "infer"):
            kwargs["header"] = 0
    kwargs.pop("parse_dates", None)
    return pd.read_csv(io.BytesIO(data), usecols=reader.usecols, dtype=object, **kwargs)


def _wanted(reader, col):
    """The dtype ``col`` must have, or 'datetime' for date columns."""
    if col in reader.date_columns or any(col in cols for cols in reader.combos.values()) \
            and col not in reader.source_dtypes:
        return "datetime"
    if isinstance(reader.user_dtype, dict) and col in reader.user_dtype:
        return pd.api.types.pandas_dtype(reader.user_dtype[col])
    if reader.user_dtype is not None and not isinstance(reader.user_dtype, dict):
        return pd.api.types.pandas_dtype(reader.user_dtype)
    return reader.source_dtypes.get(col)


def first_bad_row(values, want):
    """The position of the first value (strings, as read) that ``want``
    cannot hold, or None.

    >>> first_bad_row(pd.Series(['1', '2', None]), np.dtype('int64'))
    2
    >>> first_bad_row(pd.Series(['1.5', 'x']), np.dtype('float64'))
    1
    """
    text = values.astype(object)
    missing = text.isna().to_numpy()
    if want == "datetime":
        parsed = pd.to_datetime(text, errors="coerce")
        bad = parsed.isna().to_numpy() & ~missing
    elif isinstance(want, np.dtype) and want.kind in "iu":
        nums = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
        bad = missing | np.isnan(nums) | (nums != np.round(nums))
    elif isinstance(want, np.dtype) and want.kind in "fc":
        nums = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
        bad = np.isnan(nums) & ~missing
    elif isinstance(want, np.dtype) and want.kind == "b":
        lowered = text.astype(str).str.lower()
        bad = missing | ~lowered.isin(_TRUE_FALSE).to_numpy()
    elif isinstance(want, np.dtype) and want.kind == "M":
        parsed = pd.to_datetime(text, errors="coerce")
        bad = parsed.isna().to_numpy() & ~missing
    else:
        return _first_failing_cast(text, want)
    found = np.flatnonzero(bad)
    return int(found[0]) if len(found) else None


def _first_failing_cast(text, want):
    for i, v in enumerate(text):
        try:
            pd.Series([v]).astype(want)
        except (ValueError, TypeError):
            return i
    return None


def _line_number(reader, block, row):
    """The 1-based line of data row ``row`` of ``block`` in its file."""
    path, offset, _, compression, _ = block
    if offset == 0:
        skip = reader.kwargs.get("skiprows") or 0
        header_lines = 0 if not reader.header else 1
        return skip + header_lines + row + 1
    with reader.fs.open(path, mode="rb", compression=compression) as f:
        before = f.read(offset)
    # the block starts after the first line break at or after ``offset``
    return before.count(b"\n") + 1 + row + 1


def _missing(value):
    return value is None or (isinstance(value, float) and np.isnan(value))


def _suggestion(want, value):
    if want == "datetime" or not isinstance(want, np.dtype):
        return "object"
    if want.kind in "iub" and _missing(value):
        return "float64" if want.kind != "b" else "object"
    return "object"


def _dtype_name(want):
    return "a date" if want == "datetime" else str(want)


def _source_of(reader, problems):
    path, sample = reader.sample_source
    user = reader.user_dtype if isinstance(reader.user_dtype, dict) else {}
    inferred = [p for p in problems if p.split("'")[1] not in user]
    if not inferred:
        return "The dtypes were given by dtype=."
    return f"The dtypes were inferred from the first {sample:,} bytes of {path}."
