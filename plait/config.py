"""plait's settings: defaults, YAML files, ``PLAIT_*`` variables and ``set``.

Settings form a nested dict read with dotted keys, ``get('multiprocessing.
context')``; ``_`` and ``-`` in a key are the same. They come from, later
sources winning:

1. ``plait/plait.yaml`` (the defaults), plus ``update_defaults(...)``;
2. every ``*.yaml`` / ``*.yml`` file in ``~/.config/plait/``, by name;
3. the files or directories named by ``PLAIT_CONFIG`` (``os.pathsep``-separated);
4. ``PLAIT_*`` environment variables, ``__`` for nesting:
   ``PLAIT_MULTIPROCESSING__CONTEXT=fork``;
5. ``set(...)`` used alone: a global change, seen by every thread;
6. ``with set(...):``: an override seen only inside the block, by the current
   thread or asyncio task.

How ``set`` stays thread safe
-----------------------------
Global settings live in the module-level dict ``config`` (guarded by a lock).
Overrides live in a ``contextvars.ContextVar`` holding a stack of layers;
``get`` reads ``config`` and then applies the current context's layers,
outermost first. A new thread starts with no layers (it sees the global
settings only); an asyncio task starts with a copy of its creator's layers.
A backend that wants its worker threads to see the caller's overrides runs
tasks with ``contextvars.copy_context().run``; worker processes need the
settings shipped, e.g. ``snapshot()``.

``set(...)`` cannot be told whether ``with`` follows, so it looks: when the
caller's next bytecode instruction starts a ``with`` statement (CPython
3.10-3.13), nothing global is touched and ``__enter__`` pushes a layer.
Otherwise ``set`` changes ``config`` at once (and, inside a ``with`` block,
also the innermost layer, so the change shows here too) and records how to
undo it. Should ``__enter__`` come after all (``s = set(...)``, then
``with s:``), it undoes the global change where nobody changed the value
since, and pushes a layer instead; only in that fallback can another thread
glimpse the value between ``set`` and ``__enter__``. ``__exit__`` drops the
layer, also on error, so earlier values, and the absence of keys that did
not exist, come back.
"""
from __future__ import annotations

import ast
import contextvars
import difflib
import dis
import functools
import multiprocessing
import os
import pathlib
import sys
import threading
import warnings
from collections.abc import Mapping

import yaml

DEFAULTS_FILE = pathlib.Path(__file__).with_name("plait.yaml")
ENV_PREFIX = "PLAIT_"


class _Sentinel:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


no_default = _Sentinel("no_default")
_MISSING = _Sentinel("<missing>")

config: dict = {}  # the global settings
_defaults: dict = {}
_lock = threading.RLock()
# A stack of (owner, entries) layers; an entry is (path, value, origin).
_overrides = contextvars.ContextVar("plait.config.overrides", default=())


# ---------------------------------------------------------------- key paths
def _norm(part):
    return part.replace("_", "-") if isinstance(part, str) else part


def _split(key):
    return tuple(key.split(".")) if isinstance(key, str) else (key,)


def _dotted(path):
    return ".".join(map(str, path))


def _same(a, b):
    return len(a) == len(b) and all(_norm(x) == _norm(y) for x, y in zip(a, b))


def _canonical(part, d):
    """The key of ``d`` that spells ``part`` (``_`` == ``-``), else ``part``."""
    if part in d or not isinstance(part, str):
        return part
    for existing in d:
        if _norm(existing) == _norm(part):
            return existing
    return part


# --------------------------------------------------------- nested dict tools
def _lookup(d, path):
    for part in path:
        if not isinstance(d, dict):
            return _MISSING
        part = _canonical(part, d)
        if part not in d:
            return _MISSING
        d = d[part]
    return d


def _copy(value):
    """Copy the mappings and lists of ``value``; share everything else."""
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _assign(d, path, value):
    """Set ``value`` at ``path`` of ``d``, making parents that are missing or
    not dicts. Return ``(undo_path, old)``: ``old`` stood at ``undo_path``."""
    keys, undo = [], None
    for part in path[:-1]:
        keys.append(_canonical(part, d))
        child = d.get(keys[-1], _MISSING)
        if not isinstance(child, dict):
            undo = undo or (tuple(keys), child)
            child = d[keys[-1]] = {}
        d = child
    keys.append(_canonical(path[-1], d))
    undo = undo or (tuple(keys), d.get(keys[-1], _MISSING))
    d[keys[-1]] = value
    return undo


