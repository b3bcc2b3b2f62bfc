"""Turn a plan (an ``Expr``) into a task graph, optimized on the way.

``lower(expr, name)`` runs four passes:

1. partition selection: ``Partitions`` of a partition-wise step becomes the
   step over the selected partitions of its inputs, down to the readers, so
   ``head()`` reads one block, not every file;
2. column projection: walking from the output, each step says which columns
   of its inputs it reads; readers (CSV, Parquet) then read only those;
3. predicate pushdown: a boolean filter on columns of a Parquet reader that
   nothing else reads becomes the reader's ``filters=``, so row groups whose
   statistics rule them out are skipped;
4. blockwise fusion: each maximal group of partition-wise steps whose
   results are only used inside the group becomes ONE task per partition,
   running a small ``Program``.

The output's keys are renamed to ``(name, i)``: a collection's keys do not
change when its plan is optimized.
"""
from __future__ import annotations

from plait.dataframe.expr import Blockwise, Broadcast, Expr, Partitions, PerPartition
from plait.graph.core import quote


def lower(expr, name=None):
    """The optimized task graph computing ``expr``'s partitions as ``(name, i)``.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'x': [1, 2, 3]}), npartitions=2)
    >>> dsk = lower((df.x + 1).expr, 'out')
    >>> sorted(k for k in dsk if k[0] == 'out')
    [('out', 0), ('out', 1)]
    """
    expr = optimize_expr(expr)
    return build_graph(expr, name or expr._name)


def optimize_expr(expr):
    """The plan after partition selection, projection and pushdown.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
    >>> e = optimize_expr(df.partitions[1].a.expr)
    >>> e.npartitions
    1
    """
    expr = rewrite(expr, _push_selection)
    expr = project_columns(expr)
    expr = push_predicates(expr)
    return expr


# ---------------------------------------------------------------- walking

def toposort_exprs(root):
    """Every expression ``root`` depends on, dependencies first, root last.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
    >>> [e.prefix for e in toposort_exprs((df.a + 1).expr)]
    ['from-pandas', 'getitem', 'add']
    """
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        e, done = stack.pop()
        if done:
            order.append(e)
            continue
        if id(e) in seen:
            continue
        seen.add(id(e))
        stack.append((e, True))
        stack.extend((d, False) for d in reversed(e.dependencies()) if id(d) not in seen)
    return order


def consumers_of(order):
    """id(expr) -> the expressions that read it.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
    >>> order = toposort_exprs((df.a + df.b).expr)
    >>> len(consumers_of(order)[id(df.expr)])
    2
    """
    out = {id(e): [] for e in order}
    for e in order:
        for d in e.dependencies():
            out[id(d)].append(e)
    return out


def rewrite(root, func):
    """Apply ``func`` to every expression, dependencies first; equal names
    become one object so shared inputs stay shared.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
    >>> e = rewrite((df.a + df.a).expr, lambda e: e)
    >>> a, b = e.args
    >>> a is b
    True
    """
    mapping, by_name = {}, {}
    for e in toposort_exprs(root):
        new = func(e.substitute(mapping))
        new = by_name.setdefault(new._name, new)
        mapping[id(e)] = new
    return mapping[id(root)]


def _push_selection(e):
    if not isinstance(e, Partitions):
        return e
    frame, indices = e.operands
    if list(indices) == list(range(frame.npartitions)):
        return frame
    if isinstance(frame, Partitions):
        inner, first = frame.operands
        return _push_selection(Partitions(inner, [first[i] for i in indices]))
    if isinstance(frame, Blockwise):
        selected = frame.select(indices)
        mapping = {id(a): _push_selection(a) for a in selected.args if isinstance(a, Partitions)}
        return selected.substitute(mapping)
    return e


# ---------------------------------------------------------------- projection

def _union(a, b):
    if a is None or b is None:
        return None
    return a | b


