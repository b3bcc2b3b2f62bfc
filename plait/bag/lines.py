"""Lines of text files, read inside the task that uses them.

A ``TextBlock`` names a whole file or a byte range of an uncompressed file
(``blocksize``), read as a stream of batches of lines either way (a
compressed file is decompressed on the fly), so memory stays flat: the range
starts after the first line delimiter at or after ``offset`` and ends with
the first delimiter at or after ``offset + length``, so consecutive blocks
tile the file at line boundaries. Lines keep their delimiter, as in Dask.

The iterable a block opens remembers how many lines it handed out, so an
error while processing one names the file and the line number.
"""
from __future__ import annotations

import io
from itertools import chain
from operator import length_hint

from fsspec.utils import read_block, seek_delimiter

from plait.bag.partition import Source

CHUNK = 1 << 20  # about how many characters each batch of lines holds
READ_SIZE = 1 << 16  # bytes per read from the file (fsspec files are Python objects)
NATIVE = ("\n", "\r", "\r\n")  # delimiters io.TextIOWrapper splits lines on


class TextBlock(Source):
    """The lines of ``openfile`` (an fsspec ``OpenFile`` in binary mode),
    or of its block ``[offset, offset + length)`` when ``length`` is given.
    """

    def __init__(self, openfile, offset=0, length=None, encoding="utf-8",
                 errors="strict", delimiter="\n", include_path=False):
        self.openfile = openfile
        self.offset = offset
        self.length = length
        self.encoding = encoding
        self.errors = errors
        self.delimiter = delimiter
        self.include_path = include_path

    def __reduce__(self):
        return (TextBlock, (self.openfile, self.offset, self.length, self.encoding,
                            self.errors, self.delimiter, self.include_path))

    def __repr__(self):
        span = "" if self.length is None else f", bytes {self.offset}+{self.length}"
        return f"TextBlock({self.path!r}{span})"

    @property
    def path(self):
        return self.openfile.path

    def open(self):
        return Lines(self)

    def batches(self):
        """Lists of lines, in order."""
        batches = self._batches()
        if not self.include_path:
            return batches
        path = self.path
        return ([(line, path) for line in batch] for batch in batches)

    def _batches(self):
        delim = self.delimiter
        with self.openfile as raw:
            if self.length is not None:
                start, end = block_range(raw, self.offset, self.length,
                                         delim.encode(self.encoding))
                raw.seek(start)
                raw = io.BufferedReader(ByteRange(raw, end - start), READ_SIZE)
            native = delim in NATIVE
            text = io.TextIOWrapper(raw, encoding=self.encoding, errors=self.errors,
                                    newline=delim if native else "")
            text._CHUNK_SIZE = READ_SIZE
            yield from (_native_batches if native else _split_batches)(text, delim)

    def lines_before(self):
        """How many lines of the file come before this block."""
        if self.length is None or self.offset == 0:
            return 0
        delim = self.delimiter.encode(self.encoding)
        with self.openfile as f:
            return read_block(f, 0, self.offset, delim).count(delim)


def block_range(f, offset, length, delimiter):
    """``(start, end)``: the bytes of the block at ``offset`` (the bounds
    ``fsspec.utils.read_block`` uses, found without reading the block).

    >>> block_range(io.BytesIO(b'ab\\ncd\\nef\\n'), 1, 4, b'\\n')
    (3, 6)
    """
    f.seek(offset)
    seek_delimiter(f, delimiter, READ_SIZE)
    start = f.tell()
    f.seek(offset + length)
    seek_delimiter(f, delimiter, READ_SIZE)
    return start, f.tell()


class ByteRange(io.RawIOBase):
    """At most ``size`` bytes of the file ``f`` from where it is now."""

    def __init__(self, f, size):
        self.f = f
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        data = self.f.read(n) if n > 0 else b""
        buffer[:len(data)] = data
        self.left -= len(data)
        return len(data)


def _native_batches(text, delim):
    while True:
        lines = text.readlines(CHUNK)
        if not lines:
            return
        yield lines


def _split_batches(text, delim):
    carry = ""
    while True:
        chunk = text.read(CHUNK)
        if not chunk:
            break
        lines, carry = split_lines(carry + chunk, delim)
        yield lines
    if carry:
        yield [carry]


def split_lines(text, delimiter):
    """Complete lines of ``text`` (each ending with ``delimiter``) and the rest.

    >>> split_lines('a\\nb\\nc', '\\n')
    (['a\\n', 'b\\n'], 'c')
    """
    parts = text.split(delimiter)
    last = parts.pop()
    return [p + delimiter for p in parts], last


class Lines:
    """The lines of a block, iterable once; ``where()`` names the current line."""

    def __init__(self, block):
        self.block = block
        self.before = 0
        self.size = 0
        self.batch = None

    def __iter__(self):
        return chain.from_iterable(self._batches())

    def _batches(self):
        for batch in self.block.batches():
            self.before += self.size
            self.size = len(batch)
            self.batch = iter(batch)
            yield self.batch

    def lineno(self):
        """The line number, in the file, of the last line handed out (or 0)."""
        if self.batch is None:
            return 0
        n = self.before + self.size - length_hint(self.batch)
        return n + self.block.lines_before()

    def where(self, streaming):
        """A note for an error raised while these lines were being processed."""
        if not streaming:
            return f"while processing a partition read from {self.block.path}"
        try:
            n = self.lineno()
        except Exception:  # noqa: BLE001 - the original error matters more
            return f"while processing {self.block.path}"
        if n == 0:
            return f"while reading {self.block.path}"
        return f"while processing line {n} of {self.block.path}"
