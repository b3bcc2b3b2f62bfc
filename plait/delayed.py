"""Lazy function calls: ``delayed`` builds a task graph as ordinary code runs.

>>> import plait
>>> @plait.delayed
... def inc(x):
...     return x + 1
>>> total = inc(1) + inc(2)
>>> total.compute()
5

How the graph is kept
---------------------
A ``Delayed`` holds only its own task and references to the ``Delayed``
objects it depends on (``_deps``); the full graph dict is built once, when it
is asked for (``__plait_graph__``), by an iterative walk, so building a graph
costs O(1) per call and chains of any depth work. A ``Delayed`` made from a
whole graph (``Delayed(key, dsk)``, as collections' ``to_delayed()`` do)
holds that graph instead of a task.

Arguments are turned into graph computations by ``unpack_collections``:
``Delayed`` objects become references to their keys (and dependencies), and
lists, tuples, dicts, sets and dataclasses that contain any are rebuilt by
small tasks; other collections are embedded with their finalize step.
"""
from __future__ import annotations

import dataclasses
import itertools
import operator
import os
import uuid

from plait.graph.core import quote

__all__ = ["delayed", "Delayed", "unpack_collections", "to_task_dask", "apply"]

# ---------------------------------------------------------------- small task helpers


def apply(func, args, kwargs=None):
    """``func(*args, **kwargs)``: how a task passes keyword arguments.

    >>> apply(max, [1, 3], {'key': lambda x: -x})
    1
    """
    if kwargs:
        return func(*args, **kwargs)
    return func(*args)


def _rebuild_dict(keys, values):
    """``dict(zip(keys, values))``: a dict whose keys or values were computed.

    >>> _rebuild_dict(['a', 'b'], [1, 2])
    {'a': 1, 'b': 2}
    """
    return dict(zip(keys, values))


def _rebuild_dataclass(cls, names, values):
    """An instance of the dataclass ``cls`` with fields ``names`` set to ``values``."""
    fields = dict(zip(names, values))
    init = {f.name: fields[f.name] for f in dataclasses.fields(cls)
            if f.init and f.name in fields}
    obj = cls(**init)
    for f in dataclasses.fields(cls):
        if not f.init and f.name in fields:
            object.__setattr__(obj, f.name, fields[f.name])
    return obj


def _rebuild_tuple(cls, items):
    """An instance of the tuple subclass ``cls`` (a namedtuple, say)."""
    return cls(*items) if hasattr(cls, "_fields") else cls(items)


def _first(results):
    return results[0]


def _rebuild_persisted(dsk, key, length):
    return Delayed(key, {key: _literal(dsk[key])}, length=length)

# ---------------------------------------------------------------- keys


_counter = itertools.count()
_base = uuid.uuid4().int


def _reseed():
    global _base, _counter
    _base = uuid.uuid4().int
    _counter = itertools.count()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)

_MASK = (1 << 128) - 1


def unique_key(name):
    """``name-<32 hex digits>``, unique in this and any other process.

    >>> unique_key('inc') != unique_key('inc')
    True
    >>> unique_key('inc')[:4]
    'inc-'
    """
    return f"{name}-{(_base + next(_counter)) & _MASK:032x}"


def funcname(func):
    """A short readable name for a callable, used in keys.

    >>> import functools, operator
    >>> funcname(len), funcname(lambda x: x), funcname(functools.partial(max, 1))
    ('len', 'lambda', 'max')
    >>> funcname(operator.methodcaller('upper'))
    'upper'
    """
    while hasattr(func, "func") and hasattr(func, "args"):  # partial and friends
        func = func.func
    if isinstance(func, operator.methodcaller):
        return func.__reduce__()[1][0]
    name = getattr(func, "__name__", None)
    if not isinstance(name, str):
        name = type(func).__name__
    if name == "<lambda>":
        return "lambda"
    return name.strip("<>_").replace("_", "-").lower() or "func"

# ---------------------------------------------------------------- unpacking arguments


_ATOMS = frozenset((int, float, str, bytes, bool, complex, type(None)))


