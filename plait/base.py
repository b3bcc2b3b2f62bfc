"""The collection protocol, ``compute``, ``persist``, ``visualize`` and scheduler choice.

A *collection* is any object with these methods (all but the first two
optional)::

    __plait_graph__()        its task graph (a Mapping)
    __plait_keys__()         the keys of its pieces: a key or (nested) list of keys
    __plait_postcompute__()  (finalize, extra_args): finalize(results, *extra)
                             turns the computed pieces into the user's value
    __plait_postpersist__()  (rebuild, extra_args): rebuild({key: value}, *extra)
                             makes an equivalent collection from computed pieces
    __plait_optimize__       staticmethod (dsk, keys, **kwargs) -> dsk
    __plait_scheduler__      staticmethod: the collection's default scheduler
                             (a name such as 'threads', or a get function)

Collections only BUILD graphs; schedulers never know about collections.
"""
from __future__ import annotations

import concurrent.futures as cf
import inspect
import multiprocessing.pool
from functools import partial

from plait import config
from plait.scheduling.get import flatten_keys

SCHEDULER_NAMES = {
    "sync": "sync", "synchronous": "sync", "single-threaded": "sync",
    "threads": "threads", "threading": "threads",
    "processes": "processes", "multiprocessing": "processes",
}


def is_plait_collection(x):
    """Does ``x`` follow the collection protocol?

    >>> is_plait_collection(1)
    False
    """
    if isinstance(x, type):
        return False
    method = getattr(x, "__plait_graph__", None)
    return callable(method)


def _named_get(name):
    if name == "sync":
        from plait.local import get
    elif name == "threads":
        from plait.threaded import get
    else:
        from plait.multiprocessing import get
    return get


def _resolve(scheduler, origin):
    """A get function for one way of naming a scheduler."""
    if isinstance(scheduler, str):
        canonical = SCHEDULER_NAMES.get(scheduler.lower())
        if canonical is None:
            client = _client_by_name(scheduler)
            if client is not None:
                return client.get
            valid = ", ".join(repr(n) for n in SCHEDULER_NAMES)
            raise ValueError(f"unknown scheduler {scheduler!r} (from {origin}); "
                             f"expected one of {valid}, a get function, a "
                             f"concurrent.futures.Executor or a Client")
        return _named_get(canonical)
    if isinstance(scheduler, (cf.Executor, multiprocessing.pool.Pool)):
        from plait.threaded import get as threaded_get
        return partial(threaded_get, pool=scheduler)
    get_method = getattr(scheduler, "get", None)
    if callable(get_method) and not isinstance(scheduler, (dict, type)):
        return get_method
    if callable(scheduler):
        return scheduler
    raise TypeError(f"scheduler (from {origin}) must be a name, a get function, "
                    f"an Executor or an object with a get(graph, keys) method; "
                    f"got {scheduler!r}")


def _client_by_name(name):
    if name in ("distributed", "dask.distributed"):
        try:
            from plait.distributed import default_client
        except ImportError:
            return None
        return default_client()
    return None


def get_scheduler(scheduler=None, collections=None, get=None):
    """The get function to use, by precedence: the call's ``scheduler=`` (or
    the legacy ``get=``), then ``config.set(scheduler=...)`` (innermost block
    first, then global), then the collections' default, then threads.

    >>> from plait.local import get as sync_get
    >>> get_scheduler('single-threaded') is sync_get
    True
    >>> get_scheduler('nope')
    Traceback (most recent call last):
    ...
    ValueError: unknown scheduler 'nope' (from scheduler=); expected one of 'sync', 'synchronous', 'single-threaded', 'threads', 'threading', 'processes', 'multiprocessing', a get function, a concurrent.futures.Executor or a Client
    """
    if scheduler is not None and get is not None:
        raise TypeError("pass scheduler= or the legacy get=, not both")
    if scheduler is not None:
        return _resolve(scheduler, "scheduler=")
    if get is not None:
        return _resolve(get, "get=")
    for key in ("scheduler", "get"):
        value = config.get(key, None)
        if value is not None:
            return _resolve(value, f"config {key!r}")
    default = _client_default()
    if default is not None:
        return default
    defaults = []
    for c in collections or ():
        d = getattr(c, "__plait_scheduler__", None)
        if d is not None and d not in defaults:
            defaults.append(d)
    if len(defaults) > 1:
        names = {_name(d) for d in defaults}
        if len(names) > 1:
            raise ValueError(
                f"these collections have different default schedulers "
                f"({', '.join(sorted(names))}); pass scheduler= to choose one")
    if defaults:
        return _resolve(defaults[0], "the collection's default")
    from plait.threaded import get as threaded_get
    return threaded_get


def _name(d):
    if isinstance(d, str):
        return SCHEDULER_NAMES.get(d.lower(), d)
    return getattr(d, "__module__", "") + "." + getattr(d, "__name__", repr(d))


def _client_default():
    """The get of the most recent plait Client, if one is open."""
    import sys

    mod = sys.modules.get("plait.distributed")
    if mod is None:
        return None
    client = mod.default_client(required=False)
    return None if client is None else client.get


def _check_kwargs(func, kwargs):
    """Reject keywords ``func`` does not take, naming them (Python's wording)."""
    if not kwargs:
        return
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    for k in kwargs:
        if k not in params or k in ("dsk", "keys"):
            name = getattr(func, "__module__", "") or ""
            taken = [p for p in params if p not in ("dsk", "keys")]
            raise TypeError(f"compute() got an unexpected keyword argument {k!r}; "
                            f"the scheduler {name}.get takes: {', '.join(taken)}")


