"""Making bags: from sequences, ranges, Delayed values and text files; writing text."""
from __future__ import annotations

import builtins
import math
import re

from plait.bag.collection import merge_layers, new_name
from plait.graph.core import quote

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def from_sequence(seq, partition_size=None, npartitions=None):
    """A bag of the elements of ``seq`` in partitions of ``partition_size``
    elements, or about ``npartitions`` partitions (default: up to 100).

    >>> b = from_sequence([1, 2, 3, 4, 5], npartitions=3)
    >>> b.npartitions, b.compute(scheduler='sync')
    (3, [1, 2, 3, 4, 5])
    >>> from_sequence('abcde', partition_size=2).npartitions
    3
    """
    from plait.bag.core import Bag

    seq = list(seq)
    if partition_size is not None and npartitions is not None:
        raise TypeError("from_sequence takes partition_size= or npartitions=, not both")
    if npartitions is not None:
        _check_positive("npartitions", npartitions)
        partition_size = max(1, math.ceil(len(seq) / npartitions))
    elif partition_size is None:
        partition_size = max(1, math.ceil(len(seq) / 100))
    _check_positive("partition_size", partition_size)
    parts = [seq[i:i + partition_size] for i in builtins.range(0, len(seq), partition_size)]
    parts = parts or [[]]
    name = new_name("from-sequence", seq, partition_size)
    layer = {(name, i): quote(p) for i, p in enumerate(parts)}
    return Bag({name: layer}, name, len(parts))


def range(n, npartitions):
    """A bag of ``0, 1, ..., n - 1`` in ``npartitions`` partitions; nothing
    is stored, each partition counts inside its task.

    >>> range(5, npartitions=2).compute(scheduler='sync')
    [0, 1, 2, 3, 4]
    """
    from plait.bag.core import Bag

    _check_positive("npartitions", npartitions)
    size = max(1, math.ceil(n / npartitions))
    sources = [builtins.range(i, min(i + size, n)) for i in builtins.range(0, n, size)]
    sources = sources or [builtins.range(0)]
    name = new_name("range", n, npartitions)
    return Bag({}, name, len(sources), sources)


def from_delayed(values):
    """A bag with one partition per Delayed value (each an iterable).

    >>> import plait
    >>> parts = [plait.delayed(list)('ab'), plait.delayed(list)('c')]
    >>> from_delayed(parts).compute(scheduler='sync')
    ['a', 'b', 'c']
    """
    from plait.base import is_plait_collection
    from plait.bag.core import Bag, graph_of, key_of

    values = [values] if is_plait_collection(values) else list(values)
    for v in values:
        if not is_plait_collection(v):
            raise TypeError(f"from_delayed expects Delayed values, got "
                            f"{type(v).__name__}: {v!r:.80}")
    layers = merge_layers(*[graph_of(v) for v in values])
    sources = [key_of(v) for v in values]
    name = new_name("from-delayed", sources)
    return Bag(layers, name, len(sources), sources)


def read_text(urlpath, blocksize=None, compression="infer", encoding="utf-8",
              errors="strict", linedelimiter="\n", include_path=False,
              storage_options=None):
    """A bag of the lines of text files (each line keeps its delimiter).

    ``urlpath`` is a path, a glob pattern, an fsspec URL (``s3://``,
    ``memory://``...) or a list of those. Each file is one partition, read
    as a stream and decompressed on the fly (``compression='infer'`` goes
    by extension: .gz, .bz2, .xz, ...). With ``blocksize`` (bytes, or a
    string such as ``'64MiB'``) uncompressed files are split into blocks at
    line boundaries, one partition each (compressed files stay whole). With ``include_path`` elements are
    ``(line, path)``. A bag made here names the file and line number when
    processing a line fails.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'a.txt')
    >>> with open(path, 'w') as f:
    ...     _ = f.write('one\\ntwo\\nthree\\n')
    >>> read_text(path, blocksize=5).map(str.strip).compute(scheduler='sync')
    ['one', 'two', 'three']
    """
    from plait.bag.core import Bag
    from plait.bag.lines import TextBlock

    if not linedelimiter:
        raise ValueError("read_text: linedelimiter must be a non-empty string")
    blocksize = parse_bytes(blocksize) if blocksize is not None else None
    files = expand_paths(urlpath, storage_options)
    sources = []
    for fs, path in files:
        comp = _compression(path, compression)
        for offset, length in _blocks(fs, path, blocksize, comp):
            sources.append(TextBlock(_openfile(fs, path, comp), offset, length, encoding,
                                     errors, linedelimiter, include_path))
    ukeys = [_ukey(fs, path) for fs, path in files]
    name = new_name("read-text", ukeys, blocksize, compression, encoding, errors,
                    linedelimiter, include_path)
    return Bag({}, name, len(sources), sources)


