"""Static priorities for running a graph with little memory.

``order_indices`` works on the integer form of a graph that the scheduling
engine compiles (``dependencies[i]`` lists the tasks ``i`` needs); ``order``
is the same on a plain dict graph. Lower numbers run first.

The plan is a depth-first walk from the requested outputs: a branch is
finished before the next one starts, so its intermediates can be released
early, and among the inputs of a task the one that needs the most work is
started first (its result is held while the smaller ones are computed).
A task that is ready and is the last reader of one of its inputs runs as
soon as it can, since it frees that input. Both passes are iterative and
O(edges); ties keep the order of the arguments and of the roots.
"""
from __future__ import annotations


class CycleError(ValueError):
    """The graph has a cycle; ``cycle`` lists its members in order."""

    def __init__(self, cycle, message=None):
        self.cycle = list(cycle)
        if message is None:
            message = "cycle detected: " + " -> ".join(map(repr, self.cycle))
        super().__init__(message)


def _work(dependencies, roots):
    """Number of tasks below each task, counting shared ones once per path,
    capped so it stays cheap; used only to pick which input to run first."""
    n = len(dependencies)
    size = [0] * n
    state = [0] * n  # 0 new, 1 on stack, 2 done
    for r in roots:
        if state[r]:
            continue
        stack = [r]
        while stack:
            v = stack[-1]
            if state[v] == 0:
                state[v] = 1
                for c in dependencies[v]:
                    if state[c] == 0:
                        stack.append(c)
                    elif state[c] == 1:
                        _raise_cycle(dependencies, c)
            else:
                stack.pop()
                if state[v] == 1:
                    state[v] = 2
                    s = 1
                    for c in dependencies[v]:
                        s += size[c]
                    size[v] = s if s < 1 << 40 else 1 << 40
    return size


def _raise_cycle(dependencies, start):
    """Find a cycle through ``start`` and raise CycleError with its indices."""
    path = [start]
    index = {start: 0}
    seen = set()
    # follow dependencies depth-first until we come back to a node on the path
    stack = [iter(dependencies[start])]
    while stack:
        for c in stack[-1]:
            if c in index:
                raise CycleError(path[index[c]:] + [c])
            if c not in seen:
                seen.add(c)
                index[c] = len(path)
                path.append(c)
                stack.append(iter(dependencies[c]))
                break
        else:
            stack.pop()
            del index[path.pop()]
    raise CycleError([start, start])


