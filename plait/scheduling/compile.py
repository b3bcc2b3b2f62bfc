"""Compile a graph, once, into the integer-indexed form the engine runs.

``compile_graph(dsk, keys)`` walks the graph from the requested keys (so it
culls what they do not need), gives every needed key an index, and records
for each index:

* ``specs[i]``: how to run it, ``(kind, func, args)``:

  - ``REFS``: ``func(*[data[j] for j in args])`` (every argument a reference)
  - ``APPLY``: ``func(*args)`` (no argument needs evaluating)
  - ``FLAT``: as CALL, but every argument is a ``Ref`` or a plain literal
  - ``CALL``: ``func(*[evaluate(a, data) for a in args])`` (any other task)
  - ``VALUE``: ``evaluate(args, data)`` (a list of computations, or an alias)
  - ``LITERAL``: the value ``args`` itself; nothing runs

  where ``args`` holds ``Ref(j)``, ``Call`` and ``List`` nodes in place of
  references, nested tasks and lists of computations;
* ``dependencies[i]``: the distinct indices task ``i`` reads;
* ``dependents[i]``: the tasks that read ``i``;
* ``priority[i]``: from ``plait.graph.order.order_indices``;
* ``chain_next[i]``: the task that can only run right after ``i`` (``i`` is
  its one dependency and it is ``i``'s one dependent), else -1. The engine
  sends such chains to one worker in one go.

Specs hold only the user's functions and plain values, so they pickle (with
cloudpickle) for process and executor backends.
"""
from __future__ import annotations

from plait.graph.core import KEY_TYPES, iskey, key_str, quote
from plait.graph.order import CycleError, order_indices

REFS, CALL, VALUE, LITERAL, FLAT, APPLY = 0, 1, 2, 3, 4, 5


class Ref:
    """A reference to the value of task ``i``."""

    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def __reduce__(self):
        return (Ref, (self.i,))

    def __repr__(self):
        return f"Ref({self.i})"


class Call:
    """A nested task: ``func(*args)`` with args evaluated first."""

    __slots__ = ("func", "args")

    def __init__(self, func, args):
        self.func = func
        self.args = args

    def __reduce__(self):
        return (Call, (self.func, self.args))