def _restore(d, undo_path, old):
    parent = _lookup(d, undo_path[:-1])
    if isinstance(parent, dict):
        if old is _MISSING:
            parent.pop(undo_path[-1], None)
        else:
            parent[undo_path[-1]] = old


def _merge(d, new):
    """Merge mapping ``new`` into dict ``d`` in place, recursively; ``new`` wins."""
    for key, value in new.items():
        key = _canonical(key, d)
        if isinstance(value, Mapping) and isinstance(d.get(key), dict):
            _merge(d[key], value)
        else:
            d[key] = _copy(value)
    return d


def _leaves(d, prefix=()):
    for key, value in d.items():
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, prefix + (key,))
        else:
            yield prefix + (key,), value


def _all_paths(d, prefix=()):
    for key, value in d.items():
        yield prefix + (key,)
        if isinstance(value, dict):
            yield from _all_paths(value, prefix + (key,))


# --------------------------------------------------------------- validation
def _check_num_workers(value):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"num_workers must be an int or None, got {value!r}")
    if value <= 0:
        raise ValueError("num_workers must be greater than 0")


def _check_context(value):
    methods = multiprocessing.get_all_start_methods()
    if value is not None and value not in methods:
        raise ValueError(
            f"multiprocessing.context must be one of {', '.join(methods)} "
            f"(the start methods of this platform), got {value!r}")


_VALIDATORS = {
    ("num-workers",): _check_num_workers,
    ("multiprocessing", "context"): _check_context,
}


def _validate(path, value):
    """Check the validated settings that putting ``value`` at ``path`` sets."""
    normed = tuple(map(_norm, path))
    for vpath, check in _VALIDATORS.items():
        if vpath[:len(normed)] == normed:
            sub = _lookup(value, vpath[len(normed):])
            if sub is not _MISSING:
                check(sub)


def _validated(source, d):
    try:
        _validate((), d)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{source}: {exc}") from exc
    return d


# -------------------------------------------------------------- reading
def _effective(path):
    """The value at ``path`` seen by the current context, or ``_MISSING``."""
    with _lock:
        value = _copy(_lookup(config, path))
    for _, entries in _overrides.get():
        for entry_path, entry_value, _ in entries:
            value = _overlay(value, path, entry_path, entry_value)
    return value


def _overlay(value, path, entry_path, entry_value):
    """``value`` (at ``path``) after an override put ``entry_value`` at ``entry_path``."""
    n = min(len(path), len(entry_path))
    if not _same(path[:n], entry_path[:n]):
        return value
    if len(entry_path) <= len(path):
        return _copy(_lookup(entry_value, path[len(entry_path):]))
    value = value if isinstance(value, dict) else {}
    _assign(value, entry_path[len(path):], _copy(entry_value))
    return value


def get(key, default=no_default):
    """The setting at dotted ``key``; ``default`` if it is missing.

    A sub-dict comes back as a copy: changing it does not change the settings.

    >>> get('multiprocessing.context')
    'spawn'
    >>> get('num-workers') is None  # '-' and '_' are the same
    True
    >>> get('no.such.setting', 'fallback')
    'fallback'
    >>> get('multiprocessing.contxt')
    Traceback (most recent call last):
        ...
    KeyError: "'multiprocessing.contxt' is not a plait config setting; did you mean 'multiprocessing.context'?"
    """
    value = _effective(_split(key))
    if value is not _MISSING:
        return value
    if default is not no_default:
        return default
    depth = len(_split(key))
    known = [_dotted(p) for p in _all_paths(snapshot()) if len(p) == depth]
    close = difflib.get_close_matches(str(key), known, n=3, cutoff=0.75)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise KeyError(f"{key!r} is not a plait config setting{hint}")


def snapshot():
    """All settings as the current thread or task sees them, as a new dict
    (to ship to worker processes, say).

    >>> snapshot()['multiprocessing']['context']
    'spawn'
    >>> with set(scheduler='threads'):
    ...     snapshot()['scheduler']
    'threads'
    """
    return _effective(())


def pprint(key=None, file=None):
    """Print the settings (those under ``key`` if given) readably.

    >>> pprint('multiprocessing')
    context: 'spawn'
    initializer: None
    """
    value = snapshot() if key is None else get(key)
    print("\n".join(_format(value)), file=file)


