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
from plait.delayed import Delayed, delayed
from plait.local import get
from plait.tokenize import normalize_token, tokenize

set_options = config.set

__version__ = "0.1.0"

__all__ = ["get", "compute", "persist", "visualize", "get_scheduler", "config",
           "set_options", "is_plait_collection", "Callback", "delayed", "Delayed",
           "tokenize", "normalize_token"]
