"""The graph optimization bags use before scheduling: cull, then fuse."""
from __future__ import annotations

from plait.graph import cull, fuse


def optimize(dsk, keys, **kwargs):
    """Keep what ``keys`` need and fuse linear chains into single tasks.

    Element-wise pipelines are already one task per partition (see
    ``plait.bag.core``); fusing merges what remains linear, e.g. a
    reduction of a one-partition bag with its last aggregation.

    >>> from operator import add
    >>> dsk = {'a': 1, 'b': (add, 'a', 1), 'c': (add, 'b', 1), 'unused': 0}
    >>> sorted(optimize(dsk, ['c']))
    ['a-b-c', 'c']
    """
    culled, deps = cull(dsk, keys)
    fused, _ = fuse(culled, keys, dependencies=deps)
    return fused
