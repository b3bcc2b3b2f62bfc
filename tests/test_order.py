"""order and order_indices: static priorities that keep memory low."""
import math
from operator import add

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plait.graph import CycleError, order, order_indices


def inc(x):
    return x + 1


def peak_held(dependencies, priority, roots):
    """Most results held at once when running tasks one at a time in priority
    order and releasing each result after its last dependent ran."""
    left = [0] * len(dependencies)
    for ds in dependencies:
        for d in set(ds):
            left[d] += 1
    held, peak = set(), 0
    for i in sorted((i for i, p in enumerate(priority) if p >= 0), key=priority.__getitem__):
        assert held.issuperset(dependencies[i]), "a task ran before its input"
        held.add(i)
        peak = max(peak, len(held))
        for d in set(dependencies[i]):
            left[d] -= 1
            if left[d] == 0 and d not in roots:
                held.discard(d)
    return peak


def tree_reduction(leaves, fan=2):
    """Leaves first, then each level combining ``fan`` results of the last."""
    deps = [[] for _ in range(leaves)]
    level = list(range(leaves))
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), fan):
            deps.append(level[j:j + fan])
            nxt.append(len(deps) - 1)
        level = nxt
    return deps, level


def test_order_indices_small_graph():
    assert order_indices([[], [0], [], [1, 2]], roots=[3]) == [0, 1, 2, 3]


@pytest.mark.parametrize("fan", [2, 4])
def test_tree_reduction_runs_branch_by_branch(fan):
    deps, roots = tree_reduction(1024, fan)
    prio = order_indices(deps, roots)
    depth = math.ceil(math.log(1024, fan))
    assert peak_held(deps, prio, roots) <= (fan - 1) * depth + 2
    # the whole first half of the leaves runs before any leaf of the second half
    assert max(prio[:512]) < min(prio[512:1024])
    # while a level-by-level order would hold every leaf at once
    assert peak_held(deps, list(range(len(deps))), roots) >= 1024


def test_map_then_reduce_holds_little():
    deps, ends = [], []
    for _ in range(256):            # load -> clean -> summarize, per partition
        deps += [[], [len(deps)], [len(deps) + 1]]
        ends.append(len(deps) - 1)
    deps.append(ends)               # one big aggregate
    roots = [len(deps) - 1]
    prio = order_indices(deps, roots)
    assert peak_held(deps, prio, roots) <= 258  # the 256 summaries + 2 in flight
    assert all(prio[e] < prio[e + 1] for e in range(0, 768, 3))  # no load waits


def test_the_other_reader_of_a_chunk_runs_while_it_is_held():
    # mean and std of one array: two tree reductions over the same 256 chunks
    n = 256
    deps = [[] for _ in range(n)]
    tops, readers = [], []
    for _ in range(2):
        readers.append(list(range(len(deps), len(deps) + n)))
        deps += [[i] for i in range(n)]
        tops.append(tree_reduction_over(deps, readers[-1]))
    deps.append(tops)
    roots = [len(deps) - 1]
    prio = order_indices(deps, roots)
    assert peak_held(deps, prio, roots) <= 2 * math.log2(n) + 4
    # both readers of a chunk run before the next chunk is loaded
    assert all(prio[b] < prio[i + 1] for i, b in enumerate(readers[1][:-1]))


def tree_reduction_over(deps, level):
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), 2):
            deps.append(level[j:j + 2])
            nxt.append(len(deps) - 1)
        level = nxt
    return level[0]


def test_given_dependents_give_the_same_plan():
    deps = [[], [0], [0], [1, 2], [2], [3, 4], []]
    dependents = [[1, 2], [3], [3, 4], [5], [5], [], []]
    assert order_indices(deps, [5], dependents) == order_indices(deps, [5])
    assert order_indices(deps, [5], dependents)[6] == -1


def test_a_reader_outside_the_plan_is_not_numbered():
    assert order_indices([[], [0], [0]], [1]) == [0, 1, -1]
    assert order_indices([[], [0], [0]], [1], dependents=[[1, 2], [], []]) == [0, 1, -1]


def test_bigger_input_starts_first():
    # 3 = f(0, 2) where 2 needs the chain 1 -> 2: the chain starts first
    deps = [[], [], [1], [0, 2]]
    assert order_indices(deps, [3]) == [2, 0, 1, 3]


def test_ties_follow_argument_and_root_order():
    deps = [[], [], [0], [1], [2, 3], [], [5]]
    prio = order_indices(deps, [4, 6])
    assert prio == [0, 2, 1, 3, 4, 5, 6]
    assert order_indices(deps, [4, 6]) == prio


def test_only_reachable_tasks_get_priorities():
    assert order_indices([[], [0], []], [1]) == [0, 1, -1]


def test_a_long_chain_is_iterative():
    n = 300_000
    deps = [[]] + [[i] for i in range(n - 1)]
    assert order_indices(deps, [n - 1]) == list(range(n))


def test_order_indices_names_a_cycle():
    with pytest.raises(CycleError, match="cycle detected: 0 -> 1 -> 2 -> 0") as info:
        order_indices([[1], [2], [0]], [0])
    assert info.value.cycle == [0, 1, 2, 0]


@st.composite
def dags(draw):
    n = draw(st.integers(1, 40))
    deps = [sorted(set(draw(st.lists(st.integers(0, i - 1), max_size=4)))) if i else []
            for i in range(n)]
    used = {d for ds in deps for d in ds}
    roots = [i for i in range(n) if i not in used]
    return deps, draw(st.permutations(roots))


@settings(max_examples=100, deadline=None)
@given(dags())
def test_dependencies_always_come_first(graph):
    deps, roots = graph
    prio = order_indices(deps, roots)
    assert sorted(prio) == list(range(len(deps)))
    for i, ds in enumerate(deps):
        assert all(prio[d] < prio[i] for d in ds)


# ------------------------------------------------ order on dict graphs

def test_order_on_a_dict_graph():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': 10, 'd': (add, 'b', 'c'), 'e': (inc, 'c')}
    assert order(dsk) == {'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4}
    assert order(dsk, ['e']) == {'c': 0, 'e': 1}
    assert order(dsk, 'b') == {'a': 0, 'b': 1}
    assert order({}) == {}


def test_order_names_a_missing_key():
    with pytest.raises(KeyError, match="'zz' is not a key of the graph"):
        order({'a': 1}, ['a', 'zz'])


def test_order_names_a_cycle_by_keys():
    dsk = {'a': (inc, 'b'), 'b': (inc, 'a'), 'c': (inc, 'a')}
    with pytest.raises(CycleError, match="'a' -> 'b' -> 'a'"):
        order(dsk)


def test_order_finds_a_cycle_that_no_sink_reaches():
    dsk = {'x': 1, 'a': (add, 'x', 'b'), 'b': (inc, 'a'), 'y': (inc, 'x')}
    with pytest.raises(CycleError) as info:
        order(dsk)
    assert set(info.value.cycle) == {'a', 'b'}
