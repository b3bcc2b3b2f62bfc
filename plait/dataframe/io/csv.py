"""``read_csv`` and ``to_csv``: CSV files in blocks, one partition per block.

Files are found with fsspec (local paths, globs, lists, ``s3://``...). Each
file is cut into ``blocksize`` byte ranges that start and end at line breaks;
every block but a file's first is given the header line, so each parses on
its own. Compressed files are read whole.

Metadata comes from the first ``sample`` bytes of the first file (every row
in them, not just a few). Later blocks are parsed with those dtypes; a value
that does not fit raises a ValueError naming the file, the column and the
line, and the ``dtype=`` that would read it.

``parse_dates`` also takes the form pandas dropped in 2.0: a dict of new
name -> list of columns (names or positions in the file), e.g.
``{'Date': [0, 1, 2]}``; the columns' values are joined with spaces and
parsed as one datetime column, placed first; the source columns are dropped
unless ``keep_date_col=True``. A nested list ``[[0, 1, 2]]`` names the new
column by joining the source names with ``_``.
"""
from __future__ import annotations

import functools
import io
import os

import numpy as np
import pandas as pd

from plait.dataframe import utils
from plait.dataframe.blockwise import Blockwise
from plait.dataframe.expr import PerPartition
from plait.dataframe.io.reader import ReadFiles

DEFAULT_BLOCKSIZE = 64 * 2**20
NO_SPLIT_KWARGS = ("nrows", "skipfooter", "iterator", "chunksize")


def read_csv(urlpath, blocksize="default", sample=256_000, include_path_column=False,
             storage_options=None, **kwargs):
    """A DataFrame from CSV files (a path, a glob, a list, or fsspec URLs).

    Parameters
    ----------
    blocksize : int, None or 'default'
        Bytes per partition (64 MiB by default); None reads each file whole.
    sample : int
        Bytes of the first file used to find the columns and dtypes.
    include_path_column : bool or str
        Add a column (named ``'path'`` or this string) with each row's file.
    **kwargs
        Passed to ``pandas.read_csv`` (``dtype``, ``usecols``, ``sep``...);
        ``parse_dates`` also takes the dict-of-lists form (module docstring).

    >>> import os, tempfile
    >>> import plait.dataframe as pdd
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, 'a.csv'), 'w').write('y,m,d,x\\n2013,1,2,5\\n2013,1,3,6\\n')
    >>> df = pdd.read_csv(os.path.join(d, '*.csv'), parse_dates={'Date': [0, 1, 2]})
    >>> [str(t)[:10] for t in df.dtypes]
    ['datetime64', 'int64']
    >>> df.x.sum().compute()
    np.int64(11)
    """
    from plait.dataframe.core import new_collection

    for bad in NO_SPLIT_KWARGS:
        if bad in kwargs and kwargs[bad] is not None:
            raise ValueError(f"read_csv does not support {bad}= on partitioned files; "
                             f"read the pandas way, or use .head(n)")
    if "index_col" in kwargs and kwargs["index_col"] not in (None, False):
        raise ValueError("read_csv does not support index_col=; use .set_index(column) "
                         "after reading")
    fs, paths = _expand(urlpath, storage_options)
    if blocksize == "default":
        blocksize = DEFAULT_BLOCKSIZE
    compression = kwargs.pop("compression", "infer")
    reader = _make_reader(fs, paths, compression, sample, include_path_column, kwargs)
    blocks = _blocks(fs, paths, compression, blocksize)
    expr = ReadCSV(reader, (PerPartition(blocks),), meta=reader.meta, prefix="read-csv")
    return new_collection(expr)


def read_table(urlpath, **kwargs):
    """``read_csv`` with tab-separated values."""
    kwargs.setdefault("sep", "\t")
    return read_csv(urlpath, **kwargs)


class ReadCSV(ReadFiles):
    """Partition ``i`` parses block ``i``; ``project`` narrows the columns read."""

    prefix = "read-csv"


# ---------------------------------------------------------------- files and blocks

def _expand(urlpath, storage_options):
    import fsspec

    fs, _, paths = fsspec.core.get_fs_token_paths(urlpath, mode="rb",
                                                  storage_options=storage_options or {})
    paths = sorted(paths) if isinstance(urlpath, str) else list(paths)
    if not paths:
        raise FileNotFoundError(f"read_csv: no files match {urlpath!r}")
    return fs, paths