def _format(value, indent=""):
    if not isinstance(value, dict):
        return [f"{indent}{value!r}"]
    lines = []
    for key, sub in value.items():
        if isinstance(sub, dict) and sub:
            lines.append(f"{indent}{key}:")
            lines.extend(_format(sub, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {sub!r}")
    return lines


# ------------------------------------------------------------------- set
class set:
    """Change settings: globally, or inside a ``with`` block only.

    Takes a mapping of dotted keys, keywords, or both (keywords win).
    Used alone, the change is global: every thread sees it. Used with
    ``with``, only the current thread (or asyncio task) sees it, and only
    until the block ends, also by an error. The module docstring explains
    how. A value that is a dict replaces the whole section at its key.

    >>> with set(scheduler='threads'):
    ...     get('scheduler')
    'threads'
    >>> get('scheduler') is None
    True
    >>> set({'multiprocessing.context': 'spawn'}, num_workers=2)
    plait.config.set({'multiprocessing.context': 'spawn', 'num_workers': 2})
    >>> get('num_workers')
    2
    >>> refresh()  # back to defaults, YAML files and environment
    >>> set(num_workers=0)
    Traceback (most recent call last):
        ...
    ValueError: num_workers must be greater than 0
    """

    def __init__(self, arg=None, /, **kwargs):
        pairs = _settings(arg, kwargs)
        self._entries = tuple((path, value, self) for path, value in pairs)
        self._undo = []
        self._state = "pending"
        if not _with_follows(sys._getframe(1)):
            self._apply_global()

    def _apply_global(self):
        with _lock:
            for path, value, _ in self._entries:
                self._undo.append((path, value, _assign(config, path, value)))
        stack = _overrides.get()
        if stack:  # inside a with-block: show the change here too
            owner, entries = stack[-1]
            _overrides.set(stack[:-1] + ((owner, entries + self._entries),))
        self._state = "global"

    def _undo_global(self):
        with _lock:
            for path, value, (undo_path, old) in reversed(self._undo):
                if _lookup(config, path) is value:  # nobody changed it since
                    _restore(config, undo_path, old)
        self._undo = []
        stack = tuple((owner, tuple(e for e in entries if e[2] is not self))
                      for owner, entries in _overrides.get())
        _overrides.set(stack)

    def __enter__(self):
        if self._state in ("entered", "exited"):
            raise RuntimeError("a config.set(...) can be used in one with-block "
                               "only; make a new one for each block")
        if self._state == "global":
            self._undo_global()
        _overrides.set(_overrides.get() + ((self, self._entries),))
        self._state = "entered"
        return self

    def __exit__(self, *exc_info):
        if self._state != "entered":
            raise RuntimeError("config.set(...).__exit__ called without __enter__")
        stack = _overrides.get()
        _overrides.set(tuple(layer for layer in stack if layer[0] is not self))
        self._state = "exited"

    def __repr__(self):
        settings = {_dotted(path): value for path, value, _ in self._entries}
        return f"plait.config.set({settings!r})"


def _settings(arg, kwargs):
    """Validated ``(path, value)`` pairs of a ``set(arg, **kwargs)`` call."""
    if arg is None:
        arg = {}
    if not isinstance(arg, Mapping):
        raise TypeError("config.set() takes a mapping of settings and/or "
                        f"keywords, got {type(arg).__name__}")
    pairs = [(_split(key), _copy(value))
             for key, value in [*arg.items(), *kwargs.items()]]
    for path, value in pairs:
        if "" in path:
            raise ValueError(f"{_dotted(path)!r} is not a valid config key")
        _validate(path, value)
        _check_parents(path)
    return pairs


def _check_parents(path):
    for i in range(1, len(path)):
        parent = _effective(path[:i])
        if parent is _MISSING:
            return
        if not isinstance(parent, dict):
            raise TypeError(f"cannot set {_dotted(path)!r}: {_dotted(path[:i])!r} "
                            f"holds {parent!r}, not a mapping of settings")


_WITH_OPCODES = frozenset({"SETUP_WITH", "BEFORE_WITH"})


def _with_follows(frame):
    """Does a ``with`` statement begin right after the call running in ``frame``?

    False when unsure (other interpreters, other bytecode), which is safe:
    ``set`` then applies globally and ``__enter__`` undoes that.
    """
    try:
        return _call_then_with(frame.f_code, frame.f_lasti)
    except Exception:
        return False


@functools.lru_cache(maxsize=1024)
def _call_then_with(code, lasti):
    instructions = iter(dis.get_instructions(code))
    for instruction in instructions:
        if instruction.offset == lasti:
            after = next(instructions, None)
            return (instruction.opname.startswith("CALL") and after is not None
                    and after.opname in _WITH_OPCODES)
    return False


# ------------------------------------------------------- sources, refresh
def config_paths(environ=None):
    """The directories and files searched for YAML settings, in order:
    ``~/.config/plait`` then the entries of ``PLAIT_CONFIG``.

    >>> [p.name for p in config_paths({})]
    ['plait']
    >>> config_paths({'PLAIT_CONFIG': str(DEFAULTS_FILE)})[-1] == DEFAULTS_FILE
    True
    """
    environ = os.environ if environ is None else environ
    paths = [pathlib.Path("~/.config/plait").expanduser()]
    for entry in environ.get("PLAIT_CONFIG", "").split(os.pathsep):
        if entry:
            path = pathlib.Path(entry).expanduser()
            if not path.exists():
                warnings.warn(f"PLAIT_CONFIG names {entry}, which does not exist",
                              stacklevel=2)
            paths.append(path)
    return paths


def collect_yaml(paths=None):
    """The merged settings of the YAML files at ``paths`` (default:
    ``config_paths()``); a directory stands for its ``*.yaml``/``*.yml``
    files, by name. Paths that do not exist are skipped.

    >>> import pathlib, shutil, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / 'a.yaml').write_text('scheduler: threads\\nnum_workers: 4\\n')
    >>> _ = (d / 'b.yml').write_text('num_workers: 8\\n')
    >>> collect_yaml([d])
    {'scheduler': 'threads', 'num_workers': 8}
    >>> shutil.rmtree(d)
    """
    merged = {}
    for path in _yaml_files(config_paths() if paths is None else paths):
        _merge(merged, _read_yaml(path))
    return merged


def _yaml_files(paths):
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.iterdir()
                              if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.exists():
            yield path


def _read_yaml(path):
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot parse plait config file {path}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"plait config file {path} must hold a mapping of "
                         f"settings, not a {type(data).__name__}")
    return _validated(f"plait config file {path}", data)


def collect_env(environ=None):
    """The settings of the ``PLAIT_*`` variables of ``environ`` (default:
    ``os.environ``). ``__`` nests; values are Python literals when they
    parse as such, else strings. ``PLAIT_CONFIG`` is not a setting.

    >>> collect_env({'PLAIT_NUM_WORKERS': '4', 'PLAIT_SCHEDULER': 'threads',
    ...              'PLAIT_MULTIPROCESSING__CONTEXT': 'fork', 'HOME': '/root'})
    {'multiprocessing': {'context': 'fork'}, 'num_workers': 4, 'scheduler': 'threads'}
    """
    environ = os.environ if environ is None else environ
    settings = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == "PLAIT_CONFIG":
            continue
        path = tuple(name[len(ENV_PREFIX):].lower().split("__"))
        if "" in path:
            continue
        value = _literal(raw)
        try:
            _validate(path, value)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"environment variable {name}: {exc}") from exc
        _assign(settings, path, value)
    return settings