def unpack_collections(expr, traverse=True):
    """Turn ``expr`` into a graph computation and the ``Delayed`` objects it needs.

    Delayed objects become their keys; lists, tuples, sets, dicts and
    dataclasses holding any are rebuilt by tasks; other collections (anything
    with ``__plait_graph__``) are embedded through their finalize step; a
    literal the graph spec would misread (a list, a task-like tuple) is quoted.

    >>> import plait
    >>> a = plait.delayed(1, name='a')
    >>> task, deps = unpack_collections([a, (a, 2), {'k': a}])
    >>> task  # doctest: +ELLIPSIS
    ['a', (<class 'tuple'>, ['a', 2]), (<function _rebuild_dict at ...>, quote(['k']), ['a'])]
    >>> [d.key for d in deps]
    ['a']
    """
    deps = {}
    task = _unpack(expr, deps, traverse)
    if task is _NO_DEPS:
        return _literal(expr), ()
    return task, tuple(deps.values())


class _NoDeps:
    __slots__ = ()


_NO_DEPS = _NoDeps()  # "this argument holds no Delayed": the caller keeps it as is


def _unpack(x, deps, traverse):
    """The computation for ``x``, or ``_NO_DEPS`` if ``x`` holds no collection."""
    t = type(x)
    if t in _ATOMS:
        return _NO_DEPS
    if t is Delayed or isinstance(x, Delayed):
        deps[id(x)] = x
        return x.key
    if not traverse:
        return _collection(x, deps) if _is_collection(x) else _NO_DEPS
    if t is list:
        items = [_unpack(y, deps, traverse) for y in x]
        if all(i is _NO_DEPS for i in items):
            return _NO_DEPS
        return [_literal(y) if i is _NO_DEPS else i for y, i in zip(x, items)]
    if t is tuple or t in (set, frozenset) or isinstance(x, tuple):
        items = [_unpack(y, deps, traverse) for y in x]
        if all(i is _NO_DEPS for i in items):
            return _NO_DEPS
        seq = [_literal(y) if i is _NO_DEPS else i for y, i in zip(x, items)]
        if t in (tuple, set, frozenset):
            return (t, seq)
        return (_rebuild_tuple, t, seq)
    if t is dict:
        keys = _unpack(list(x), deps, traverse)
        values = _unpack(list(x.values()), deps, traverse)
        if keys is _NO_DEPS and values is _NO_DEPS:
            return _NO_DEPS
        return (_rebuild_dict, quote(list(x)) if keys is _NO_DEPS else keys,
                _literal(list(x.values())) if values is _NO_DEPS else values)
    if hasattr(t, "__dataclass_fields__") and not isinstance(x, type):
        names = [f.name for f in dataclasses.fields(x) if hasattr(x, f.name)]
        values = _unpack([getattr(x, n) for n in names], deps, traverse)
        if values is _NO_DEPS:
            return _NO_DEPS
        return (_rebuild_dataclass, t, quote(names), values)
    if _is_collection(x):
        return _collection(x, deps)
    return _NO_DEPS


def _literal(x):
    """``x`` as a graph literal: quoted if the spec would read it as a task,
    a list of computations or a reference."""
    t = type(x)
    if t in _ATOMS:
        return x
    if t is list or t is tuple or t is quote:
        return quote(x)
    return x


def _is_collection(x):
    return (not isinstance(x, type)) and callable(getattr(x, "__plait_graph__", None))


def _collection(x, deps):
    d = collection_to_delayed(x)
    deps[id(d)] = d
    return d.key


def collection_to_delayed(collection, optimize_graph=True):
    """A ``Delayed`` whose value is ``collection`` computed (its finalize step
    applied to its pieces), built from the collection's (optimized) graph.

    >>> import plait
    >>> d = plait.delayed(1) + 1
    >>> collection_to_delayed(d) is d
    True
    """
    if isinstance(collection, Delayed):
        return collection
    from plait.tokenize import tokenize

    keys = collection.__plait_keys__()
    dsk = dict(collection.__plait_graph__())
    optimize = getattr(collection, "__plait_optimize__", None)
    if optimize_graph and optimize is not None:
        dsk = dict(optimize(dsk, [keys]))
    finalize, extra = collection.__plait_postcompute__()
    key = f"finalize-{tokenize(collection, finalize, extra)}"
    dsk[key] = (finalize, keys, *[_literal(e) for e in extra])
    return Delayed(key, dsk)


def to_task_dask(expr):
    """``(computation, graph)`` for ``expr``: ``unpack_collections`` plus the
    graph its dependencies need.

    >>> import plait
    >>> task, dsk = to_task_dask([plait.delayed(1, name='one'), 2])
    >>> task, dsk
    (['one', 2], {'one': 1})
    """
    task, deps = unpack_collections(expr)
    return task, _materialize(deps)

# ---------------------------------------------------------------- the graph


