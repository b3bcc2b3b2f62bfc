"""``read_parquet`` and ``to_parquet`` with pyarrow.

One partition per file (or per row group with ``split_row_groups=True``).
Only the columns a computation uses are read, and row groups whose
statistics rule out ``filters=`` are skipped: at graph-building time for the
filters you pass, and at read time for the filters plait finds in your code
(``df[df.x > 5]`` on a Parquet frame reads only row groups that can hold
``x > 5``).

Filters are pyarrow's disjunctive normal form: a list of ``(column, op,
value)`` tuples (all must hold), or a list of such lists (any may hold);
ops are ``== = != < <= > >= in not in``.
"""
from __future__ import annotations

import operator

import pandas as pd

from plait.dataframe import utils
from plait.dataframe.expr import Blockwise, PerPartition
from plait.dataframe.io.reader import ReadFiles

_OPS = {operator.eq: "==", operator.lt: "<", operator.le: "<=", operator.gt: ">",
        operator.ge: ">="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}


def read_parquet(path, columns=None, filters=None, index=None, split_row_groups=False,
                 calculate_divisions=False, storage_options=None, engine="pyarrow"):
    """A DataFrame from Parquet files (a file, a directory, a glob or a list).

    >>> import tempfile
    >>> import plait.dataframe as pdd
    >>> d = tempfile.mkdtemp()
    >>> df = pdd.from_pandas(pd.DataFrame({'x': range(6), 'y': list('abcdef')}), npartitions=3)
    >>> _ = df.to_parquet(d)
    >>> pdd.read_parquet(d, filters=[('x', '>', 3)]).y.compute().tolist()
    ['e', 'f']
    """
    from plait.dataframe.core import new_collection

    if engine not in ("pyarrow", "auto"):
        raise ValueError(f"read_parquet supports engine='pyarrow', not {engine!r}")
    fs, paths = _expand(path, storage_options)
    filters = _normalize_filters(filters)
    files = [_FileInfo(fs, p) for p in paths]
    meta, index_cols = _meta_of(files[0], index)
    if columns is not None:
        cols = [columns] if isinstance(columns, str) else list(columns)
        for c in cols:
            if c not in meta.columns:
                raise utils.missing_column_error(c, list(meta.columns))
        meta = meta[cols]
    parts = _parts(files, split_row_groups, filters)
    if not parts:
        parts = [(files[0].path, [])]
    reader = ParquetReader(fs, list(meta.columns), index_cols, index, filters, meta)
    divisions = _divisions(files, parts, index_cols) if calculate_divisions else None
    expr = ReadParquet(reader, (PerPartition(parts),), meta=meta, divisions=divisions,
                       prefix="read-parquet")
    series = isinstance(columns, str)
    out = new_collection(expr)
    return out[columns] if series else out


class ReadParquet(ReadFiles):
    """Partition ``i`` reads file/row groups ``i``; narrows to the columns used;
    takes pushed-down filters."""

    prefix = "read-parquet"

    def with_predicate(self, dnf):
        return self._with_reader(self.reader.with_filters(dnf))


# ---------------------------------------------------------------- files

def _expand(path, storage_options):
    import fsspec

    fs, _, paths = fsspec.core.get_fs_token_paths(path, mode="rb",
                                                  storage_options=storage_options or {})
    out = []
    for p in (sorted(paths) if isinstance(path, str) else paths):
        if fs.isdir(p):
            found = sorted(f for f in fs.find(p) if f.endswith((".parquet", ".parq"))
                           and not f.split("/")[-1].startswith(("_", ".")))
            out.extend(found)
        elif fs.exists(p):
            out.append(p)
    if not out:
        raise FileNotFoundError(f"read_parquet: no Parquet files at {path!r}")
    return fs, out


class _FileInfo:
    """A file's footer: schema and row group statistics."""

    def __init__(self, fs, path):
        import pyarrow.parquet as pq

        self.path = path
        with fs.open(path, mode="rb") as f:
            self.metadata = pq.ParquetFile(f).metadata
        self.schema = self.metadata.schema.to_arrow_schema()

    def row_group_stats(self, i):
        """{column: (min, max, null count)} of row group ``i``."""
        return _stats(self.metadata.row_group(i))


def _stats(rg):
    out = {}
    for j in range(rg.num_columns):
        col = rg.column(j)
        st = col.statistics
        if st is not None and st.has_min_max:
            out[col.path_in_schema] = (st.min, st.max, st.null_count)
    return out


def _meta_of(info, index):
    """The empty pandas frame the files give, and the stored index columns."""
    import json

    schema = info.schema
    pandas_meta = json.loads((schema.metadata or {}).get(b"pandas", b"{}") or b"{}")
    index_cols = [c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)]
    meta = _set_index(schema.empty_table().to_pandas(), index)
    if index is False:
        index_cols = []
    elif index is not None:
        index_cols = [index]
    return meta, index_cols


