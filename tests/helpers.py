"""Small picklable functions for tests (importable by worker processes)."""
from __future__ import annotations

import os
import time


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def double(x):
    return 2 * x


def identity(x):
    return x


def raise_value_error(x):
    raise ValueError(f"bad value {x!r}")


def pid(x=None):
    return os.getpid()


def sleep_then(x, seconds=0.05):
    time.sleep(seconds)
    return x


class Unpicklable:
    def __reduce__(self):
        raise TypeError("this object refuses to be pickled")


def make_unpicklable(x=None):
    return Unpicklable()


def reference_get(dsk, key):
    """A plain recursive evaluator of the graph spec, for comparison."""
    from plait.graph.core import quote

    cache = {}

    def ev(x):
        t = type(x)
        if t is tuple and x and callable(x[0]):
            return x[0](*[ev(a) for a in x[1:]])
        if t is list:
            return [ev(a) for a in x]
        if t is quote:
            return x.value
        try:
            if x in dsk:
                return value(x)
        except TypeError:
            pass
        return x

    def value(k):
        if k not in cache:
            cache[k] = ev(dsk[k])
        return cache[k]

    return value(key)
