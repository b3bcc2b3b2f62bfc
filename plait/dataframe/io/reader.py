"""The base of file-reading expressions: partition ``i`` calls ``reader(i)``."""
from __future__ import annotations

from plait.dataframe.expr import Blockwise


class ReadFiles(Blockwise):
    """A Blockwise whose function is a reader with ``with_columns``; ``project``
    narrows what it reads to the columns used."""

    @property
    def reader(self):
        return self.func

    def _with_reader(self, reader):
        return type(self)(reader, self.args, meta=self._meta, divisions=self.divisions,
                          prefix=self.prefix)

    def project(self, columns):
        reader = self.reader.with_columns(columns)
        return self if reader is self.reader else self._with_reader(reader)
