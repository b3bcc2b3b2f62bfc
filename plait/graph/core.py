"""The task-graph spec: what a key, a task and a computation are.

A graph is a Mapping from keys to computations. A key is a ``str``, ``bytes``,
``int`` or ``float``, or a tuple of those. A computation is one of:

* a task: a tuple whose first element is callable, ``(func, arg1, arg2, ...)``;
* a key of the same graph (a reference to that entry's value);
* a list of computations;
* any other value (a literal). ``quote`` protects a literal that would
  otherwise be read as a task or a key.

These are pure functions over plain data: no threads, no I/O.
"""
from __future__ import annotations

KEY_TYPES = (str, bytes, int, float)


def istask(x):
    """Is ``x`` a task, i.e. a tuple whose first element is callable?

    >>> from operator import add
    >>> istask((add, 1, 2))
    True
    >>> istask(('x', 1))
    False
    """
    return type(x) is tuple and len(x) > 0 and callable(x[0])


def iskey(x):
    """Is ``x`` of a type that can be a key (``str``, ``bytes``, ``int``,
    ``float``, or a tuple of keys)?

    ``bool`` is not a key type, although it is a subclass of ``int``.

    >>> iskey('x'), iskey(('x', 0, 1)), iskey(['x']), iskey(True)
    (True, True, False, False)
    """
    t = type(x)
    if t in KEY_TYPES:
        return True
    if t is tuple:
        return all(iskey(part) for part in x)
    return False


def _is_ref(x, keys):
    """Is ``x`` a reference to an entry of ``keys``?"""
    t = type(x)
    if t in KEY_TYPES or (t is tuple and not istask(x) and iskey(x)):
        return x in keys
    return False


def get_dependencies(dsk, key=None, task=None, as_list=False):
    """The keys that the computation at ``key`` (or ``task``) refers to.

    Parameters
    ----------
    dsk : Mapping
        The graph.
    key : key, optional
        The key whose dependencies to return.
    task : computation, optional
        A computation to inspect instead of ``dsk[key]``.
    as_list : bool
        Return a list in order of first appearance instead of a set.

    >>> from operator import add
    >>> dsk = {'a': 1, 'b': (add, 'a', 1), 'c': (sum, ['a', 'b', (add, 'b', 2)])}
    >>> sorted(get_dependencies(dsk, 'c'))
    ['a', 'b']
    >>> get_dependencies(dsk, task=(add, 'a', 'a'), as_list=True)
    ['a']
    """
    if key is not None:
        if task is not None:
            raise TypeError("get_dependencies() takes key or task, not both")
        task = dsk[key]
    found = {}
    stack = [task]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is tuple:
            if x and callable(x[0]):
                stack.extend(reversed(x[1:]))
                continue
            if _is_ref(x, dsk):
                found[x] = None
        elif t is list:
            stack.extend(reversed(x))
        elif t in KEY_TYPES and x in dsk:
            found[x] = None
    return list(found) if as_list else set(found)


class quote:
    """Protect a literal that the graph spec would otherwise read as a task,
    a key or a list of computations.

    ``quote(x)`` inside a graph evaluates to ``x`` itself.

    >>> from plait import get
    >>> from operator import add
    >>> get({'a': 1, 'b': quote((add, 1, 2))}, 'b')[0] is add
    True
    >>> get({'a': 1, 'b': (len, quote(['a', 'a']))}, 'b')
    2
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"quote({self.value!r})"

    def __eq__(self, other):
        return type(other) is quote and other.value == self.value

    def __hash__(self):
        return hash(("plait.quote", repr(self.value)))

    def __reduce__(self):
        return (quote, (self.value,))


def key_str(key):
    """A short readable form of a key for messages.

    >>> key_str(('x', 0, 1))
    "('x', 0, 1)"
    >>> key_str('a')
    "'a'"
    """
    s = repr(key)
    return s if len(s) <= 200 else s[:197] + "..."