def _materialize(roots):
    """The merged graph of ``roots`` and everything they depend on, built by
    an iterative walk (no recursion, so chains of any depth work)."""
    dsk = {}
    seen = set()
    stack = list(roots)
    while stack:
        d = stack.pop()
        if id(d) in seen:
            continue
        seen.add(id(d))
        graph = d._graph
        if graph is None:
            dsk[d._key] = d._task
            stack.extend(d._deps)
        elif id(graph) not in seen:
            seen.add(id(graph))
            dsk.update(graph)
            stack.extend(d._deps)
    return dsk


def optimize(dsk, keys, **kwargs):
    """Delayed's graph optimization: none by default, ``cull`` then ``fuse``
    of linear chains when ``optimization.fuse.active`` is True.

    The engine already runs only what the keys need and sends each linear
    chain to one worker in one piece, so fusing delayed graphs costs more
    than it saves unless the graph goes to another scheduler (a Dask
    cluster, say). The requested keys are kept.

    >>> from operator import add
    >>> from plait import config
    >>> dsk = {'a': 1, 'b': (add, 'a', 1), 'c': (add, 'b', 1), 'unused': 0}
    >>> optimize(dsk, ['c']) is dsk
    True
    >>> with config.set({'optimization.fuse.active': True}):
    ...     out = optimize(dsk, ['c'])
    >>> sorted(out), out['c']
    (['a-b-c', 'c'], 'a-b-c')
    """
    from plait import config
    from plait.graph import cull, fuse

    if not config.get("optimization.fuse.active", None):
        return dsk  # the engine runs only what the keys need: no cull required
    dsk, deps = cull(dsk, keys)
    options = {"ave_width": config.get("optimization.fuse.ave-width", 1),
               "rename_keys": config.get("optimization.fuse.rename-keys", True)}
    max_width = config.get("optimization.fuse.max-width", None)
    if max_width is not None:
        options["max_width"] = max_width
    max_height = config.get("optimization.fuse.max-height", None)
    if max_height is not None and max_height != float("inf"):
        options["max_height"] = int(max_height)
    dsk, _ = fuse(dsk, keys, dependencies=deps, **options)
    return dsk

# ---------------------------------------------------------------- Delayed


def _unsupported(what, why):
    def method(self, *args):
        raise TypeError(f"{what} is not supported on Delayed objects ({self!r}): {why}")
    method.__name__ = what
    return method


_NOT_KNOWN = "a delayed value is not known until it is computed"
_set = object.__setattr__


