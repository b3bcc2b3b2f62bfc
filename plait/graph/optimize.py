"""Graph rewrites that keep results and cut overhead: cull, fuse, inline.

Every function here is pure: it returns new dicts and never changes its
inputs. Rewritten tasks stay in the classic spec (nested tuples), so every
scheduler runs them, and ``quote`` objects pass through untouched.
"""
from __future__ import annotations

from functools import partial
from string import hexdigits

from plait.graph.core import KEY_TYPES, get_dependencies, iskey, istask, key_str
from plait.graph.toposort import toposort

_HEX = frozenset(hexdigits)


def cull(dsk, keys):
    """Only the entries of ``dsk`` that ``keys`` need, and their dependencies.

    ``keys`` is one key or a list of keys. Returns ``(culled, dependencies)``
    where ``dependencies`` maps each kept key to the list of keys it needs.

    >>> from operator import add
    >>> dsk = {'x': 1, 'y': (add, 'x', 1), 'out': (add, 'x', 10)}
    >>> cull(dsk, 'out')
    ({'out': (<built-in function add>, 'x', 10), 'x': 1}, {'out': ['x'], 'x': []})

    See Also: fuse, inline
    """
    stack = _flat_keys(keys)[::-1]
    _check_present(dsk, stack)
    deps = {}
    while stack:
        key = stack.pop()
        if key not in deps:
            deps[key] = get_dependencies(dsk, task=dsk[key], as_list=True)
            stack.extend(d for d in reversed(deps[key]) if d not in deps)
    return {k: dsk[k] for k in deps}, deps


def subs(task, key, val):
    """``task`` with every reference to ``key`` replaced by ``val``.

    Arguments of tasks and items of lists are searched; quoted values, dicts
    and tuples that are not tasks (other than the key itself) are not.

    >>> from operator import add
    >>> subs((add, 'x', [1, 'x', (add, 'x', 'y')]), 'x', 10)
    (<built-in function add>, 10, [1, 10, (<built-in function add>, 10, 'y')])
    """
    return _subs(task, {key: val})


def inline(dsk, keys=None, inline_constants=True, dependencies=None):
    """Substitute the computations of ``keys`` into the tasks that use them.

    With ``inline_constants`` the literal entries (no task, no dependency)
    are inlined too. The inlined keys stay in the graph; ``cull`` removes
    them when nothing needs them any more.

    >>> from operator import add
    >>> dsk = {'x': 1, 'y': (add, 'x', 1), 'z': (add, 'x', 'y')}
    >>> inline(dsk, 'y', inline_constants=False)
    {'x': 1, 'y': (<built-in function add>, 'x', 1), 'z': (<built-in function add>, 'x', (<built-in function add>, 'x', 1))}
    >>> inline(dsk)
    {'x': 1, 'y': (<built-in function add>, 1, 1), 'z': (<built-in function add>, 1, 'y')}

    See Also: inline_functions, subs
    """
    deps = _dependency_lists(dsk, dependencies)
    chosen = set(_flat_keys(keys)) if keys is not None else set()
    _check_present(dsk, chosen)
    if inline_constants:
        chosen.update(k for k, v in dsk.items() if not deps[k] and not istask(v))
    new = {}
    for key in toposort({k: [d for d in deps[k] if d in chosen] for k in chosen}):
        new[key] = _subs_deps(dsk[key], deps[key], new)
    return {k: new[k] if k in new else _subs_deps(v, deps[k], new) for k, v in dsk.items()}


def inline_functions(dsk, output, fast_functions, dependencies=None):
    """Inline every task that only calls ``fast_functions`` into the tasks
    that use it, and drop it from the graph (``output`` keys stay).

    >>> from operator import add, getitem
    >>> dsk = {'x': [1, 2], 'y': (getitem, 'x', 0), 'z': (add, 'y', 10)}
    >>> inline_functions(dsk, ['z'], [getitem])
    {'x': [1, 2], 'z': (<built-in function add>, (<built-in function getitem>, 'x', 0), 10)}

    See Also: inline
    """
    deps = _dependency_lists(dsk, dependencies)
    used = {d for ds in deps.values() for d in ds}
    keep, fast = set(_flat_keys(output)), set(fast_functions)
    chosen = [k for k, v in dsk.items()
              if k in used and k not in keep and istask(v) and _functions_of(v) <= fast]
    if not chosen:
        return dict(dsk)
    result = inline(dsk, chosen, inline_constants=False, dependencies=deps)
    for key in chosen:
        del result[key]
    return result


