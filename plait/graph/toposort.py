"""Topological order of a graph, and the cycle that prevents one.

Both walks are iterative (an explicit stack), so million-long chains do not
hit Python's recursion limit.
"""
from __future__ import annotations

from plait.graph.core import get_dependencies
from plait.graph.order import CycleError

_ACTIVE, _DONE = 1, 2


def toposort(dsk, dependencies=None):
    """The keys of ``dsk``, each after every key it depends on.

    ``dependencies`` (key -> iterable of keys), when given, saves computing
    them again. A cycle raises ``CycleError`` naming its keys in order.

    >>> from operator import add
    >>> toposort({'c': (add, 'a', 'b'), 'b': (add, 'a', 1), 'a': 1})
    ['a', 'b', 'c']
    >>> toposort({'a': (add, 'b', 1), 'b': (add, 'a', 1), 'c': 1})
    Traceback (most recent call last):
    ...
    plait.graph.order.CycleError: cycle detected: 'a' -> 'b' -> 'a'

    See Also: getcycle, order
    """
    return _postorder(_dependency_lists(dsk, dependencies), dsk)


def getcycle(dsk, keys=None):
    """A cycle reachable from ``keys`` (default: anywhere) as a list of keys
    that starts and ends with the same key, or ``[]`` when there is none.

    >>> from operator import add
    >>> getcycle({'a': (add, 'b', 1), 'b': (add, 'a', 1), 'c': 1})
    ['a', 'b', 'a']
    >>> getcycle({'a': 1, 'b': (add, 'a', 1), 'c': 1}, ['b'])
    []
    """
    deps = _dependency_lists(dsk, None)
    roots = dsk if keys is None else _as_list(keys)
    try:
        _postorder(deps, roots)
    except CycleError as e:
        return e.cycle
    return []


def _dependency_lists(dsk, dependencies):
    if dependencies is not None:
        return dependencies
    return {k: get_dependencies(dsk, task=v, as_list=True) for k, v in dsk.items()}


def _as_list(keys):
    return keys if isinstance(keys, list) else [keys]


def _postorder(deps, roots):
    """Depth-first post-order of ``deps`` from ``roots``; raise on a cycle."""
    result, state = [], {}
    for root in roots:
        if root in state:
            continue
        state[root] = _ACTIVE
        stack = [(root, iter(deps.get(root, ())))]
        while stack:
            key, it = stack[-1]
            for dep in it:
                s = state.get(dep)
                if s is None:
                    state[dep] = _ACTIVE
                    stack.append((dep, iter(deps.get(dep, ()))))
                    break
                if s == _ACTIVE:
                    raise CycleError(_cycle_on_stack(stack, dep))
            else:
                stack.pop()
                state[key] = _DONE
                result.append(key)
    return result


def _cycle_on_stack(stack, key):
    keys = [k for k, _ in stack]
    return keys[keys.index(key):] + [key]