def collections_to_graph(collections, optimize_graph=True, **kwargs):
    """One merged graph for ``collections``, optimized group by group."""
    if not optimize_graph:
        merged = {}
        for c in collections:
            merged.update(c.__plait_graph__())
        return merged
    groups = {}
    for c in collections:
        opt = getattr(c, "__plait_optimize__", None)
        groups.setdefault(opt, []).append(c)
    merged = {}
    for opt, group in groups.items():
        dsk = {}
        keys = []
        for c in group:
            dsk.update(c.__plait_graph__())
            keys.append(c.__plait_keys__())
        merged.update(opt(dsk, keys, **kwargs) if opt is not None else dsk)
    return merged


def _find(args, traverse):
    """Collections found in ``args`` (inside lists, tuples, sets, dicts if traverse)."""
    found = []
    seen = set()

    def walk(x):
        if is_plait_collection(x):
            if id(x) not in seen:
                seen.add(id(x))
                found.append(x)
        elif traverse and type(x) in (list, tuple, set, frozenset):
            for y in x:
                walk(y)
        elif traverse and type(x) is dict:
            for y in x.values():
                walk(y)

    for a in args:
        walk(a)
    return found


def _replace(x, results, traverse):
    if is_plait_collection(x):
        return results[id(x)]
    if traverse:
        t = type(x)
        if t in (list, tuple, set, frozenset):
            return t(_replace(y, results, traverse) for y in x)
        if t is dict:
            return {k: _replace(v, results, traverse) for k, v in x.items()}
    return x


def compute(*args, traverse=True, optimize_graph=True, scheduler=None, get=None,
            **kwargs):
    """Compute several collections at once, sharing their intermediates.

    Arguments that are not collections pass through unchanged (also inside
    lists, tuples, sets and dicts when ``traverse``). Other keywords go to the
    scheduler (``num_workers=``, ``pool=``, ``callbacks=``...); one it does
    not take raises ``TypeError``.

    >>> import plait
    >>> a = plait.delayed(1)
    >>> compute(a, [a, 'text'], scheduler='sync')
    (1, [1, 'text'])
    """
    collections = _find(args, traverse)
    if not collections:
        return args
    schedule = get_scheduler(scheduler=scheduler, collections=collections, get=get)
    _check_kwargs(schedule, kwargs)
    dsk = collections_to_graph(collections, optimize_graph)
    keys = [c.__plait_keys__() for c in collections]
    results = schedule(dsk, keys, **kwargs)
    finished = {}
    for c, r in zip(collections, results):
        finalize, extra = c.__plait_postcompute__()
        finished[id(c)] = finalize(r, *extra)
    return tuple(_replace(a, finished, traverse) for a in args)


def persist(*args, traverse=True, optimize_graph=True, scheduler=None, get=None,
            **kwargs):
    """Compute collections and return new ones whose graphs hold the results.

    Later computations on the returned collections start from the stored
    values. Non-collections pass through.

    >>> import plait
    >>> a = plait.delayed(2) + 3
    >>> b, = persist(a, scheduler='sync')
    >>> b.compute()
    5
    """
    collections = _find(args, traverse)
    if not collections:
        return args
    schedule = get_scheduler(scheduler=scheduler, collections=collections, get=get)
    persist_method = getattr(getattr(schedule, "__self__", None), "persist", None)
    if persist_method is not None and getattr(schedule, "__name__", "") == "get":
        rebuilt = persist_method(collections, optimize_graph=optimize_graph, **kwargs)
    else:
        _check_kwargs(schedule, kwargs)
        dsk = collections_to_graph(collections, optimize_graph)
        keys = [c.__plait_keys__() for c in collections]
        flat = []
        for k in keys:
            flatten_keys(k, flat)
        values = schedule(dsk, flat, **kwargs)
        computed = dict(zip(flat, values))
        rebuilt = []
        for c, k in zip(collections, keys):
            rebuild, extra = c.__plait_postpersist__()
            mine = {key: computed[key] for key in flatten_keys(k, [])}
            rebuilt.append(rebuild(mine, *extra))
    results = {id(c): r for c, r in zip(collections, rebuilt)}
    return tuple(_replace(a, results, traverse) for a in args)


def visualize(*args, filename="mydask", traverse=True, optimize_graph=False, **kwargs):
    """Draw the merged graph of collections (or raw graph dicts) with Graphviz.

    Returns the written file's path, or an image object in a notebook. Other
    keywords (``format``, ``rankdir``, ``color='order'``) go to
    ``plait.graph.visualize``.

    >>> import plait
    >>> graph = visualize(plait.delayed(abs)(-1), {'x': 1}, filename=None)
    >>> type(graph).__name__   # with filename=None: the graphviz.Digraph itself
    'Digraph'
    """
    from plait.graph.visualize import visualize as draw

    graphs = [a for a in args if isinstance(a, dict)]
    collections = _find([a for a in args if not isinstance(a, dict)], traverse)
    dsk = {}
    for g in graphs:
        dsk.update(g)
    dsk.update(collections_to_graph(collections, optimize_graph))
    return draw(dsk, filename=filename, **kwargs)


__all__ = ["compute", "persist", "visualize", "get_scheduler", "is_plait_collection",
           "collections_to_graph"]