def project_columns(root):
    """Readers read only the columns that the plan uses.

    >>> import os, tempfile
    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({'a': [1], 'b': [2]}).to_csv(os.path.join(d, 'x.csv'), index=False)
    >>> df = pdd.read_csv(os.path.join(d, 'x.csv'))
    >>> reader = toposort_exprs(project_columns(df.b.expr))[0]
    >>> reader.reader.usecols
    ['b']
    """
    order = toposort_exprs(root)
    required = {id(root): None}
    for e in reversed(order):
        req = required.get(id(e), None)
        for dep_id, cols in needs_of(e, req).items():
            cols = None if cols is None else frozenset(cols)
            required[dep_id] = _union(required[dep_id], cols) if dep_id in required else cols
    projected = {}
    for e in order:
        cols = required.get(id(e))
        if cols is not None and hasattr(e, "project"):
            new = e.project(cols)
            if new is not e:
                projected[id(e)] = new
    return _substitute_all(root, projected) if projected else root


def _substitute_all(root, replaced):
    """``root`` with the expressions in ``replaced`` (by id) swapped in."""
    mapping, by_name = {}, {}
    for e in toposort_exprs(root):
        new = replaced[id(e)] if id(e) in replaced else e.substitute(mapping)
        new = by_name.setdefault(new._name, new)
        mapping[id(e)] = new
    return mapping[id(root)]


def needs_of(e, required):
    """id(dependency) -> columns of it that ``e`` reads (None: all).

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
    >>> sorted(needs_of(df.a.expr, None)[id(df.expr)])
    ['a']
    """
    if isinstance(e, Partitions):
        return {id(e.operands[0]): required}
    if isinstance(e, Blockwise):
        return e.needs(required)
    return {id(d): None for d in e.dependencies()}


# ---------------------------------------------------------------- pushdown

def push_predicates(root):
    """Filters on Parquet columns become the reader's ``filters=`` when no
    other step reads the reader's rows.

    >>> import tempfile
    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> d = tempfile.mkdtemp()
    >>> _ = pdd.from_pandas(pd.DataFrame({'a': [1, 2]}), npartitions=1).to_parquet(d)
    >>> df = pdd.read_parquet(d)
    >>> reader = toposort_exprs(push_predicates(df[df.a > 1].expr))[0]
    >>> reader.reader.filters
    [[('a', '>', 1)]]
    """
    order = toposort_exprs(root)
    consumers = consumers_of(order)
    replaced = {}
    for e in order:
        push = getattr(e, "pushdown", None)
        if push is None:
            continue
        found = push(consumers)
        if found is not None:
            reader, new_reader = found
            replaced[id(reader)] = new_reader
    return _substitute_all(root, replaced) if replaced else root


# ---------------------------------------------------------------- fusion

class Program:
    """The fused steps of one group, run for one partition.

    ``steps`` are ``(func, template, refs, kwargs, frees)``: the call is
    ``func(*template with template[pos] = slots[slot] for (pos, slot) in
    refs, **kwargs)``; its result goes in the next slot, and the slots in
    ``frees`` are released (their last reader has run). The first slots hold
    the task's arguments.
    """

    def __init__(self, steps, names):
        self.steps = steps
        self.names = names

    def __call__(self, *inputs):
        slots = list(inputs)
        for func, template, refs, kwargs, frees in self.steps:
            args = list(template)
            for pos, slot in refs:
                args[pos] = slots[slot]
            slots.append(func(*args, **kwargs))
            for slot in frees:
                slots[slot] = None
        return slots[-1]

    def __repr__(self):
        return f"Program({', '.join(self.names)})"


def build_graph(root, out_name):
    """The task graph of an optimized plan, fusing partition-wise steps;
    ``out_name`` names the output keys (a dict id(expr) -> name when
    ``root`` is ``Outputs`` of several plans).

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> df = pdd.from_pandas(pd.DataFrame({'a': [1, 2, 3], 'b': [4.0, 5.0, 6.0]}), npartitions=2)
    >>> dsk = build_graph((df.a * 2 + 1).expr, 'out')
    >>> sorted(dsk)
    [('out', 0), ('out', 1)]
    """
    outputs = out_name if isinstance(out_name, dict) else {id(root): out_name}
    order = toposort_exprs(root)
    consumers = consumers_of(order)
    group = _assign_groups(order, consumers, outputs)
    dsk = {}
    for e in order:
        if isinstance(e, Blockwise):
            if group[id(e)] is e:
                members = [m for m in order if group.get(id(m)) is e]
                dsk.update(_fused_layer(members, e._name))
        elif not isinstance(e, Outputs):
            dsk.update(e._layer())
        name = outputs.get(id(e))
        if name is not None and name != e._name:
            _rename(dsk, e, name, keep=_has_users(e, consumers))
    return dsk