def _set_index(df, index):
    """The frame with the index the caller asked for: the stored one (None),
    none (False) or a column."""
    if index is False:
        return df.reset_index(drop=True)
    if index is not None and df.index.name != index:
        if index not in df.columns:
            raise utils.missing_column_error(index, list(df.columns))
        return df.set_index(index)
    return df


def _parts(files, split_row_groups, filters):
    """(path, row groups or None) per partition, without row groups that the
    filters rule out."""
    parts = []
    for info in files:
        groups = list(range(info.metadata.num_row_groups))
        if filters:
            groups = [g for g in groups if may_match(info.row_group_stats(g), filters)]
            if not groups:
                continue
        if split_row_groups:
            parts.extend((info.path, [g]) for g in groups)
        else:
            parts.append((info.path, groups))
    return parts


def _divisions(files, parts, index_cols):
    if len(index_cols) != 1:
        return None
    by_path = {f.path: f for f in files}
    bounds = []
    for path, groups in parts:
        stats = [by_path[path].row_group_stats(g).get(index_cols[0]) for g in groups]
        if not stats or any(s is None for s in stats):
            return None
        bounds.append((min(s[0] for s in stats), max(s[1] for s in stats)))
    for (_, hi), (lo, _) in zip(bounds, bounds[1:]):
        if lo < hi:
            return None
    return tuple(b[0] for b in bounds) + (bounds[-1][1],)


# ---------------------------------------------------------------- filters

def _normalize_filters(filters):
    """Filters as a list of conjunctions (lists of (column, op, value))."""
    if not filters:
        return None
    if all(isinstance(f, tuple) for f in filters):
        filters = [list(filters)]
    out = []
    for conj in filters:
        terms = []
        for term in conj:
            if not (isinstance(term, tuple) and len(term) == 3):
                raise ValueError(f"a filter is (column, op, value), got {term!r}")
            col, op, val = term
            op = "==" if op == "=" else op
            if op not in ("==", "!=", "<", "<=", ">", ">=", "in", "not in"):
                raise ValueError(f"unknown filter operator {op!r} in {term!r}")
            terms.append((col, op, val))
        out.append(terms)
    return out


def may_match(stats, dnf):
    """Can a row group with these statistics hold a row passing ``dnf``?

    >>> may_match({'x': (0, 9, 0)}, [[('x', '>', 20)]])
    False
    >>> may_match({'x': (0, 9, 0)}, [[('x', '>', 20)], [('x', '==', 3)]])
    True
    """
    return any(all(_term_may_match(stats.get(c), op, v) for c, op, v in conj)
               for conj in dnf)


def _term_may_match(stat, op, value):
    if stat is None:
        return True
    lo, hi, _ = stat
    try:
        if op == "==":
            return lo <= value <= hi
        if op == "<":
            return lo < value
        if op == "<=":
            return lo <= value
        if op == ">":
            return hi > value
        if op == ">=":
            return hi >= value
        if op == "in":
            return any(lo <= v <= hi for v in value)
    except TypeError:
        return True
    return True


def _expression(dnf):
    import pyarrow.parquet as pq

    return pq.filters_to_expression(dnf)


def predicate_of(mask, frame):
    """(DNF filters, the expressions of ``mask``) when the boolean ``mask``
    is made of comparisons of ``frame``'s columns with constants (combined
    with & and |), in a form whose rows pandas and pyarrow agree on; else
    None."""
    from plait.dataframe.blockwise import Elemwise, Projection
    from plait.dataframe.core import _method_call

    nodes = []

    def column_of(e):
        if isinstance(e, Projection) and e.args[0] is frame and not isinstance(e.key, list):
            nodes.append(e)
            return e.key
        return None

    def walk(e):
        if isinstance(e, Projection):
            col = column_of(e)
            if col is not None and pd.api.types.is_bool_dtype(e._meta.dtype):
                return [[(col, "==", True)]]
            return None
        if not isinstance(e, Elemwise):
            return None
        nodes.append(e)
        func, args = e.func, e.args
        if func in (operator.and_, operator.or_) and len(args) == 2:
            left, right = walk(args[0]), walk(args[1])
            if left is None or right is None:
                return None
            if func is operator.or_:
                return left + right
            return [a + b for a in left for b in right]
        if func is operator.invert and len(args) == 1:
            col = column_of(args[0])
            if col is not None and args[0]._meta.dtype == bool:
                return [[(col, "==", False)]]
            return None
        if func in _OPS and len(args) == 2:
            return _comparison(func, args, column_of)
        if func is _method_call and len(args) == 3 and args[1] == "isin":
            col = column_of(args[0])
            values = list(args[2])
            if col is None or any(pd.isna(v) for v in values):
                return None
            return [[(col, "in", values)]]
        return None

    dnf = walk(mask)
    return None if dnf is None else (dnf, nodes)


