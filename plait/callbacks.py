"""Hooks into the scheduling engine, for every scheduler it drives.

A callback is any object with some of these methods (all optional)::

    start(graph)                                   before the graph is compiled
    start_state(graph, state)                      the engine's State is ready
    pretask(key, graph, state)                     a task is sent to a worker
    posttask(key, result, graph, state, worker_id) a task finished
    finish(graph, state, errored)                  the computation ended

Hooks run in the caller's process. ``state`` is the engine's
``plait.scheduling.engine.State``: ``state.stats()`` gives counts, and
``state.times[index]`` the ``(start, end)`` wall-clock times measured in the
worker (``state.compiled.index[key]`` gives a key's index). A hook that
raises stops the computation and its error reaches the caller.
"""
from __future__ import annotations

import threading

HOOKS = ("start", "start_state", "pretask", "posttask", "finish")

_registered = {}
_lock = threading.Lock()


class Callback:
    """Base class for callbacks; also builds one from plain functions.

    Use it as a context manager (active inside the block), with
    ``register()``/``unregister()`` (active until unregistered), or per call
    (``compute(..., callbacks=[cb])``).

    >>> import plait
    >>> from operator import add
    >>> seen = []
    >>> with Callback(posttask=lambda key, result, graph, state, worker: seen.append(key)):
    ...     plait.get({'a': 1, 'b': (add, 'a', 1)}, 'b')
    2
    >>> seen
    ['b']
    """

    def __init__(self, start=None, start_state=None, pretask=None, posttask=None,
                 finish=None):
        given = dict(start=start, start_state=start_state, pretask=pretask,
                     posttask=posttask, finish=finish)
        for name, func in given.items():
            if func is not None:
                if not callable(func):
                    raise TypeError(f"Callback {name}= must be callable, got {func!r}")
                setattr(self, name, func)

    def __enter__(self):
        self.register()
        return self

    def __exit__(self, *exc):
        self.unregister()

    def register(self):
        """Make this callback active for every computation until ``unregister``."""
        with _lock:
            _registered[id(self)] = self

    def unregister(self):
        """Stop using this callback (no error if it was not registered)."""
        with _lock:
            _registered.pop(id(self), None)

    @property
    def active(self):
        return id(self) in _registered


def active_callbacks(extra=None):
    """The registered callbacks followed by ``extra`` (one or a list), as a tuple.

    >>> cb = Callback(start=print)
    >>> active_callbacks([cb]) == (cb,)
    True
    """
    with _lock:
        found = list(_registered.values())
    if extra is not None:
        if isinstance(extra, (list, tuple, set)):
            found.extend(extra)
        else:
            found.append(extra)
    for cb in found:
        if not any(callable(getattr(cb, h, None)) for h in HOOKS):
            raise TypeError(f"{cb!r} is not a callback: it has none of the hooks "
                            f"{', '.join(HOOKS)}")
    return tuple(dict.fromkeys(found))


def unregister_all():
    """Forget every registered callback (for tests and notebooks)."""
    with _lock:
        _registered.clear()