def order_indices(dependencies, roots, dependents=None):
    """Priority of each task (0 runs first) for a graph in integer form.

    Parameters
    ----------
    dependencies : list of sequences of int
        ``dependencies[i]`` are the tasks that task ``i`` needs.
    roots : sequence of int
        The requested outputs, in the order they were asked for. Tasks that
        they do not need get priority -1.
    dependents : list of sequences of int, optional
        ``dependents[i]`` are the tasks that need task ``i``, when the caller
        has them already (saves building them).

    Raises ``CycleError`` (a ``ValueError``) naming the indices of a cycle.

    The walk visits a task's inputs depth first, largest first, and numbers
    each task once its inputs are numbered; having numbered a task it numbers
    at once any ready task that is the last reader of one of its inputs
    (running it releases data and holds no more than before: the other half
    of ``mean`` and ``std`` of one array). This is the hot path of every
    computation, so it is one function with local names.

    >>> order_indices([[], [0], [], [1, 2]], roots=[3])
    [0, 1, 2, 3]
    >>> order_indices([[1], [0]], roots=[0])
    Traceback (most recent call last):
    ...
    plait.graph.order.CycleError: cycle detected: 0 -> 1 -> 0
    """
    n = len(dependencies)
    widest = max(map(len, dependencies), default=0)
    if widest <= 1:  # independent tasks and chains: a plain depth-first order
        return _order_chains(dependencies, roots)
    work = _work(dependencies, roots)  # input sizes, to start the largest first
    if dependents is None:
        dependents = [[] for _ in range(n)]
        for v, ds in enumerate(dependencies):
            if work[v]:  # reachable from the roots
                for d in ds:
                    dependents[d].append(v)
    remaining = [len(us) for us in dependents]  # readers not yet numbered
    waiting = [len(ds) for ds in dependencies]  # inputs not yet numbered
    prio = [-1] * n
    counter = 0
    todo = []
    for root in roots:
        if prio[root] >= 0:
            continue
        stack = [root]
        kids = [_children(dependencies[root], work)]
        prio[root] = ON_STACK
        push, push_kids = stack.append, kids.append
        while stack:
            for c in kids[-1]:
                if prio[c] < 0:
                    if prio[c] == ON_STACK:
                        _raise_cycle(dependencies, c)
                    prio[c] = ON_STACK
                    push(c)
                    ds = dependencies[c]
                    if len(ds) == 2:  # most common fan-in: no sort needed
                        if work[ds[1]] > work[ds[0]]:
                            ds = (ds[1], ds[0])
                    elif len(ds) > 2:
                        ds = sorted(ds, key=work.__getitem__, reverse=True)
                    push_kids(iter(ds))
                    break
            else:
                kids.pop()
                v = stack.pop()
                while True:  # number v, then the last readers it made ready
                    if prio[v] < 0:  # -1 (a ready last reader) or ON_STACK
                        prio[v] = counter
                        counter += 1
                        for d in dependencies[v]:
                            left = remaining[d] - 1
                            remaining[d] = left
                            if left == 1:  # its last reader may be ready now
                                for u in dependents[d]:
                                    if prio[u] < 0:
                                        if not waiting[u] and work[u]:
                                            todo.append(u)
                                        break
                        for u in dependents[v]:
                            w = waiting[u] - 1
                            waiting[u] = w
                            if not w and work[u]:
                                for d in dependencies[u]:
                                    if remaining[d] == 1:
                                        todo.append(u)
                                        break
                    if not todo:
                        break
                    v = todo.pop()
    return prio


ON_STACK = -2  # priority marker of a task whose inputs are being walked


def _order_chains(dependencies, roots):
    """``order_indices`` when every task has at most one input."""
    prio = [-1] * len(dependencies)
    counter = 0
    for v in roots:
        path = []
        while prio[v] == -1:
            prio[v] = ON_STACK
            path.append(v)
            d = dependencies[v]
            if not d:
                break
            v = d[0]
        else:
            if prio[v] == ON_STACK:
                _raise_cycle(dependencies, v)
        for v in reversed(path):
            prio[v] = counter
            counter += 1
    return prio


def _children(deps, work):
    if len(deps) < 2:
        return iter(deps)
    return iter(sorted(deps, key=work.__getitem__, reverse=True))


def order(dsk, keys=None):
    """Priority of each key of a graph: lower numbers run first.

    ``keys`` are the outputs to plan for (by default every key that no other
    key depends on); only the keys they need get a priority. Raises
    ``CycleError`` naming the keys of a cycle.

    >>> from operator import add
    >>> dsk = {'a': 1, 'b': (add, 'a', 1), 'c': 10, 'd': (add, 'b', 'c')}
    >>> order(dsk)
    {'a': 0, 'b': 1, 'c': 2, 'd': 3}

    See Also: order_indices, toposort
    """
    from plait.graph.core import get_dependencies
    from plait.graph.optimize import _check_present, _flat_keys

    names = list(dsk)
    index = {k: i for i, k in enumerate(names)}
    deps = [[index[d] for d in get_dependencies(dsk, task=dsk[k], as_list=True)]
            for k in names]
    if keys is not None:
        keys = _flat_keys(keys)
        _check_present(dsk, keys)
    try:
        prio = order_indices(deps, _sinks(deps) if keys is None else
                             [index[k] for k in keys])
        if keys is None and -1 in prio:  # keys that lead to no sink: a cycle
            order_indices(deps, [i for i, p in enumerate(prio) if p < 0])
    except CycleError as e:
        raise CycleError([names[i] for i in e.cycle]) from None
    return {names[i]: p for i, p in enumerate(prio) if p >= 0}


def _sinks(dependencies):
    """The tasks that no task depends on, in order."""
    used = [False] * len(dependencies)
    for ds in dependencies:
        for d in ds:
            used[d] = True
    return [i for i, u in enumerate(used) if not u]