class Delayed:
    """A value that a graph computes: the result of a delayed call, or a
    wrapped value. Operators, attribute access, item access and method calls
    build new ``Delayed`` objects; ``.compute()`` runs the graph.

    ``Delayed(key, dsk, length=None)`` wraps the entry ``key`` of the graph
    ``dsk`` (``length`` makes it iterable and sized).

    >>> from operator import add
    >>> d = Delayed('c', {'a': 1, 'c': (add, 'a', 10)})
    >>> d
    Delayed('c')
    >>> (d * 2).compute()
    22
    >>> d.key, sorted(d.dask)
    ('c', ['a', 'c'])
    """

    __slots__ = ("_key", "_task", "_deps", "_graph", "_length", "__weakref__")
    __plait_scheduler__ = "threads"
    __plait_optimize__ = staticmethod(optimize)
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, key, dsk, length=None):
        if not hasattr(dsk, "keys"):
            raise TypeError(f"Delayed(key, dsk): dsk must be a graph (a Mapping), "
                            f"got {type(dsk).__name__}")
        _set(self, "_key", key)
        _set(self, "_task", None)
        _set(self, "_deps", ())
        _set(self, "_graph", dsk)
        _set(self, "_length", _check_length(length, "length"))

    @property
    def key(self):
        return self._key

    @property
    def dask(self):
        """The graph (a dict) this value needs."""
        return _materialize([self])

    def __plait_graph__(self):
        return _materialize([self])

    def __plait_keys__(self):
        return [self.key]

    def __plait_postcompute__(self):
        return _first, ()

    def __plait_postpersist__(self):
        return _rebuild_persisted, (self.key, self._length)

    def __plait_tokenize__(self):
        return ("Delayed", self.key)

    def compute(self, **kwargs):
        """The value, computed (keywords as for ``plait.compute``).

        >>> (delayed(1) + 2).compute(scheduler='sync')
        3
        """
        from plait.base import compute
        return compute(self, **kwargs)[0]

    def persist(self, **kwargs):
        """A Delayed whose graph holds the computed value.

        >>> d = (delayed(1) + 2).persist(scheduler='sync')
        >>> len(d.dask)
        1
        """
        from plait.base import persist
        return persist(self, **kwargs)[0]

    def visualize(self, filename="mydask", format=None, optimize_graph=False, **kwargs):
        """Draw this value's graph with Graphviz (see ``plait.visualize``);
        returns the file's path (an image object in a notebook).

        >>> import os, tempfile
        >>> path = delayed(1).visualize(os.path.join(tempfile.mkdtemp(), 'g'), format='svg')
        >>> path.endswith('g.svg')
        True
        """
        from plait.base import visualize
        if format is not None:
            kwargs["format"] = format
        return visualize(self, filename=filename, optimize_graph=optimize_graph, **kwargs)

    def __repr__(self):
        return f"Delayed({self.key!r})"

    def __hash__(self):
        return hash(self.key)

    def __dir__(self):
        return sorted(set(dir(type(self))))

    def __reduce__(self):
        return (Delayed, (self.key, self.dask, self._length))

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(f"Delayed objects have no attribute {attr!r}; "
                                 f"private attributes are not delayed")
        return DelayedAttr(self, attr)

    def __setattr__(self, attr, value):
        raise TypeError(f"Delayed objects are immutable: cannot set attribute {attr!r} "
                        f"of {self!r}; build a new value with a delayed function")

    def __delattr__(self, attr):
        raise TypeError(f"Delayed objects are immutable: cannot delete attribute "
                        f"{attr!r} of {self!r}")

    def __setitem__(self, index, value):
        raise TypeError(f"Delayed objects are immutable: cannot set item {index!r} of "
                        f"{self!r}; build a new value with a delayed function")

    def __delitem__(self, index):
        raise TypeError(f"Delayed objects are immutable: cannot delete item {index!r} "
                        f"of {self!r}")

    def __getitem__(self, index):
        return _call(operator.getitem, (self, index), None, True)

    def __call__(self, *args, **kwargs):
        pure = kwargs.pop("pure", False)
        key = kwargs.pop("plait_key_name", None)
        return _call(apply, (self, list(args), kwargs), None, pure, key=key)

    def __bool__(self):
        raise TypeError(f"Truth of Delayed objects is not supported ({self!r}): "
                        f"{_NOT_KNOWN}. Compute it first (d.compute()), or "
                        f"branch inside a delayed function")

    def __iter__(self):
        if self._length is None:
            raise TypeError(f"Delayed objects of unspecified length are not iterable "
                            f"({self!r}): {_NOT_KNOWN}; pass nout= to delayed() "
                            f"(e.g. delayed(f, nout=2)) to unpack its results")
        return iter([self[i] for i in range(self._length)])

    def __len__(self):
        if self._length is None:
            raise TypeError(f"Delayed objects of unspecified length have no len() "
                            f"({self!r}): {_NOT_KNOWN}; pass nout= to delayed(), or "
                            f"compute len lazily with delayed(len)(d)")
        return self._length

    __contains__ = _unsupported("'in'", _NOT_KNOWN + "; use delayed(operator.contains)")
    __index__ = _unsupported("use as an index", _NOT_KNOWN)
    __int__ = _unsupported("int()", _NOT_KNOWN + "; use delayed(int)(d)")
    __float__ = _unsupported("float()", _NOT_KNOWN + "; use delayed(float)(d)")
    __complex__ = _unsupported("complex()", _NOT_KNOWN + "; use delayed(complex)(d)")


def _check_length(n, name):
    if n is None:
        return None
    if type(n) is not int or n < 0:
        raise ValueError(f"{name} must be a non-negative int or None, got {n!r}")
    return n


def _new(key, task, deps, length=None):
    d = object.__new__(Delayed)
    _set(d, "_key", key)
    _set(d, "_task", task)
    _set(d, "_deps", deps)
    _set(d, "_graph", None)
    _set(d, "_length", length)
    return d


