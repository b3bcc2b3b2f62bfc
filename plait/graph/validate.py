"""Check that a graph follows the spec before running it."""
from __future__ import annotations

from collections.abc import Mapping

from plait.graph.core import iskey, key_str
from plait.graph.optimize import _check_present, _flat_keys
from plait.graph.toposort import toposort


def validate(dsk, keys=None):
    """Raise a clear error if ``dsk`` is not a valid graph; return None.

    Checks that ``dsk`` is a Mapping whose keys are valid key types, that
    each of ``keys`` is in it, that a tuple key such as ``('x', 5)`` used as
    an argument exists when its family (other ``('x', ...)`` keys) does, and
    that there is no cycle.

    >>> from operator import add
    >>> validate({'a': 1, 'b': (add, 'a', 1), 'c': (add, 'b', 'a')}, ['c'])
    >>> validate({('x', 0): 1, ('x', 1): 2, 'y': (add, ('x', 0), ('x', 2))})
    Traceback (most recent call last):
    ...
    KeyError: "task 'y' refers to ('x', 2), which is not a key of the graph"

    See Also: toposort, getcycle
    """
    if not isinstance(dsk, Mapping):
        raise TypeError(f"a graph must be a Mapping of keys to computations, "
                        f"not {type(dsk).__name__}")
    for key in dsk:
        if not iskey(key):
            raise TypeError(f"invalid key {key_str(key)} of type {type(key).__name__}: "
                            "keys are str, bytes, int, float or tuples of those")
    if keys is not None:
        _check_present(dsk, _flat_keys(keys))
    _check_references(dsk)
    toposort(dsk)


def _check_references(dsk):
    families = {k[0] for k in dsk if type(k) is tuple and k}
    if not families:
        return
    for key, comp in dsk.items():
        for ref in _tuple_references(comp):
            if ref[0] in families and ref not in dsk:
                raise KeyError(f"task {key_str(key)} refers to {key_str(ref)}, "
                               "which is not a key of the graph")


def _tuple_references(comp):
    """The non-task tuples of keys that ``comp`` uses as values."""
    stack = [comp]
    while stack:
        x = stack.pop()
        if type(x) is tuple and x:
            if callable(x[0]):
                stack.extend(x[1:])
            elif iskey(x):
                yield x
        elif type(x) is list:
            stack.extend(x)