def _compression_of(path, compression):
    if compression == "infer":
        from fsspec.utils import infer_compression

        return infer_compression(path)
    return compression


def _blocks(fs, paths, compression, blocksize):
    """(path, offset, length, compression, file number) for every block."""
    blocks = []
    for n, path in enumerate(paths):
        comp = _compression_of(path, compression)
        size = fs.size(path)
        if comp is not None or blocksize is None or size <= blocksize:
            blocks.append((path, 0, None, comp, n))
            continue
        for offset in range(0, size, blocksize):
            blocks.append((path, offset, blocksize, comp, n))
    return blocks


def _protocols(fs):
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _read_bytes(fs, path, offset, length, compression):
    from fsspec.utils import read_block

    with fs.open(path, mode="rb", compression=compression) as f:
        if length is None:
            return f.read()
        return read_block(f, offset, length, delimiter=b"\n")


# ---------------------------------------------------------------- the reader

def _make_reader(fs, paths, compression, sample, include_path_column, kwargs):
    kwargs = dict(kwargs)
    combos = _date_combos(kwargs.pop("parse_dates", None), kwargs)
    keep_date_col = kwargs.pop("keep_date_col", False)
    usecols = kwargs.pop("usecols", None)
    user_dtype = kwargs.pop("dtype", None)
    comp = _compression_of(paths[0], compression)
    with fs.open(paths[0], mode="rb", compression=comp) as f:
        head = f.read(sample)
        if len(head) == sample:
            head = head[:head.rfind(b"\n") + 1] or head
    header = _header_bytes(head, kwargs)
    full = pd.read_csv(io.BytesIO(head), nrows=0, **_no_dates(kwargs))
    file_columns = list(full.columns)
    reader = CSVReader(fs=fs, kwargs=kwargs, header=header, file_columns=file_columns,
                       combos=_resolve_combos(combos, file_columns),
                       keep_date_col=keep_date_col, user_dtype=user_dtype,
                       path_column=_path_column(include_path_column),
                       sample_source=(paths[0], sample))
    reader.set_usecols(usecols)
    sample_frame = reader.parse(head, first=True, forced=False)
    reader.set_meta(sample_frame.iloc[:0])
    return reader


def _path_column(include_path_column):
    if include_path_column is True:
        return "path"
    return include_path_column or None


def _no_dates(kwargs):
    return {k: v for k, v in kwargs.items() if k not in ("parse_dates", "converters")}


def _header_bytes(head, kwargs):
    """The header line (with its newline), repeated at the top of each block."""
    header = kwargs.get("header", "infer")
    if header is None or (header == "infer" and kwargs.get("names") is not None):
        return b""
    if not isinstance(header, int) and header != "infer":
        raise ValueError("read_csv supports header=0, an int or None with blocks; use "
                         "blocksize=None for multi-row headers")
    skip = kwargs.get("skiprows") or 0
    if not isinstance(skip, int):
        raise ValueError("read_csv supports an int skiprows= with blocks; use "
                         "blocksize=None for other forms")
    line = skip + (0 if header == "infer" else header)
    lines = head.split(b"\n", line + 1)
    return lines[line] + b"\n" if len(lines) > line else b""


def _date_combos(parse_dates, kwargs):
    """Split ``parse_dates`` into pandas' part and the combined columns."""
    combos = {}
    if isinstance(parse_dates, dict):
        for name, cols in parse_dates.items():
            if not isinstance(cols, (list, tuple)) or not cols:
                raise ValueError(f"parse_dates={{{name!r}: ...}} needs a list of columns, "
                                 f"got {cols!r}")
            combos[name] = list(cols)
    elif isinstance(parse_dates, list):
        simple = [c for c in parse_dates if not isinstance(c, (list, tuple))]
        for cols in parse_dates:
            if isinstance(cols, (list, tuple)):
                combos[("joined", tuple(cols))] = list(cols)
        if simple:
            kwargs["parse_dates"] = simple
    elif parse_dates not in (None, False):
        kwargs["parse_dates"] = parse_dates
    return combos