class List:
    """A list of computations."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __reduce__(self):
        return (List, (self.items,))


class RefList:
    """A list whose items are all references: ``[data[j] for j in idx]``."""

    __slots__ = ("idx",)

    def __init__(self, idx):
        self.idx = idx

    def __reduce__(self):
        return (RefList, (self.idx,))


def evaluate(node, data):
    """Evaluate a compiled argument against ``data`` (index -> value)."""
    t = type(node)
    if t is Ref:
        return data[node.i]
    if t is RefList:
        return [data[j] for j in node.idx]
    if t is Call:
        return node.func(*[evaluate(a, data) for a in node.args])
    if t is List:
        return [evaluate(a, data) for a in node.items]
    return node


def run_spec(spec, data):
    """Run one compiled task against ``data`` and return its value."""
    kind, func, args = spec
    if kind == REFS:
        return func(*[data[j] for j in args])
    if kind == APPLY:
        return func(*args)
    if kind == FLAT:
        return func(*[data[a.i] if type(a) is Ref else a for a in args])
    if kind == CALL:
        return func(*[evaluate(a, data) for a in args])
    if kind == VALUE:
        return evaluate(args, data)
    return args


class Compiled:
    """A graph in integer form; see the module docstring for the fields."""

    __slots__ = ("keys", "index", "specs", "dependencies", "dependents",
                 "priority", "chain_next", "outputs", "graph", "leaves", "literals")

    def __len__(self):
        return len(self.keys)

    def __repr__(self):
        return f"<Compiled: {len(self.keys)} tasks, {len(self.outputs)} outputs>"


def compile_graph(dsk, keys):
    """Compile the part of ``dsk`` that ``keys`` (a flat list) need.

    Raises ``KeyError`` naming a requested key that is not in the graph and
    ``CycleError`` naming the keys of a cycle.

    >>> from operator import add
    >>> c = compile_graph({'a': 1, 'b': (add, 'a', 10), 'z': 5}, ['b'])
    >>> c.keys, c.dependencies, c.outputs
    (['b', 'a'], [(1,), ()], [0])
    """
    contains = dsk.keys().__contains__ if isinstance(dsk, dict) else dsk.__contains__
    try:
        index = dict.fromkeys(keys)
        present = all(map(contains, index))
    except TypeError:
        present = False
    if not present:
        for k in keys:
            try:
                if k in dsk:
                    continue
            except TypeError:
                pass
            raise KeyError(f"{key_str(k)} is not a key of the graph")
    names = list(index)
    index = dict(zip(names, range(len(names))))
    outputs = list(map(index.__getitem__, keys))
    specs = []
    deps = []
    leaves = []  # tasks with no dependencies
    literals = []  # entries that are plain values
    add_spec, add_deps, add_leaf = specs.append, deps.append, leaves.append
    # ``names`` grows while we walk it: references found are compiled in turn
    for i, key in enumerate(names):
        comp = dsk[key]
        if type(comp) is tuple and comp and callable(comp[0]):
            # the common tasks: every argument a key, or none of them one
            refs = []
            atoms = 0
            for a in comp[1:]:
                t = type(a)
                if t is str or t is int or t is float or (
                        t is tuple and a and not callable(a[0])):
                    try:
                        j = index.get(a)
                    except TypeError:
                        break
                    if j is None:
                        if a not in dsk:
                            if t is tuple:
                                break
                            atoms += 1
                            continue
                        j = index[a] = len(names)
                        names.append(a)
                    refs.append(j)
                elif a is None or t is bool:
                    atoms += 1
                else:
                    break
            else:
                if not atoms:
                    refs = tuple(refs)
                    add_spec((REFS, comp[0], refs))
                    if len(refs) > 1:
                        add_deps(tuple(dict.fromkeys(refs)))
                    else:
                        add_deps(refs)
                        if not refs:
                            add_leaf(i)
                    continue
                if not refs:
                    add_spec((APPLY, comp[0], comp[1:]))
                    add_deps(())
                    add_leaf(i)
                    continue
        spec, d = _compile_entry(comp, dsk, index, names)
        add_spec(spec)
        add_deps(d)
        if not d:
            (literals if spec[0] == LITERAL else leaves).append(i)
    c = Compiled()
    c.graph = dsk
    c.keys = names
    c.index = index
    c.specs = specs
    c.dependencies = deps
    c.outputs = outputs
    c.leaves = leaves
    c.literals = literals
    _link(c)
    return c


def _link(c):
    n = len(c.keys)
    dependents = [[] for _ in range(n)]
    for i, ds in enumerate(c.dependencies):
        for j in ds:
            dependents[j].append(i)
    c.dependents = dependents
    roots = list(dict.fromkeys(c.outputs))
    try:
        c.priority = order_indices(c.dependencies, roots, dependents)
    except CycleError as e:
        raise CycleError([c.keys[i] for i in e.cycle]) from None
    chain = [-1] * n
    deps = c.dependencies
    for i, ds in enumerate(dependents):
        if len(ds) == 1 and len(deps[ds[0]]) == 1:
            chain[i] = ds[0]
    c.chain_next = chain


def _ref(x, dsk, index, names):
    """Index of the key ``x`` (registering it), or -1 if ``x`` is no key."""
    t = type(x)
    if t in KEY_TYPES or (t is tuple and iskey(x)):
        j = index.get(x)
        if j is not None:
            return j
        if x in dsk:
            j = index[x] = len(names)
            names.append(x)
            return j
    return -1


def _compile_entry(comp, dsk, index, names):
    """(spec, dependencies) of one graph entry; the common shapes take one pass."""
    if type(comp) is not tuple or not comp or not callable(comp[0]):
        deps = {}
        node = _compile_arg(comp, dsk, index, names, deps)
        if not deps and type(node) not in (Call, List, RefList):
            return (LITERAL, None, node), ()
        return (VALUE, None, node), tuple(deps)
    args = comp[1:]
    refs = []
    out = []
    kind = REFS
    for a in args:
        t = type(a)
        if t is str or t is int or t is float or t is bytes or t is tuple:
            if t is tuple and a and callable(a[0]):
                kind = CALL
                break
            try:
                j = index.get(a)
            except TypeError:  # a tuple holding something unhashable: a literal
                kind = FLAT
                out.append(a)
                continue
            if j is None:
                if a not in dsk:
                    kind = FLAT
                    out.append(a)
                    continue
                j = index[a] = len(names)
                names.append(a)
            refs.append(j)
            out.append(Ref(j))
        elif t is list or t is quote:
            kind = CALL
            break
        else:
            kind = FLAT
            out.append(a)
    if kind == REFS:
        refs = tuple(refs)
        return (REFS, comp[0], refs), (refs if len(refs) < 2 else tuple(dict.fromkeys(refs)))
    if kind == FLAT:
        if not refs:
            return (APPLY, comp[0], args), ()
        return (FLAT, comp[0], tuple(out)), (
            tuple(refs) if len(refs) < 2 else tuple(dict.fromkeys(refs)))
    deps = {}
    cargs = tuple(_compile_arg(a, dsk, index, names, deps) for a in args)
    return (CALL, comp[0], cargs), tuple(deps)


def _all_refs(items, dsk, index, names):
    """Indices of ``items`` if every one is a key of ``dsk`` (registering
    them), else None. C-level loops make ``(sum, [many keys])`` cheap."""
    if not items:
        return None
    try:
        if not all(map(dsk.__contains__, items)) or bool in set(map(type, items)):
            return None
    except TypeError:  # an unhashable item: not all keys
        return None
    if list in set(map(type, items)):
        return None
    refs = []
    for x in items:
        j = index.get(x)
        if j is None:
            j = index[x] = len(names)
            names.append(x)
        refs.append(j)
    return tuple(refs)


def _compile_arg(a, dsk, index, names, deps):
    t = type(a)
    if t is tuple:
        if a and callable(a[0]):
            return Call(a[0], tuple(_compile_arg(x, dsk, index, names, deps)
                                    for x in a[1:]))
        j = _ref(a, dsk, index, names)
    elif t is list:
        refs = _all_refs(a, dsk, index, names)
        if refs is not None:
            deps.update(dict.fromkeys(refs))
            return RefList(refs)
        items = [_compile_arg(x, dsk, index, names, deps) for x in a]
        if any(type(x) in (Ref, Call, List, RefList) for x in items):
            return List(items)
        # a literal list; quoted items inside it (at any depth) are unwrapped
        return items if any(x is not y for x, y in zip(items, a)) else a
    elif t is quote:
        return a.value
    elif t in KEY_TYPES:
        j = _ref(a, dsk, index, names)
    else:
        return a
    if j < 0:
        return a
    deps[j] = None
    return Ref(j)
