"""plait: parallel computing with task graphs.

Build a graph (a dict of keys to ``(func, *args)`` tasks, or through the
``delayed``, ``bag``, ``array`` and ``dataframe`` collections) and run it on
one thread, a pool of threads, a pool of processes, or a cluster.

>>> from operator import add
>>> import plait
>>> plait.get({'a': 1, 'b': 2, 'c': (add, 'a', 'b')}, 'c')
3
"""
from plait import config
from plait.base import compute, get_scheduler, is_plait_collection, persist, visualize
from plait.callbacks import Callback
from plait.local import get

set_options = config.set

__version__ = "0.1.0"

_LAZY = {
    "delayed": ("plait.delayed", "delayed"),
    "Delayed": ("plait.delayed", "Delayed"),
    "tokenize": ("plait.tokenize", "tokenize"),
    "normalize_token": ("plait.tokenize", "normalize_token"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'plait' has no attribute {name!r}")


__all__ = ["get", "compute", "persist", "visualize", "get_scheduler", "config",
           "set_options", "is_plait_collection", "Callback", "delayed", "Delayed",
           "tokenize", "normalize_token"]