def _resolve_combos(combos, file_columns):
    """{new name: [source column names]} with positions turned into names."""
    out = {}
    for name, cols in combos.items():
        names = []
        for c in cols:
            if isinstance(c, (int, np.integer)) and c not in file_columns:
                if not 0 <= c < len(file_columns):
                    raise IndexError(f"parse_dates: column position {c} is out of range; "
                                     f"the file has {len(file_columns)} columns")
                c = file_columns[c]
            elif c not in file_columns:
                raise utils.missing_column_error(c, file_columns)
            names.append(c)
        if isinstance(name, tuple):
            name = "_".join(str(n) for n in names)
        out[name] = names
    return out


class CSVReader:
    """Parse one block into a pandas DataFrame with the collection's columns.

    ``columns`` are the output columns this reader produces (all by
    default); ``with_columns`` gives a reader of fewer.
    """

    def __init__(self, fs, kwargs, header, file_columns, combos, keep_date_col, user_dtype,
                 path_column, sample_source):
        self.fs = fs
        self.kwargs = kwargs
        self.header = header
        self.file_columns = file_columns
        self.combos = combos
        self.keep_date_col = keep_date_col
        self.user_dtype = user_dtype
        self.path_column = path_column
        self.sample_source = sample_source
        self.meta = None
        self.columns = None
        self.forced = {}

    def __plait_tokenize__(self):
        from plait.tokenize import tokenize

        return ("CSVReader", tokenize(self.fs.protocol, self.kwargs, self.header,
                                      self.file_columns, self.combos, self.keep_date_col,
                                      self.user_dtype, self.path_column, self.usecols,
                                      self.columns, self.forced))

    # ---- setup

    def set_usecols(self, usecols):
        """Which file columns to read, before any projection."""
        if usecols is None:
            base = list(self.file_columns)
        elif callable(usecols):
            base = [c for c in self.file_columns if usecols(c)]
        else:
            base = []
            for c in usecols:
                if isinstance(c, (int, np.integer)) and c not in self.file_columns:
                    c = self.file_columns[c]
                if c not in self.file_columns:
                    raise utils.missing_column_error(c, self.file_columns)
                base.append(c)
        sources = {c for cols in self.combos.values() for c in cols}
        self.usecols = [c for c in self.file_columns if c in set(base) | sources]

    def set_meta(self, meta):
        self.meta = meta
        self.columns = list(meta.columns)
        pandas_dates = self.kwargs.get("parse_dates") or []
        pandas_dates = pandas_dates if isinstance(pandas_dates, list) else []
        self.date_columns = {c if c in self.file_columns else self.file_columns[c]
                             for c in pandas_dates if isinstance(c, (str, int))}
        combo_names = set(self.combos)
        self.forced = {c: meta.dtypes[c] for c in meta.columns
                       if c not in combo_names and c not in self.date_columns
                       and c != self.path_column and c in self.file_columns}
        sources = {c for cols in self.combos.values() for c in cols}
        self.source_dtypes = dict(self.forced)
        for c in sources:
            if c not in self.source_dtypes and self.sample_dtypes.get(c) is not None:
                self.source_dtypes[c] = self.sample_dtypes[c]

    def with_columns(self, columns):
        """A reader producing only ``columns`` (in the collection's order);
        no columns at all reads the cheapest one, for counting rows."""
        wanted = [c for c in self.meta.columns if c in columns]
        if not wanted:
            wanted = [self._cheapest()]
        if wanted == self.columns:
            return self
        import copy

        new = copy.copy(self)
        new.columns = wanted
        needed = set()
        for c in wanted:
            needed.update(self.combos.get(c, [c]))
        new.usecols = [c for c in self.usecols if c in needed] or \
            [self.combos.get(self._cheapest(), [self._cheapest()])[0]]
        return new

    def _cheapest(self):
        """A column that is quick to parse (for counting rows)."""
        for c in self.meta.columns:
            if c in self.forced and getattr(self.forced[c], "kind", "") in "iufb":
                return c
        return next(c for c in self.meta.columns if c != self.path_column)

    # ---- parsing

    def __call__(self, block):
        path, offset, length, compression, _ = block
        try:
            df = self._parse_arrow(block)
            if df is None:
                df = self._parse_block(block)
        except (ValueError, TypeError, OverflowError) as e:
            raise self._diagnose(block, e) from e
        if self._bad_dates(df):
            raise self._diagnose(block, None)
        if self.path_column and self.path_column in self.columns:
            df[self.path_column] = path
        return df[self.columns] if list(df.columns) != self.columns else df

    def _parse_block(self, block):
        """The block parsed by pandas: a whole file straight from the file."""
        path, offset, length, compression, _ = block
        if length is None:
            with self.fs.open(path, mode="rb", compression=compression) as f:
                return self.parse(f, first=True, forced=True)
        data = _read_bytes(self.fs, path, offset, length, compression)
        return self.parse(data, first=offset == 0, forced=True)

    def _parse_arrow(self, block):
        """The block parsed by pyarrow when it reads a text column (see
        csv_arrow), or None (pandas then parses it)."""
        from plait.dataframe.io.csv_arrow import arrow_plan, parse_arrow

        dtypes = {c: pd.api.types.pandas_dtype(t) for c, t in self._dtypes(True).items()}
        if set(dtypes) != set(self.usecols) or not any(
                pd.api.types.is_string_dtype(t) for t in dtypes.values()):
            return None
        plan = arrow_plan(self.kwargs, dtypes, self.file_columns)
        if plan is None:
            return None
        path, offset, length, compression, _ = block
        skip = (self.kwargs.get("skiprows") or 0) + (1 if self.header else 0)
        try:
            if length is None and compression is None and "file" in _protocols(self.fs):
                df = parse_arrow(plan, path, self.usecols, skip, dtypes)
            else:
                data = _read_bytes(self.fs, path, offset, length, compression)
                df = parse_arrow(plan, data, self.usecols, skip if offset == 0 else 0, dtypes)
        except Exception:
            return None
        df = self._combine_dates(df)
        if self.path_column and self.path_column in self.columns:
            df[self.path_column] = ""
        return df

    def parse(self, data, first, forced):
        """Parse ``data`` (the bytes of one block, or a file) into the output
        columns; ``forced`` reads with the meta's dtypes."""
        df = self._parse_pandas(data, first, forced)
        df = self._combine_dates(df)
        if self.path_column and (self.columns is None or self.path_column in self.columns):
            df[self.path_column] = ""
        return df

    def _parse_pandas(self, data, first, forced):
        kwargs = dict(self.kwargs)
        if not first:
            data = self.header + data
            kwargs.pop("skiprows", None)
            if kwargs.get("header", "infer") not in (None, "infer"):
                kwargs["header"] = 0
        dtype = self._dtypes(forced)
        parse_dates = kwargs.pop("parse_dates", None)
        if parse_dates:
            kwargs["parse_dates"] = [c for c in self._date_names(parse_dates)
                                     if c in self.usecols]
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        df = pd.read_csv(source, usecols=self.usecols, dtype=dtype or None,
                         **kwargs)
        if not forced:
            self.sample_dtypes = dict(df.dtypes)
        return df

    def _date_names(self, parse_dates):
        return [c if c in self.file_columns else self.file_columns[c] for c in parse_dates]

    def _dtypes(self, forced):
        dtype = {}
        if isinstance(self.user_dtype, dict):
            dtype.update({k: v for k, v in self.user_dtype.items() if k in self.usecols})
        elif self.user_dtype is not None:
            dtype = {c: self.user_dtype for c in self.usecols}
        if forced:
            for c in self.usecols:
                if c not in dtype and c in self.source_dtypes:
                    dtype[c] = self.source_dtypes[c]
        return dtype

    def _combine_dates(self, df):
        if not self.combos:
            return df
        wanted = self.columns
        new = {}
        for name, cols in self.combos.items():
            if wanted is not None and name not in wanted:
                continue
            new[name] = combine_date_columns([df[c] for c in cols])
        drop = [] if self.keep_date_col else [
            c for cols in self.combos.values() for c in cols
            if wanted is None or c not in wanted]
        rest = df.drop(columns=[c for c in dict.fromkeys(drop) if c in df.columns])
        out = pd.concat([pd.DataFrame(new, index=df.index), rest], axis=1) if new else rest
        return out

    def _bad_dates(self, df):
        return [c for c in self.columns if c in self.date_columns
                and self.meta.dtypes[c] != df.dtypes[c]]

    # ---- errors

    def _diagnose(self, block, error):
        """A ValueError naming the file, the columns and lines that do not
        fit their dtypes, and the dtype= that would read them."""
        from plait.dataframe.io.csv_errors import diagnose

        path, offset, length, compression, _ = block
        data = _read_bytes(self.fs, path, offset, length, compression)
        return diagnose(self, data, block, error)


