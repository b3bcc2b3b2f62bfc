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

Recording worker times costs two clock reads and two dict entries per task,
and keeps values inside chains until ``posttask`` has seen them. A callback
that reads neither ``state.times`` nor ``posttask`` results says so with the
class attribute ``needs_times = False`` (``ProgressBar`` and
``ResourceProfiler`` do); ``needs_times(callbacks)`` tells the engine
whether any active callback wants them.

With the ``processes`` scheduler values stay in the worker that made them:
``result`` in ``posttask`` may then be a stand-in that carries the value's
size as ``nbytes`` instead of the value.
"""
from __future__ import annotations

import threading

from plait.scheduling.engine import needs_times  # noqa: F401 - part of this module's API

HOOKS = ("start", "start_state", "pretask", "posttask", "finish")

_registered = {}
_lock = threading.Lock()


class Callback:
    """Base class for callbacks; also builds one from plain functions.

    Subclasses define any of the hooks as methods; ``needs_times = False``
    on a subclass that reads neither ``state.times`` nor ``posttask`` results
    saves the engine from timing every task.

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

    needs_times = True

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
        """Make this callback active for every computation until ``unregister``.

        >>> cb = Callback(start=lambda graph: None)
        >>> cb.register()
        >>> cb.active
        True
        >>> cb.unregister()
        >>> cb.active
        False
        """
        with _lock:
            _registered[id(self)] = self

    def unregister(self):
        """Stop using this callback (no error if it was not registered).

        >>> Callback(start=print).unregister()
        """
        with _lock:
            _registered.pop(id(self), None)

    @property
    def active(self):
        """Is this callback registered (or inside its ``with`` block)?"""
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
    """Forget every registered callback (for tests and notebooks).

    >>> Callback(start=print).register()
    >>> unregister_all()
    >>> active_callbacks()
    ()
    """
    with _lock:
        _registered.clear()