class Outputs(Expr):
    """Several plans lowered together, so that what they share (a file read,
    a filter) is computed once."""

    prefix = "outputs"

    def __init__(self, exprs):
        super().__init__(tuple(exprs), None, (None, None))


def lower_many(exprs, names):
    """One optimized graph for several plans; plan ``i``'s keys are
    ``(names[i], j)``.

    >>> import pandas as pd
    >>> import plait.dataframe as pdd
    >>> s = pdd.from_pandas(pd.Series([1, 2, 3]), npartitions=3)
    >>> dsk = lower_many([s.max().expr, s.min().expr], ['hi', 'lo'])
    >>> ('hi', 0) in dsk and ('lo', 0) in dsk
    True
    """
    root = optimize_expr(Outputs(exprs))
    return build_graph(root, {id(e): n for e, n in zip(root.operands, names)})


def _has_users(e, consumers):
    return any(not isinstance(u, Outputs) for u in consumers[id(e)])


def _rename(dsk, e, name, keep):
    """Give ``e``'s output keys the collection's name: moved, or aliased when
    other steps read them under ``e``'s own name."""
    for i in range(e.npartitions):
        key = (e._name, i)
        if key in dsk:
            dsk[(name, i)] = key if keep else dsk.pop(key)


def _assign_groups(order, consumers, outputs):
    group = {}
    for e in reversed(order):
        if not isinstance(e, Blockwise):
            continue
        users = consumers[id(e)]
        if id(e) not in outputs and users and all(_aligned_user(u, e) for u in users):
            roots = {id(group[id(u)]): group[id(u)] for u in users}
            if len(roots) == 1:
                group[id(e)] = next(iter(roots.values()))
                continue
        group[id(e)] = e
    return group


def _aligned_user(user, e):
    if not isinstance(user, Blockwise):
        return False
    return any(a is e for a in user.args) and not any(
        isinstance(a, Broadcast) and a.expr is e for a in user.args)


def _fused_layer(members, name):
    """One task per partition running the members' steps in order."""
    inside = {id(m): j for j, m in enumerate(members)}
    inputs, slot_of = [], {}
    for m in members:
        for a in m.args:
            src = _source(a, inside)
            if src is not None and src[1] not in slot_of:
                slot_of[src[1]] = len(inputs)
                inputs.append(src)
    k = len(inputs)
    steps, last_use = [], {}
    for j, m in enumerate(members):
        template, refs = [], []
        for pos, a in enumerate(m.args):
            if isinstance(a, Expr) and id(a) in inside:
                slot = k + inside[id(a)]
            else:
                src = _source(a, inside)
                slot = None if src is None else slot_of[src[1]]
            template.append(None if slot is not None else a)
            if slot is not None:
                refs.append((pos, slot))
                last_use[slot] = j
        steps.append([m.func, tuple(template), tuple(refs), m.kwargs, ()])
    for slot, j in last_use.items():
        if j < len(steps) - 1:
            steps[j][4] += (slot,)
    program = Program([tuple(s) for s in steps], [m.prefix for m in members])
    n = members[-1].npartitions
    return {(name, i): (program, *[_input_for(src, i) for src in inputs]) for i in range(n)}


def _source(a, inside):
    """How a step's argument reaches the task: ('key', id, expr), ('bcast',
    id, expr), ('part', id, values) or None (a constant, or a member)."""
    if isinstance(a, Expr):
        return None if id(a) in inside else ("key", id(a), a)
    if isinstance(a, Broadcast):
        return ("bcast", id(a.expr), a.expr)
    if isinstance(a, PerPartition):
        return ("part", id(a), a)
    return None


def _input_for(src, i):
    kind, _, obj = src
    if kind == "key":
        return (obj._name, i)
    if kind == "bcast":
        return (obj._name, 0)
    return quote(obj.values[i])
