"""plait.bag: parallel lists of Python objects (strings, dicts, JSON records).

A ``Bag`` holds its elements in partitions and is lazy; element-wise steps
(``map``, ``filter``, ``pluck``, ``str.*``...) fuse into one task per
partition, reductions (``count``, ``frequencies``, ``foldby``...) combine
partitions through a tree. The default scheduler is processes: pure-Python
work holds the GIL.

>>> import json, os, tempfile
>>> import plait.bag as pb
>>> d = tempfile.mkdtemp()
>>> for i, name in enumerate(['alice', 'bob']):
...     with open(os.path.join(d, f'{i}.json'), 'w') as f:
...         _ = f.write(json.dumps({'name': name}) + '\\n')
>>> b = pb.read_text(os.path.join(d, '*.json')).map(json.loads).pluck('name')
>>> sorted(b.frequencies().compute(scheduler='sync'))
[('alice', 1), ('bob', 1)]
"""
from plait.bag.combine import concat, zip_bags as zip
from plait.bag.core import Bag, map_bags as map, map_partitions
from plait.bag.io import from_delayed, from_sequence, range, read_text
from plait.bag.item import Item


def to_textfiles(bag, path, name_function=None, compression="infer", encoding="utf-8",
                 compute=True, storage_options=None, last_endline=False, **kwargs):
    """Write each partition of ``bag`` to a text file (see ``Bag.to_textfiles``).

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> paths = to_textfiles(from_sequence(['x', 'y'], npartitions=1), os.path.join(d, 'out-*.txt'),
    ...                      scheduler='sync')
    >>> open(paths[0]).read()
    'x\\ny'
    """
    return bag.to_textfiles(path, name_function, compression, encoding, compute,
                            storage_options, last_endline, **kwargs)


__all__ = ["Bag", "Item", "concat", "from_delayed", "from_sequence", "map",
           "map_partitions", "range", "read_text", "to_textfiles", "zip"]