def combine_date_columns(columns):
    """One datetime Series from several columns, as pandas < 2 did for
    ``parse_dates={'name': [...]}``: values joined with spaces, then parsed.

    >>> combine_date_columns([pd.Series([2013, 2013]), pd.Series([1, 12]),
    ...                       pd.Series([2, 31])]).tolist()
    [Timestamp('2013-01-02 00:00:00'), Timestamp('2013-12-31 00:00:00')]
    """
    fast = _year_month_day(columns)
    if fast is not None:
        return fast
    text = columns[0].astype(str)
    for c in columns[1:]:
        text = text + " " + c.astype(str)
    return pd.to_datetime(text)


def _year_month_day(columns):
    """The fast path for integer year, month, day columns (same result)."""
    if len(columns) != 3 or not all(pd.api.types.is_integer_dtype(c.dtype) and
                                    not isinstance(c.dtype, pd.api.extensions.ExtensionDtype)
                                    for c in columns):
        return None
    y, m, d = (c.to_numpy() for c in columns)
    unit = _parsed_dtype()
    if not len(y):
        return pd.Series([], index=columns[0].index, dtype=unit)
    if y.min() < 1000 or y.max() > 9999 or m.min() < 1 or m.max() > 12 or d.min() < 1:
        return None
    months = (y - 1970) * 12 + (m - 1)
    start = months.astype("M8[M]").astype("M8[D]")
    length = (months + 1).astype("M8[M]").astype("M8[D]") - start
    if (d > length.astype(np.int64)).any():
        return None  # a day past the month's end: the text path raises the error
    days = start + (d - 1).astype("m8[D]")
    return pd.Series(days.astype(unit), index=columns[0].index)