def _literal(raw):
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return raw


def refresh():
    """Re-read the defaults, YAML files and ``PLAIT_*`` variables into the
    global settings, discarding global ``set(...)`` changes. Open ``with``
    blocks keep their overrides.

    >>> _ = set(num_workers=3)
    >>> refresh()
    >>> get('num_workers') is None
    True
    """
    new = _copy(_defaults)
    _merge(new, collect_yaml())
    _merge(new, collect_env())
    with _lock:
        config.clear()
        config.update(new)


def update_defaults(new):
    """Add default settings (for a module's own section, say). A setting
    still at its old default takes the new one; a setting from a file, the
    environment or ``set`` is kept.

    >>> update_defaults({'mylib': {'retries': 3}})
    >>> get('mylib.retries')
    3
    """
    _validate((), new)
    with _lock:
        for path, value in _leaves(new):
            current = _lookup(config, path)
            if current is _MISSING or _equal(current, _lookup(_defaults, path)):
                _assign(config, path, _copy(value))
        _merge(_defaults, new)


def _equal(a, b):
    try:
        return bool(a == b)
    except Exception:
        return False


def expand_environment_variables(value):
    """``value`` with ``$NAME`` and ``${NAME}`` in its strings replaced by
    environment variables, through dicts, lists and tuples. Unknown
    names stay as they are.

    >>> os.environ['EXAMPLE_DIR'] = '/data'
    >>> expand_environment_variables({'path': '$EXAMPLE_DIR/x', 'n': [1, '${EXAMPLE_DIR}']})
    {'path': '/data/x', 'n': [1, '/data']}
    >>> del os.environ['EXAMPLE_DIR']
    """
    if isinstance(value, Mapping):
        return {k: expand_environment_variables(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(expand_environment_variables(v) for v in value)
    if isinstance(value, str):
        return os.path.expandvars(value)
    return value


_defaults.update(_read_yaml(DEFAULTS_FILE))
refresh()
