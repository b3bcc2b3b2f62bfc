"""Deterministic content tokens: equal values give equal tokens in any process.

``tokenize(*args, **kwargs)`` turns its arguments into a 32-character hex
digest. ``normalize_token(obj)`` first turns each object into plain data
(nested tuples of ``str``, ``bytes``, numbers, ``None``), whose ``repr`` is
then hashed with MD5. Nothing depends on ``id()`` or on ``PYTHONHASHSEED``:
dicts and sets are sorted by their elements' normalized forms.

What is covered: builtins and nested containers; functions (importable ones by
name, lambdas and local functions by their code, defaults, closure and the
globals they read); ``functools.partial``; methods; types; dataclasses, enums,
paths, ranges, slices, dates; numpy arrays, scalars and dtypes; pandas
objects. Objects with a ``__plait_tokenize__()`` method are normalized by its
result. Register more types with ``normalize_token.register(cls)``.

Anything else cannot be hashed from its content safely, so it gets a random
token (``uuid4``): never a wrong, shared one. The same instance keeps its
token for its lifetime when it can be weakly referenced.
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import hashlib
import operator
import pathlib
import sys
import threading
import types
import uuid
import weakref

PRIMITIVES = (str, bytes, int, float, complex, bool, type(None))
_PRIMITIVE_SET = frozenset(PRIMITIVES)
_LARGE = 1 << 16  # str/bytes longer than this are replaced by their hash


def tokenize(*args, **kwargs):
    """A deterministic token (32 hex characters) for the arguments' contents.

    >>> tokenize(1, 'a', [1, 2]) == tokenize(1, 'a', [1, 2])
    True
    >>> tokenize(1) == tokenize(1.0) or tokenize(1) == tokenize(True)
    False
    >>> tokenize({'a': 1, 'b': 2}) == tokenize({'b': 2, 'a': 1})
    True
    >>> len(tokenize(x=1))
    32
    """
    normal = normalize_token(args)
    if kwargs:
        normal = (normal, normalize_token(kwargs))
    return _md5(repr(normal).encode())


def _md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Dispatch:
    """Pick a function by the type of the argument, walking the MRO.

    ``register(cls_or_tuple)`` (as a decorator or with the function as second
    argument) adds one; ``register_lazy('toplevel')`` defers a registration
    until a type from the top-level module ``toplevel`` is first seen, so
    heavy libraries are not imported unless used.

    >>> double = Dispatch('double')
    >>> @double.register(int)
    ... def _(x):
    ...     return 2 * x
    >>> double(21)
    42
    >>> double('x')
    Traceback (most recent call last):
    ...
    TypeError: double: no function registered for type str
    """

    def __init__(self, name):
        self.__name__ = name
        self._lookup = {}
        self._lazy = {}
        self._cache = {}

    def register(self, cls, func=None):
        """Register ``func`` for ``cls`` (a type or tuple of types)."""
        def wrapper(func):
            for c in (cls if isinstance(cls, tuple) else (cls,)):
                if not isinstance(c, type):
                    raise TypeError(f"{self.__name__}.register() takes types, got {c!r}")
                self._lookup[c] = func
            self._cache.clear()
            return func
        return wrapper(func) if func is not None else wrapper

    def register_lazy(self, toplevel, func=None):
        """Call ``func()`` (which registers functions) when a type of the
        top-level module ``toplevel`` is dispatched for the first time."""
        def wrapper(func):
            self._lazy[toplevel] = func
            self._cache.clear()
            return func
        return wrapper(func) if func is not None else wrapper

    def dispatch(self, cls):
        """The function registered for ``cls`` or its nearest base class."""
        try:
            return self._cache[cls]
        except KeyError:
            pass
        func = self._find(cls)
        if func is None:
            raise TypeError(f"{self.__name__}: no function registered for type "
                            f"{cls.__qualname__}")
        self._cache[cls] = func
        return func

    def _find(self, cls):
        for base in cls.__mro__:
            toplevel = (getattr(base, "__module__", None) or "").partition(".")[0]
            register = self._lazy.pop(toplevel, None)
            if register is not None:
                register()
        for base in cls.__mro__:
            if base in self._lookup:
                return self._lookup[base]
        return None

    def __call__(self, obj):
        t = type(obj)
        func = self._cache.get(t) or self.dispatch(t)
        return func(obj)


normalize_token = Dispatch("normalize_token")

# ---------------------------------------------------------------- cycles


class _Active(threading.local):
    def __init__(self):
        self.ids = {}


_active = _Active()


def _guarded(obj, build):
    """``build(obj)``, or a marker if ``obj`` is already being normalized
    (a self-referencing container or a recursive function)."""
    ids = _active.ids
    i = id(obj)
    depth = ids.get(i)
    if depth is not None:
        return ("__cycle__", len(ids) - depth)
    ids[i] = len(ids)
    try:
        return build(obj)
    finally:
        del ids[i]

# ---------------------------------------------------------------- random tokens


_random_tokens = {}
_random_lock = threading.Lock()


def random_token(obj):
    """A ``uuid4`` token for an object whose content cannot be hashed; the
    same instance keeps its token while alive if it can be weakly referenced.

    >>> class Thing:
    ...     pass
    >>> t = Thing()
    >>> random_token(t) == random_token(t) != random_token(Thing())
    True
    """
    i = id(obj)
    entry = _random_tokens.get(i)
    if entry is not None and entry[0]() is obj:
        return entry[1]
    token = uuid.uuid4().hex
    try:
        ref = weakref.ref(obj, functools.partial(_forget, i))
    except TypeError:
        return token
    with _random_lock:
        _random_tokens[i] = (ref, token)
    return token


def _forget(i, ref, lock=_random_lock, tokens=_random_tokens):
    # bound as defaults: at interpreter exit the module's globals may be gone
    with lock:
        entry = tokens.get(i)
        if entry is not None and entry[0] is ref:
            del tokens[i]


@normalize_token.register(object)
def normalize_object(obj):
    """Objects with ``__plait_tokenize__``, dataclasses, collections, or a
    random token.

    >>> class Named:
    ...     def __plait_tokenize__(self):
    ...         return 'n'
    >>> normalize_object(Named())
    ('__plait_tokenize__', 'n')
    """
    method = getattr(obj, "__plait_tokenize__", None)
    if method is not None and callable(method) and not isinstance(obj, type):
        return ("__plait_tokenize__", normalize_token(method()))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _guarded(obj, _normalize_dataclass)
    keys = getattr(obj, "__plait_keys__", None)
    if callable(keys) and callable(getattr(obj, "__plait_graph__", None)):
        return ("collection", type(obj).__qualname__, normalize_token(keys()))
    if callable(obj):
        return _normalize_callable(obj)
    return ("__random__", random_token(obj))

# ---------------------------------------------------------------- builtins


@normalize_token.register(PRIMITIVES)
def _normalize_primitive(x):
    if type(x) in (str, bytes) and len(x) > _LARGE:
        data = x.encode("utf-8", "surrogatepass") if type(x) is str else x
        return (type(x).__name__, "md5", _md5(data))
    if type(x) not in _PRIMITIVE_SET:  # a subclass: keep its type apart
        return (normalize_token(type(x)), _normalize_primitive(
            [t for t in PRIMITIVES if isinstance(x, t)][0](x)))
    return x


@normalize_token.register((bytearray, memoryview))
def _normalize_buffer(x):
    data = bytes(x)
    return (type(x).__name__, _md5(data) if len(data) > _LARGE else data)


def _normalize_seq(seq):
    tag = type(seq).__name__ if type(seq) in (list, tuple) else normalize_token(type(seq))
    prims = _PRIMITIVE_SET
    if all(type(x) in prims for x in seq):
        return (tag, tuple(x if type(x) not in (str, bytes) or len(x) <= _LARGE
                           else _normalize_primitive(x) for x in seq))
    return _guarded(seq, lambda s: (tag, tuple(normalize_token(x) for x in s)))


normalize_token.register((list, tuple), _normalize_seq)


def _sorted_normal(items):
    return sorted(items, key=repr)


@normalize_token.register((set, frozenset))
def _normalize_set(s):
    tag = type(s).__name__ if type(s) in (set, frozenset) else normalize_token(type(s))
    return _guarded(s, lambda s: (tag, tuple(_sorted_normal(normalize_token(x) for x in s))))


@normalize_token.register(dict)
def _normalize_dict(d):
    tag = "dict" if type(d) is dict else normalize_token(type(d))

    def build(d):
        items = [(normalize_token(k), normalize_token(v)) for k, v in d.items()]
        return (tag, tuple(sorted(items, key=lambda kv: repr(kv[0]))))
    return _guarded(d, build)


@normalize_token.register(range)
def _normalize_range(r):
    return ("range", r.start, r.stop, r.step)


@normalize_token.register(slice)
def _normalize_slice(s):
    return ("slice", normalize_token(s.start), normalize_token(s.stop),
            normalize_token(s.step))


@normalize_token.register((type(Ellipsis), type(NotImplemented)))
def _normalize_singleton(x):
    return ("singleton", repr(x))


@normalize_token.register(pathlib.PurePath)
def _normalize_path(p):
    return ("path", type(p).__name__, str(p))


@normalize_token.register(enum.Enum)
def _normalize_enum(e):
    return ("enum", normalize_token(type(e)), e.name, normalize_token(e.value))


@normalize_token.register((datetime.date, datetime.time, datetime.timedelta))
def _normalize_datetime(x):
    tz = getattr(x, "tzinfo", None)
    text = str(x) if isinstance(x, datetime.timedelta) else x.isoformat()
    return ("datetime", type(x).__name__, text, None if tz is None else str(tz))


@normalize_token.register((decimal.Decimal, fractions.Fraction, uuid.UUID))
def _normalize_by_repr(x):
    return ("repr", repr(x))


def _normalize_dataclass(obj):
    fields = tuple((f.name, normalize_token(getattr(obj, f.name, None)))
                   for f in dataclasses.fields(obj))
    return ("dataclass", normalize_token(type(obj)), fields)

# ---------------------------------------------------------------- types, functions


def _importable(obj):
    """Is ``obj`` reachable as ``module.qualname``? (so its name identifies it)"""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return False
    mod = sys.modules.get(module)
    if mod is None:
        return False
    found = mod
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            return False
    return found is obj


@normalize_token.register(type)
def _normalize_type(t):
    if _importable(t):
        return ("type", t.__module__, t.__qualname__)
    return ("type", getattr(t, "__module__", None), t.__qualname__, random_token(t))


@normalize_token.register(types.ModuleType)
def _normalize_module(m):
    return ("module", m.__name__)


_function_cache = weakref.WeakKeyDictionary()


@normalize_token.register(types.FunctionType)
def _normalize_function(func):
    cached = _function_cache.get(func)
    if cached is not None:
        return cached
    if func.__module__ != "__main__" and _importable(func):
        result = ("function", func.__module__, func.__qualname__)
        _function_cache[func] = result
        return result
    return _guarded(func, _normalize_function_code)


def _normalize_function_code(func):
    code = func.__code__
    names = set()
    _global_names(code, names)
    g = func.__globals__
    globs = tuple((n, normalize_token(g[n])) for n in sorted(names) if n in g)
    cells = tuple(_cell_contents(c) for c in func.__closure__ or ())
    return ("function", func.__module__, func.__qualname__, _normalize_code(code),
            normalize_token(func.__defaults__), normalize_token(func.__kwdefaults__),
            cells, globs)


def _global_names(code, out):
    out.update(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _global_names(c, out)


def _cell_contents(cell):
    try:
        return normalize_token(cell.cell_contents)
    except ValueError:
        return ("empty-cell",)


@normalize_token.register(types.CodeType)
def _normalize_code(code):
    return ("code", code.co_code, normalize_token(code.co_consts), code.co_names,
            code.co_varnames, code.co_argcount, code.co_kwonlyargcount,
            code.co_posonlyargcount, code.co_flags)


@normalize_token.register(functools.partial)
def _normalize_partial(p):
    return ("partial", normalize_token(p.func), normalize_token(p.args),
            normalize_token(p.keywords or {}))


@normalize_token.register(types.MethodType)
def _normalize_method(m):
    return ("method", m.__func__.__name__, normalize_token(m.__func__),
            normalize_token(m.__self__))


@normalize_token.register((types.BuiltinFunctionType, types.MethodWrapperType,
                           types.WrapperDescriptorType, types.MethodDescriptorType,
                           types.ClassMethodDescriptorType))
def _normalize_builtin(func):
    owner = getattr(func, "__self__", None)
    if owner is None or isinstance(owner, types.ModuleType):
        if _importable(func):
            return ("builtin", func.__module__, func.__qualname__)
        objclass = getattr(func, "__objclass__", None)
        if objclass is not None:
            return ("builtin", normalize_token(objclass), func.__name__)
        return ("builtin", getattr(func, "__module__", None), func.__qualname__,
                random_token(func))
    return ("bound-builtin", func.__name__, normalize_token(owner))


@normalize_token.register((operator.itemgetter, operator.attrgetter,
                           operator.methodcaller))
def _normalize_by_reduce(obj):
    return ("reduce", normalize_token(type(obj)), normalize_token(obj.__reduce__()[1:]))


def _normalize_callable(obj):
    """A callable object of a type nothing is registered for."""
    if _importable(obj):
        return ("callable", obj.__module__, obj.__qualname__)
    return ("__random__", random_token(obj))

# ---------------------------------------------------------------- numpy, pandas


@normalize_token.register_lazy("numpy")
def _register_numpy():
    import numpy as np

    @normalize_token.register(np.ndarray)
    def normalize_array(x):
        if x.dtype.hasobject:
            return ("ndarray", x.shape, "object",
                    tuple(normalize_token(v) for v in x.ravel(order="C").tolist()))
        data = x if x.flags.c_contiguous else np.ascontiguousarray(x)
        if data.ndim == 0:  # a 0-d array cannot change its dtype in a view
            data = data.reshape(1)
        digest = hashlib.sha1(data.view(np.uint8).ravel() if data.size else b"",
                              usedforsecurity=False).hexdigest()
        return ("ndarray", type(x).__name__, x.shape, _dtype_normal(x.dtype), digest)

    @normalize_token.register(np.generic)
    def normalize_scalar(x):
        if x.dtype.hasobject:
            return ("np-scalar", "object", normalize_token(x.item()))
        return ("np-scalar", _dtype_normal(x.dtype), x.tobytes())

    @normalize_token.register(np.dtype)
    def normalize_dtype(dt):
        return ("dtype", _dtype_normal(dt))

    @normalize_token.register(np.ufunc)
    def normalize_ufunc(f):
        if getattr(np, f.__name__, None) is f:
            return ("ufunc", f.__name__)
        return ("__random__", random_token(f))

    @normalize_token.register(np.random.RandomState)
    def normalize_random_state(rs):
        return ("RandomState", normalize_token(rs.get_state()))


def _dtype_normal(dt):
    return dt.str if dt.fields is None else repr(dt.descr)


@normalize_token.register_lazy("pandas")
def _register_pandas():
    import numpy as np
    import pandas as pd

    def values_token(values):
        """Token of a column's values: raw bytes for numpy data, else pandas'
        (seeded, deterministic) hash_array, else element by element."""
        if isinstance(values, pd.Categorical):
            return normalize_categorical(values)
        if isinstance(values, pd.arrays.NumpyExtensionArray):
            values = values.to_numpy()
        if isinstance(values, np.ndarray) and not values.dtype.hasobject:
            return normalize_token(values)
        try:
            return ("hashed", normalize_token(pd.util.hash_array(values)))
        except TypeError:
            return normalize_token(np.asarray(values, dtype=object))

    @normalize_token.register(pd.Index)
    def normalize_index(idx):
        if isinstance(idx, pd.MultiIndex):
            return ("MultiIndex", normalize_token(list(idx.names)),
                    tuple(normalize_index(level) for level in idx.levels),
                    tuple(normalize_token(np.asarray(c)) for c in idx.codes))
        if isinstance(idx, pd.RangeIndex):
            return ("RangeIndex", normalize_token(idx.name), idx.start, idx.stop, idx.step)
        return ("Index", type(idx).__name__, normalize_token(idx.name), str(idx.dtype),
                values_token(idx.array), len(idx))

    @normalize_token.register(pd.Categorical)
    def normalize_categorical(cat):
        return ("Categorical", normalize_index(cat.categories),
                normalize_token(np.asarray(cat.codes)), cat.ordered)

    @normalize_token.register(pd.Series)
    def normalize_series(s):
        return ("Series", normalize_token(s.name), str(s.dtype),
                values_token(s.array), normalize_index(s.index))

    @normalize_token.register(pd.DataFrame)
    def normalize_frame(df):
        cols = tuple((str(df.dtypes.iloc[i]), values_token(df.iloc[:, i].array))
                     for i in range(df.shape[1]))
        return ("DataFrame", normalize_index(df.columns), normalize_index(df.index), cols)

    @normalize_token.register(pd.api.extensions.ExtensionDtype)
    def normalize_extension_dtype(dt):
        return ("pandas-dtype", str(dt), normalize_token(getattr(dt, "categories", None)),
                getattr(dt, "ordered", None))

    @normalize_token.register((pd.Timestamp, pd.Timedelta, pd.Period, pd.Interval))
    def normalize_pandas_scalar(x):
        return ("pandas-scalar", type(x).__name__, repr(x))


__all__ = ["tokenize", "normalize_token", "Dispatch", "random_token", "PRIMITIVES"]