def _comparison(func, args, column_of):
    from plait.dataframe.expr import Expr

    a, b = args
    op = _OPS[func]
    if isinstance(a, Expr) and not isinstance(b, Expr):
        col, value = column_of(a), b
    elif isinstance(b, Expr) and not isinstance(a, Expr):
        col, value, op = column_of(b), a, _FLIP[op]
    else:
        return None
    if col is None or not _plain_scalar(value):
        return None
    return [[(col, op, value)]]


def _plain_scalar(value):
    import numbers

    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        return True
    if isinstance(value, numbers.Number):
        return not pd.isna(value)
    return isinstance(value, pd.Timestamp) and not pd.isna(value)


# ---------------------------------------------------------------- the reader

class ParquetReader:
    """Read one partition's row groups: only ``columns``, only rows passing
    ``filters``."""

    def __init__(self, fs, columns, index_cols, index, filters, meta):
        self.fs = fs
        self.columns = columns
        self.index_cols = index_cols
        self.index = index
        self.filters = filters
        self.meta = meta

    def __plait_tokenize__(self):
        from plait.tokenize import tokenize

        return ("ParquetReader", tokenize(self.fs.protocol, self.columns, self.index_cols,
                                          self.index, self.filters))

    def with_columns(self, columns):
        wanted = [c for c in self.meta.columns if c in columns]
        if not wanted and len(self.meta.columns):
            wanted = [self.meta.columns[0]]
        if wanted == self.columns:
            return self
        import copy

        new = copy.copy(self)
        new.columns = wanted
        return new

    def with_filters(self, dnf):
        import copy

        new = copy.copy(self)
        new.filters = dnf if not self.filters else [a + b for a in self.filters for b in dnf]
        return new

    def __call__(self, part):
        import pyarrow.parquet as pq

        path, groups = part
        with self.fs.open(path, mode="rb") as f:
            pf = pq.ParquetFile(f)
            if self.filters:
                groups = [g for g in groups
                          if may_match(_stats(pf.metadata.row_group(g)), self.filters)]
            read_cols = self._read_columns()
            table = pf.read_row_groups(groups, columns=read_cols, use_pandas_metadata=True) \
                if groups else pf.schema_arrow.empty_table().select(
                    [c for c in pf.schema_arrow.names if c in set(read_cols) |
                     set(self.index_cols)])
        if self.filters and table.num_rows:
            table = table.filter(_expression(self.filters))
        df = _set_index(table.to_pandas(), self.index)
        return df[self.columns] if list(df.columns) != self.columns else df

    def _read_columns(self):
        cols = list(self.columns)
        if self.filters:
            cols += [c for conj in self.filters for c, _, _ in conj if c not in cols]
        if self.index not in (None, False) and self.index not in cols:
            cols.append(self.index)
        return cols


# ---------------------------------------------------------------- writing

def _write_part(part, path, fs, schema, write_index, kwargs):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(part, schema=schema, preserve_index=write_index)
    with fs.open(path, mode="wb") as f:
        pq.write_table(table, f, **kwargs)
    return pd.Series([path])


def to_parquet(frame, path, write_index=True, compute=True, storage_options=None,
               compression="snappy", row_group_size=None, name_function=None):
    """Write ``part.<i>.parquet`` per partition into directory ``path``; return
    the file names (or the lazy writes with ``compute=False``)."""
    import fsspec
    import pyarrow as pa

    from plait.dataframe.core import new_collection

    fs, _, _ = fsspec.core.get_fs_token_paths(path, mode="wb",
                                              storage_options=storage_options or {})
    fs.makedirs(path, exist_ok=True)
    name_function = name_function or (lambda i: f"part.{i}.parquet")
    names = [f"{path.rstrip('/')}/{name_function(i)}" for i in range(frame.npartitions)]
    sample = utils.meta_nonempty(frame._meta)
    schema = pa.Schema.from_pandas(sample, preserve_index=write_index)
    kwargs = {"compression": compression}
    if row_group_size is not None:
        kwargs["row_group_size"] = row_group_size
    expr = Blockwise(_write_part, (frame.expr, PerPartition(names), fs, schema, write_index,
                                   kwargs),
                     meta=pd.Series([], dtype=object), prefix="to-parquet")
    writes = new_collection(expr)
    return list(writes.compute()) if compute else writes