def expand_paths(urlpath, storage_options=None):
    """``[(filesystem, path)]`` for a path, glob, URL or list of them; a
    pattern matching nothing or a missing file raises ``FileNotFoundError``
    naming it."""
    from fsspec.core import get_fs_token_paths

    patterns = [urlpath] if isinstance(urlpath, str) or hasattr(urlpath, "__fspath__") \
        else list(urlpath)
    if not patterns:
        raise ValueError("read_text: no paths given")
    out = []
    for pattern in patterns:
        pattern = str(pattern.__fspath__()) if hasattr(pattern, "__fspath__") else pattern
        fs, _, paths = get_fs_token_paths(pattern, mode="rb",
                                          storage_options=storage_options)
        if not paths or not all(fs.isfile(p) for p in paths):
            missing = pattern if not paths else next(p for p in paths if not fs.isfile(p))
            what = "no files match" if _has_magic(pattern) else "no such file"
            raise FileNotFoundError(f"read_text: {what} {missing!r}")
        out.extend((fs, p) for p in paths)
    return out


def _has_magic(pattern):
    return bool(re.search(r"[*?\[]", pattern))


def _compression(path, compression):
    if compression == "infer":
        from fsspec.utils import infer_compression

        return infer_compression(path)
    from fsspec.compression import compr

    if compression is not None and compression not in compr:
        raise ValueError(f"unknown compression {compression!r}; choose from "
                         f"{sorted(k for k in compr if k)} or 'infer'")
    return compression


def _blocks(fs, path, blocksize, compression):
    if blocksize is None or compression is not None:
        return [(0, None)]  # a compressed stream cannot be entered mid-way
    size = fs.size(path)
    return [(off, min(blocksize, size - off))
            for off in builtins.range(0, size, blocksize)] or [(0, 0)]


def _openfile(fs, path, compression, mode="rb", encoding=None):
    from fsspec.core import OpenFile

    return OpenFile(fs, path, mode=mode, compression=compression, encoding=encoding)


def _ukey(fs, path):
    try:
        return fs.ukey(path)
    except (NotImplementedError, OSError, AttributeError):
        return path


def parse_bytes(size):
    """Bytes in ``size``: an int, or a string such as ``'64MiB'``, ``'1 GB'``.

    >>> parse_bytes('64MiB'), parse_bytes('1.5kb'), parse_bytes(100)
    (67108864, 1500, 100)
    """
    if isinstance(size, int) and not isinstance(size, bool):
        value = size
    elif isinstance(size, str):
        m = re.fullmatch(r"\s*([\d.]+)\s*([a-zA-Z]*)\s*", size)
        if not m or m.group(2).lower() not in _UNITS:
            raise ValueError(f"blocksize: cannot read {size!r} as a size in bytes "
                             f"(examples: 1000000, '64MiB', '128 MB')")
        value = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    else:
        raise TypeError(f"blocksize must be an int or a string such as '64MiB', "
                        f"got {type(size).__name__}")
    if value <= 0:
        raise ValueError(f"blocksize must be positive, got {size!r}")
    return value


def _check_positive(name, value):
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


# -- writing ---------------------------------------------------------------------
def text_writers(path, n, name_function=None, compression="infer", encoding="utf-8",
                 storage_options=None):
    """One fsspec ``OpenFile`` (text mode) per partition, for ``to_textfiles``."""
    from fsspec.core import get_fs_token_paths

    if isinstance(path, (list, tuple)) and len(path) != n:
        raise ValueError(f"to_textfiles: {len(path)} paths given for {n} partitions")
    if isinstance(path, str) and path.count("*") > 1:
        raise ValueError(f"to_textfiles: the pattern {path!r} has more than one '*'")
    fs, _, paths = get_fs_token_paths(path, mode="wb", num=n, name_function=name_function,
                                      storage_options=storage_options)
    return [_openfile(fs, p, _compression(p, compression), mode="wt", encoding=encoding)
            for p in paths]


def write_text(seq, openfile, last_endline=False):
    """Write the string elements of ``seq`` to ``openfile``, one per line;
    return the file's path."""
    fs = openfile.fs
    parent = fs._parent(openfile.path)
    if parent:
        fs.makedirs(parent, exist_ok=True)
    with openfile as f:
        started = False
        for x in seq:
            if started:
                f.write("\n")
            started = True
            if not isinstance(x, str):
                raise TypeError(f"to_textfiles writes strings, got {type(x).__name__} "
                                f"{x!r:.80}; map(json.dumps) or map(str) first")
            f.write(x)
        if last_endline and started:
            f.write("\n")
    return [openfile.path]