def _call(func, args, kwargs, pure, nout=None, key=None, name=None, traverse=True):
    """The Delayed of ``func(*args, **kwargs)``: the hot path of graph building."""
    deps = {}
    task = [func]
    for a in args:
        t = type(a)
        if t is Delayed:
            deps[id(a)] = a
            task.append(a._key)
        elif t in _ATOMS:
            task.append(a)
        else:
            u = _unpack(a, deps, traverse)
            task.append(_literal(a) if u is _NO_DEPS else u)
    if kwargs:
        kw = _unpack(kwargs, deps, traverse)
        task = [apply, func, task[1:], kwargs if kw is _NO_DEPS else kw]
    if key is None:
        if pure:
            key = f"{name or funcname(func)}-{_pure_token(func, args, kwargs)}"
        else:
            key = f"{name or funcname(func)}-{(_base + next(_counter)) & _MASK:032x}"
    return _new(key, tuple(task), tuple(deps.values()), nout)


_SHORT = 1000


def _pure_token(func, args, kwargs):
    """``tokenize(func, args, kwargs)``, with a fast path for calls whose
    arguments are all Delayed objects or short atoms (operators, mostly)."""
    from plait.tokenize import _md5, normalize_token, tokenize

    if kwargs:
        return tokenize(func, args, kwargs)
    parts = []
    for a in args:
        t = type(a)
        if t is Delayed:
            parts.append(("D", a._key))
        elif t in _ATOMS and (t is not str and t is not bytes or len(a) < _SHORT):
            parts.append(a)
        else:
            return tokenize(func, args, {})
    try:
        ftoken = _FUNC_TOKENS.get(func)
    except TypeError:  # an unhashable callable
        ftoken = None
    if ftoken is None:
        ftoken = normalize_token(func)
    # a distinct first element: never equal to what tokenize() hashes
    return _md5(repr(("delayed-call", ftoken, parts)).encode())


class DelayedFunction(Delayed):
    """A function wrapped by ``delayed``: calling it builds a task.

    It is itself a ``Delayed`` whose value is the function.

    >>> from operator import add
    >>> dadd = delayed(add, pure=True)
    >>> dadd(1, 2).key == dadd(1, 2).key
    True
    >>> dadd(1, 2).compute()
    3
    """

    __slots__ = ("_func", "_pure", "_nout", "_traverse", "_leaf_key")

    def __init__(self, func, name=None, pure=False, nout=None, traverse=True):
        _set(self, "_func", func)
        _set(self, "_pure", pure)
        _set(self, "_nout", _check_length(nout, "nout"))
        _set(self, "_traverse", traverse)
        _set(self, "_leaf_key", name)
        _set(self, "_task", _literal(func))
        _set(self, "_deps", ())
        _set(self, "_graph", None)
        _set(self, "_length", None)

    @property
    def _key(self):
        key = self._leaf_key
        if key is None:
            from plait.tokenize import tokenize
            key = f"{funcname(self._func)}-{tokenize(self._func, self._pure, self._nout)}"
            _set(self, "_leaf_key", key)
        return key

    @property
    def __name__(self):
        return getattr(self._func, "__name__", funcname(self._func))

    @property
    def __wrapped__(self):
        return self._func

    def __reduce__(self):
        return (DelayedFunction, (self._func, self._leaf_key, self._pure, self._nout,
                                  self._traverse))

    def __call__(self, *args, **kwargs):
        key = kwargs.pop("plait_key_name", None) if kwargs else None
        pure = kwargs.pop("pure", self._pure) if kwargs else self._pure
        nout = self._nout
        if self._traverse and not kwargs:  # the common case, inlined
            deps = {}
            task = [self._func]
            for a in args:
                t = type(a)
                if t is Delayed:
                    deps[id(a)] = a
                    task.append(a._key)
                elif t in _ATOMS:
                    task.append(a)
                else:
                    u = _unpack(a, deps, True)
                    task.append(_literal(a) if u is _NO_DEPS else u)
            if key is None and not pure:
                key = f"{funcname(self._func)}-{(_base + next(_counter)) & _MASK:032x}"
                return _new(key, tuple(task), tuple(deps.values()), nout)
        return _call(self._func, args, kwargs, pure, nout, key, traverse=self._traverse)


class DelayedAttr(Delayed):
    """``d.attr``: a Delayed attribute; calling it calls the method.

    >>> d = delayed('abc')
    >>> d.upper().compute()
    'ABC'
    >>> d.upper.key.startswith('getattr-upper-')
    True
    """

    __slots__ = ("_obj", "_attr")

    def __init__(self, obj, attr):
        from plait.tokenize import tokenize
        key = f"getattr-{attr}-{tokenize(obj.key, attr)}"
        _set(self, "_obj", obj)
        _set(self, "_attr", attr)
        _set(self, "_key", key)
        _set(self, "_task", (getattr, obj.key, attr))
        _set(self, "_deps", (obj,))
        _set(self, "_graph", None)
        _set(self, "_length", None)

    def __call__(self, *args, **kwargs):
        pure = kwargs.pop("pure", False)
        key = kwargs.pop("plait_key_name", None)
        method = operator.methodcaller(self._attr)
        return _call(_call_method, (self._obj, self._attr) + args, kwargs, pure,
                     key=key, name=funcname(method))


