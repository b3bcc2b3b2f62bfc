"""Conversions: to Delayed values, text files and dataframes."""
from __future__ import annotations

from plait.bag.collection import merge_layers, new_name

DATAFRAME_MISSING = (
    "Bag.to_dataframe needs the dataframe collection (plait.dataframe with "
    "from_delayed), which is not installed or not complete: "
    "pip install plait[dataframe]")


class Conversions:
    """Bag methods that turn a bag into something else (mixed into ``Bag``)."""

    def to_delayed(self, optimize_graph=True):
        """One ``plait.delayed.Delayed`` per partition (each a list).

        >>> import plait.bag as pb
        >>> parts = pb.from_sequence([1, 2, 3], npartitions=2).to_delayed()
        >>> [p.compute(scheduler='sync') for p in parts]
        [[1, 2], [3]]
        """
        from plait.delayed import Delayed

        keys = self.__plait_keys__()
        dsk = self.__plait_graph__()
        if optimize_graph:
            dsk = self.__plait_optimize__(dsk, keys)
        return [Delayed(k, dsk) for k in keys]

    def to_textfiles(self, path, name_function=None, compression="infer",
                     encoding="utf-8", compute=True, storage_options=None,
                     last_endline=False, **kwargs):
        """Write each partition to its own text file, elements separated by
        newlines; elements must be strings (``map(json.dumps)`` first).

        ``path`` is a pattern with one ``*`` (replaced by
        ``name_function(i)``, default the partition number), a directory
        (files ``0.part``, ``1.part``...) or a list of paths; any fsspec URL.
        Compression follows the extension with ``'infer'``. Returns the
        written paths, or with ``compute=False`` one Delayed per file.
        Other keywords go to ``compute``.

        >>> import plait.bag as pb, tempfile, os
        >>> d = tempfile.mkdtemp()
        >>> b = pb.from_sequence(['a', 'b', 'c'], npartitions=2)
        >>> paths = b.to_textfiles(os.path.join(d, '*.txt'), scheduler='sync')
        >>> [os.path.basename(p) for p in paths]
        ['0.txt', '1.txt']
        >>> pb.read_text(os.path.join(d, '*.txt')).compute(scheduler='sync')
        ['a\\n', 'b', 'c']
        """
        from plait.bag.io import text_writers

        writers = text_writers(path, self.npartitions, name_function, compression,
                               encoding, storage_options)
        from plait.bag.io import write_text

        name = new_name("to-textfiles", self.name, [w.path for w in writers], last_endline)
        layer = {(name, i): self.task(i, write_text, w, last_endline)
                 for i, w in enumerate(writers)}
        from plait.bag.core import Bag

        out = Bag(merge_layers(self.layers, {name: layer}), name, self.npartitions)
        if not compute:
            return out.to_delayed()
        return out.compute(**kwargs)

    def to_dataframe(self, meta=None, columns=None, optimize_graph=True):
        """A ``plait.dataframe`` DataFrame: one pandas partition per bag
        partition. Elements are dicts (keys become columns) or tuples/lists
        (with ``columns``). ``meta``, an empty pandas DataFrame, gives the
        columns and dtypes; by default they come from the first element.

        >>> import plait.bag as pb
        >>> b = pb.from_sequence([{'a': 1}, {'a': 2}])
        >>> int(b.to_dataframe().compute(scheduler='sync').a.sum())
        3
        """
        try:
            import plait.dataframe as pdd
        except ImportError as exc:
            raise ImportError(DATAFRAME_MISSING) from exc
        if not hasattr(pdd, "from_delayed"):
            raise ImportError(DATAFRAME_MISSING)
        from plait.delayed import Delayed

        if meta is None:
            meta = to_pandas(self.take(1, warn=False), columns).iloc[:0]
        name = new_name("to-dataframe", self.name, columns, meta)
        layer = {(name, i): self.task(i, to_pandas, columns, meta)
                 for i in range(self.npartitions)}
        dsk = {}
        for part in merge_layers(self.layers, {name: layer}).values():
            dsk.update(part)
        keys = [(name, i) for i in range(self.npartitions)]
        if optimize_graph:
            dsk = self.__plait_optimize__(dsk, keys)
        return pdd.from_delayed([Delayed(k, dsk) for k in keys], meta=meta)


def to_pandas(seq, columns=None, meta=None):
    """A pandas DataFrame of the elements (dicts, or tuples with ``columns``).

    >>> to_pandas([{'a': 1, 'b': 'x'}])
       a  b
    0  1  x
    """
    import pandas as pd

    if meta is not None:
        columns = list(meta.columns)
    df = pd.DataFrame(list(seq), columns=columns)
    if meta is not None:
        df = df.astype(meta.dtypes.to_dict())
    return df