def fuse(dsk, keys=None, dependencies=None, ave_width=1, max_width=None,
         max_height=64, rename_keys=True):
    """Merge linear chains of tasks (and, with ``ave_width > 1``, small
    fan-ins) into single nested tasks, so schedulers run fewer tasks.

    A task is fused into its only dependent when that dependent needs nothing
    else (a linear chain). Keys in ``keys`` (the outputs) are never fused
    away; a fused task keeps the key of the top of its chain. With
    ``rename_keys`` the fused task gets a combined readable name and the old
    key becomes an alias to it.

    Parameters
    ----------
    ave_width : float
        Also fuse a task with all its exclusive inputs when the fused group's
        size divided by its height stays at most this (the parallelism given
        up). The default, 1, fuses linear chains only.
    max_width : float, optional
        The most independent branches in one fused task (default
        ``2 * ave_width``).
    max_height : int
        The most levels of nested tasks in one fused task: longer chains are
        cut, so evaluating and pickling a fused task stays shallow.

    Returns ``(fused, dependencies)``.

    >>> from operator import add
    >>> dsk = {'a': 1, 'b': (add, 'a', 1), 'c': (add, 'b', 10)}
    >>> fuse(dsk, ['c'])[0]
    {'a-b-c': (<built-in function add>, (<built-in function add>, 1, 1), 10), 'c': 'a-b-c'}
    >>> fuse(dsk, ['c'], rename_keys=False)[0]
    {'c': (<built-in function add>, (<built-in function add>, 1, 1), 10)}

    See Also: cull, inline
    """
    deps = _dependency_lists(dsk, dependencies)
    keep = set(_flat_keys(keys)) if keys is not None else set()
    limits = (ave_width, 2 * ave_width if max_width is None else max_width, max_height)
    kids = _plan_fusion(dsk, deps, keep, limits)
    return _build_fused(dsk, deps, kids, rename_keys)


def key_split(key):
    """The readable name of a key: its leading words, without tokens or
    indices.

    >>> key_split('inc-1a2b3c4d5e6f7a8b'), key_split(('read-csv', 0, 1)), key_split(5)
    ('inc', 'read-csv', '5')
    """
    if type(key) is tuple:
        key = key[0] if key else ""
    if type(key) is bytes:
        key = key.decode(errors="replace")
    if type(key) is not str:
        return str(key)
    words = key.split("-")
    name = [words[0]]
    for word in words[1:]:
        if not word[:1].isalpha() or (len(word) >= 8 and _HEX.issuperset(word)):
            break
        name.append(word)
    return "-".join(name)


# ---------------------------------------------------------------- helpers

def _flat_keys(keys):
    """A key or a (nested) list of keys as a flat list."""
    if type(keys) is not list:
        return [keys]
    out, stack = [], [iter(keys)]
    while stack:
        for k in stack[-1]:
            if type(k) is list:
                stack.append(iter(k))
                break
            out.append(k)
        else:
            stack.pop()
    return out


def _check_present(dsk, keys):
    for key in keys:
        if key not in dsk:
            raise KeyError(f"{key_str(key)} is not a key of the graph")


def _dependency_lists(dsk, dependencies):
    if dependencies is None:
        return {k: get_dependencies(dsk, task=v, as_list=True) for k, v in dsk.items()}
    return {k: list(dependencies[k]) for k in dsk}


def _subs(comp, mapping):
    """``comp`` with references to keys of ``mapping`` replaced."""
    t = type(comp)
    if t is tuple:
        if comp and callable(comp[0]):
            return (comp[0], *[_subs(arg, mapping) for arg in comp[1:]])
        return mapping.get(comp, comp) if iskey(comp) else comp
    if t is list:
        return [_subs(arg, mapping) for arg in comp]
    if t in KEY_TYPES:
        return mapping.get(comp, comp)
    return comp


def _subs_deps(comp, deps, new):
    mapping = {d: new[d] for d in deps if d in new}
    return _subs(comp, mapping) if mapping else comp


def _functions_of(task):
    """The callables that a computation calls, ``partial`` unwrapped."""
    funcs, stack = set(), [task]
    while stack:
        x = stack.pop()
        if istask(x):
            func = x[0]
            while isinstance(func, partial):
                func = func.func
            funcs.add(func)
            stack.extend(x[1:])
        elif type(x) is list:
            stack.extend(x)
    return funcs


def _ref_counts(comp):
    """How often ``comp`` names each key-like value."""
    counts, stack = {}, [comp]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is tuple and x and callable(x[0]):
            stack.extend(x[1:])
        elif t is list:
            stack.extend(x)
        elif t in KEY_TYPES or (t is tuple and iskey(x)):
            counts[x] = counts.get(x, 0) + 1
    return counts