def _call_method(obj, attr, *args, **kwargs):
    return getattr(obj, attr)(*args, **kwargs)

# ---------------------------------------------------------------- operators


def _binary(op, name):
    def method(self, other):
        return _call(op, (self, other), None, True, name=name)
    method.__name__ = f"__{name}__"
    return method


def _reflected(op, name):
    def method(self, other):
        return _call(op, (other, self), None, True, name=name)
    method.__name__ = f"__r{name}__"
    return method


def _unary(op, name):
    def method(self):
        return _call(op, (self,), None, True, name=name)
    method.__name__ = f"__{name}__"
    return method


_BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul,
    "matmul": operator.matmul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "lshift": operator.lshift, "rshift": operator.rshift, "and": operator.and_,
    "xor": operator.xor, "or": operator.or_, "divmod": divmod,
}
_COMPARE = {"lt": operator.lt, "le": operator.le, "eq": operator.eq,
            "ne": operator.ne, "gt": operator.gt, "ge": operator.ge}
_UNARY = {"neg": operator.neg, "pos": operator.pos, "invert": operator.invert,
          "abs": operator.abs}

def _operator_tokens():
    from plait.tokenize import normalize_token
    ops = [*_BINARY.values(), *_COMPARE.values(), *_UNARY.values(), operator.getitem]
    return {op: normalize_token(op) for op in ops}


_FUNC_TOKENS = _operator_tokens()

for _name, _op in _BINARY.items():
    setattr(Delayed, f"__{_name}__", _binary(_op, _name))
    setattr(Delayed, f"__r{_name}__", _reflected(_op, _name))
for _name, _op in _COMPARE.items():
    setattr(Delayed, f"__{_name}__", _binary(_op, _name))
for _name, _op in _UNARY.items():
    setattr(Delayed, f"__{_name}__", _unary(_op, _name))
del _name, _op

# ---------------------------------------------------------------- delayed()


def delayed(obj=None, name=None, pure=None, nout=None, traverse=True, key=None):
    """Wrap a function (calls become tasks) or a value (it becomes a task).

    Parameters
    ----------
    obj : callable or any value
        A function to make lazy, or a value to put in the graph. Values that
        contain ``Delayed`` objects (in lists, tuples, dicts, sets,
        dataclasses) depend on them.
    name, key : str, optional
        The key of the wrapped object in the graph (``key`` is an alias).
        Calls of a wrapped function pick theirs with ``plait_key_name=``.
    pure : bool
        Calls with equal arguments share one key (from ``tokenize``), so
        they run once; otherwise (the default) each call gets a unique key.
    nout : int, optional
        The number of results of a call (a tuple), so its result can be
        unpacked and iterated over.
    traverse : bool
        Look for ``Delayed`` objects inside containers among the arguments.

    >>> import plait
    >>> @plait.delayed(nout=2)
    ... def split(s):
    ...     return s[:1], s[1:]
    >>> head, tail = split('abc')
    >>> plait.compute(head, tail)
    ('a', 'bc')
    >>> plait.delayed([head, 1]).compute()
    ['a', 1]
    """
    if name is not None and key is not None:
        raise TypeError("delayed() takes name= or key=, not both")
    name = key if name is None else name
    if obj is None:
        def decorator(obj):
            return delayed(obj, name=name, pure=pure, nout=nout, traverse=traverse)
        return decorator
    if isinstance(obj, Delayed):
        return obj if name is None else _new(name, obj.key, (obj,), obj._length)
    if callable(obj) and not _is_collection(obj):
        return DelayedFunction(obj, name=name, pure=bool(pure), nout=nout,
                               traverse=traverse)
    if _is_collection(obj):
        d = collection_to_delayed(obj)
        return d if name is None else _new(name, d.key, (d,), _check_length(nout, "nout"))
    task, deps = unpack_collections(obj, traverse=traverse)
    if name is None:
        from plait.tokenize import tokenize
        name = f"{funcname(type(obj))}-{tokenize(task if deps else obj)}"
    return _new(name, task, deps, _check_length(nout, "nout"))