@functools.lru_cache(maxsize=1)
def _parsed_dtype():
    """The dtype pandas gives dates parsed from text (ns before pandas 3, us after)."""
    return pd.to_datetime(pd.Series(["2000 1 1"])).dtype


# ---------------------------------------------------------------- to_csv

def _write_csv(part, path, fs, kwargs):
    with fs.open(path, mode="wb") as f:
        part.to_csv(f, **kwargs)
    return pd.Series([path])


def to_csv(frame, path, name_function=None, single_file=False, compute=True,
           storage_options=None, **kwargs):
    """Write each partition to its own CSV file; return the file names.

    ``path`` is a directory, or a name with one ``*`` replaced by the
    partition number (``name_function(i)`` if given). ``single_file=True``
    writes one file, partition after partition.

    >>> import tempfile
    >>> import plait.dataframe as pdd
    >>> d = tempfile.mkdtemp()
    >>> df = pdd.from_pandas(pd.DataFrame({'x': range(4)}), npartitions=2)
    >>> [os.path.basename(p) for p in df.to_csv(os.path.join(d, 'part-*.csv'), index=False)]
    ['part-0.csv', 'part-1.csv']
    """
    import fsspec

    from plait.dataframe.core import new_collection

    fs, _, _ = fsspec.core.get_fs_token_paths(path, mode="wb",
                                              storage_options=storage_options or {})
    if single_file:
        return _to_single_csv(frame, fs, path, compute, kwargs)
    name_function = name_function or str
    if "*" not in path:
        fs.makedirs(path, exist_ok=True)
        path = path.rstrip("/") + "/*.part"
    else:
        fs.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    names = [path.replace("*", name_function(i)) for i in range(frame.npartitions)]
    expr = Blockwise(_write_csv, (frame.expr, PerPartition(names), fs, kwargs),
                     meta=pd.Series([], dtype=object), prefix="to-csv")
    writes = new_collection(expr)
    return list(writes.compute()) if compute else writes


def _to_single_csv(frame, fs, path, compute, kwargs):
    import plait

    out = plait.delayed(_write_single)(frame.to_delayed(), path, fs, kwargs)
    return [out.compute()] if compute else out


def _write_single(parts, path, fs, kwargs):
    kwargs = dict(kwargs)
    header = kwargs.pop("header", True)
    with fs.open(path, mode="wb") as f:
        for i, part in enumerate(parts):
            part.to_csv(f, header=header if i == 0 else False, **kwargs)
    return path
