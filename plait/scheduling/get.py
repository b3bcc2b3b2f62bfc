"""Run a graph with a backend: the shared body of every ``get`` function."""
from __future__ import annotations

import gc
from contextlib import contextmanager

from plait.scheduling.compile import compile_graph
from plait.scheduling.engine import needs_times, run


def flatten_keys(keys, out):
    """Append the keys in ``keys`` (a key or nested lists of keys) to ``out``."""
    if type(keys) is list:
        for k in keys:
            flatten_keys(k, out)
    else:
        out.append(keys)
    return out


def _reshape(keys, values):
    """Rebuild the nesting of ``keys`` from the flat iterator ``values``."""
    if type(keys) is list:
        return [_reshape(k, values) for k in keys]
    return next(values)


@contextmanager
def gc_paused(size):
    """Pause the cyclic garbage collector while compiling a large graph.

    Compiling allocates millions of small, acyclic objects; each automatic
    collection would scan all of them again, making big graphs quadratic.
    """
    if size < 10_000 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def run_graph(dsk, keys, backend, callbacks=()):
    """Compute ``keys`` of ``dsk`` on ``backend``; results shaped like ``keys``.

    ``keys`` is one key, or a list (nested lists allowed) of keys.

    >>> from operator import add
    >>> from plait.scheduling.local import SyncBackend
    >>> run_graph({'a': 1, 'b': (add, 'a', 1)}, [['a'], 'b'], SyncBackend())
    [[1], 2]
    """
    if not hasattr(dsk, "keys") or not hasattr(dsk, "__getitem__"):
        raise TypeError(f"a graph must be a Mapping of keys to computations, "
                        f"got {type(dsk).__name__}")
    for cb in callbacks:
        if getattr(cb, "start", None):
            cb.start(dsk)
    if type(keys) is not list:
        flat = [keys]
    elif list in set(map(type, keys)):
        flat = flatten_keys(keys, [])
    else:
        flat = keys
    with gc_paused(len(dsk)):
        compiled = compile_graph(dsk, flat)
    session = backend.session(compiled, timing=needs_times(callbacks))
    values = run(compiled, session, callbacks)
    if type(keys) is not list:
        return values[0]
    if flat is keys:
        return values
    return _reshape(keys, iter(values))