def _nesting(comp):
    """Levels of nested tasks in ``comp`` (0 for a literal or a key)."""
    deepest, stack = 0, [(comp, 0)]
    while stack:
        x, level = stack.pop()
        if type(x) is tuple and x and callable(x[0]):
            level += 1
            deepest = max(deepest, level)
            stack.extend((arg, level) for arg in x[1:])
        elif type(x) is list:
            stack.extend((arg, level) for arg in x)
    return deepest


# ---------------------------------------------------------------- fusion

def _plan_fusion(dsk, deps, keep, limits):
    """For each key, the inputs fused into it (keys in dependencies-first
    order).

    Walks the graph bottom-up keeping, for the group rooted at each key, its
    (size, height, width); a key absorbs its exclusive inputs when the group
    stays a chain, or stays within ``limits`` for fan-ins."""
    ave_width, max_width, max_height = limits
    users = _count_users(deps)
    stats, kids = {}, {}
    for key in toposort(dsk, deps):
        ds = deps[key]
        if len(ds) != 1 and (not ds or ave_width <= 1):
            continue
        own = [d for d in ds if users[d] == 1 and d not in keep]
        own = own and _used_once(dsk[key], own)
        if not own:
            continue
        size, height, width = _merged_stats(own, stats, dsk)
        height += _height(dsk[key])
        if height <= max_height and (len(ds) == 1 or (
                ave_width > 1 and size / height <= ave_width and width <= max_width)):
            kids[key] = own
            stats[key] = (size, height, width)
    return kids


def _merged_stats(own, stats, dsk):
    """(size, height, width) of a new group over the groups of ``own``, but
    for the height of its root."""
    if len(own) == 1:
        size, height, width = stats.get(own[0]) or (1, _height(dsk[own[0]]), 1)
        return size + 1, height, width
    parts = [stats.get(d) or (1, _height(dsk[d]), 1) for d in own]
    return (1 + sum(p[0] for p in parts), max(p[1] for p in parts),
            sum(p[2] for p in parts))


def _count_users(deps):
    users = dict.fromkeys(deps, 0)
    for ds in deps.values():
        for d in ds:
            users[d] += 1
    return users


def _used_once(comp, keys):
    """Those of ``keys`` that ``comp`` names exactly once."""
    if (len(keys) == 1 and type(comp) is tuple and comp and callable(comp[0])
            and all(type(a) in KEY_TYPES for a in comp[1:])):
        return keys if comp.count(keys[0]) == 1 else []  # a flat task
    counts = _ref_counts(comp)
    return [k for k in keys if counts.get(k) == 1]


def _height(comp):
    """Levels of nested tasks that ``comp`` adds to a fused task (at least 1)."""
    if type(comp) is tuple and comp and callable(comp[0]):
        if not any(type(a) is tuple or type(a) is list for a in comp[1:]):
            return 1
    return max(_nesting(comp), 1)


def _build_fused(dsk, deps, kids, rename_keys):
    fused_into = {c: k for k, cs in kids.items() for c in cs}
    built = {}
    for key, own in kids.items():  # dependencies first
        built[key] = _subs(dsk[key], {c: built.pop(c, dsk[c]) for c in own})
    out, out_deps = {}, {}
    for key, comp in dsk.items():
        if key in fused_into:
            continue
        if key not in kids:
            out[key], out_deps[key] = comp, list(deps[key])
            continue
        members = _members(key, kids)
        outside = _outside_deps(members, deps)
        name = _fused_name(members, dsk, out) if rename_keys else None
        if name is None:
            out[key], out_deps[key] = built[key], outside
        else:
            out[name], out_deps[name] = built[key], outside
            out[key], out_deps[key] = name, [name]
    return out, out_deps


def _members(root, kids):
    """The keys fused into ``root``, dependencies first, ``root`` last."""
    out, stack = [], [root]
    while stack:
        key = stack.pop()
        out.append(key)
        stack.extend(kids.get(key, ()))
    return out[::-1]


def _outside_deps(members, deps):
    inside = set(members)
    found = {}
    for key in members:
        for d in deps[key]:
            if d not in inside:
                found[d] = None
    return list(found)


def _fused_name(members, dsk, taken):
    """``'a-b-c'`` for a chain ending in ``'c'``; ``('inc-add-x', 0)`` for
    one ending in ``('x', 0)`` (at most three names before the last); None
    when no fresh name can be made."""
    root = members[-1]
    if type(root) is str:
        head, rest = root, None
    elif type(root) is tuple and root and type(root[0]) is str:
        head, rest = root[0], root[1:]
    else:
        return None
    names = {}
    for key in members[:-1]:
        names[key_split(key)] = None
        if len(names) == 3:
            break
    names = list(names)
    joined = "-".join(names + [head])
    name = joined if rest is None else (joined, *rest)
    return None if name in dsk or name in taken else name
