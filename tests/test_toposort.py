"""toposort and getcycle."""
from operator import add

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plait.graph import CycleError, get_dependencies, getcycle, toposort


def inc(x):
    return x + 1


def test_toposort_puts_dependencies_first():
    dsk = {'d': (add, 'b', 'c'), 'c': (inc, 'a'), 'b': (inc, 'a'), 'a': 1}
    assert toposort(dsk) == ['a', 'b', 'c', 'd']


def test_toposort_is_deterministic_and_keeps_independent_keys_in_order():
    dsk = {'z': 1, 'y': 2, 'x': (add, 'z', 'y'), 'w': 3}
    assert toposort(dsk) == ['z', 'y', 'x', 'w']


def test_toposort_uses_given_dependencies():
    dsk = {'a': 1, 'b': 2}
    assert toposort(dsk, dependencies={'a': ['b'], 'b': []}) == ['b', 'a']


def test_toposort_tuple_keys_and_nested_arguments():
    dsk = {('x', 1): (inc, ('x', 0)), ('x', 0): 1,
           'total': (sum, [('x', 1), (inc, ('x', 0))])}
    assert toposort(dsk) == [('x', 0), ('x', 1), 'total']


def test_toposort_of_an_empty_graph():
    assert toposort({}) == []


def test_toposort_long_chain_is_iterative():
    n = 200_000
    dsk = {0: -1.5, **{i: (inc, i - 1) for i in range(n, 0, -1)}}
    assert toposort(dsk) == list(range(n + 1))


def test_toposort_names_a_cycle_in_order():
    dsk = {'a': (inc, 'b'), 'b': (inc, 'c'), 'c': (inc, 'a'), 'd': 1}
    with pytest.raises(CycleError, match="cycle detected: 'a' -> 'b' -> 'c' -> 'a'"):
        toposort(dsk)


def test_toposort_names_a_self_reference():
    with pytest.raises(CycleError) as info:
        toposort({'x': 1, 'a': (add, 'x', 'a')})
    assert info.value.cycle == ['a', 'a']


def test_toposort_cycle_behind_an_acyclic_prefix():
    dsk = {'out': (inc, ('y', 0)), ('y', 0): (inc, ('y', 1)), ('y', 1): (inc, ('y', 0))}
    with pytest.raises(CycleError) as info:
        toposort(dsk)
    assert info.value.cycle == [('y', 0), ('y', 1), ('y', 0)]
    assert "('y', 0) -> ('y', 1) -> ('y', 0)" in str(info.value)


def test_getcycle():
    dsk = {'a': (inc, 'b'), 'b': (inc, 'a'), 'c': 1, 'd': (inc, 'c')}
    assert getcycle(dsk) == ['a', 'b', 'a']
    assert getcycle(dsk, ['d']) == []
    assert getcycle(dsk, 'b') == ['b', 'a', 'b']
    assert getcycle({'a': 1}) == []


@st.composite
def dags(draw):
    n = draw(st.integers(1, 30))
    dsk = {}
    for i in range(n):
        refs = draw(st.lists(st.integers(0, i - 1), max_size=4)) if i else []
        dsk[f'k{i}'] = (sum, [f'k{j}' for j in refs]) if refs else i
    keys = draw(st.permutations(list(dsk)))
    return {k: dsk[k] for k in keys}


@settings(max_examples=60, deadline=None)
@given(dags())
def test_toposort_property(dsk):
    result = toposort(dsk)
    assert sorted(result) == sorted(dsk)
    position = {k: i for i, k in enumerate(result)}
    for key in dsk:
        for dep in get_dependencies(dsk, key):
            assert position[dep] < position[key]
    assert getcycle(dsk) == []


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_a_back_edge_is_named(dsk, data):
    keys = list(dsk)
    hi = max(keys, key=lambda k: int(k[1:]))
    lo = data.draw(st.sampled_from(keys))
    cyclic = dict(dsk, **{lo: (sum, [hi, lo])})   # lo now needs itself
    with pytest.raises(CycleError) as info:
        toposort(cyclic)
    cycle = info.value.cycle
    assert cycle[0] == cycle[-1] and len(cycle) >= 2
    for key, dep in zip(cycle, cycle[1:]):
        assert dep in get_dependencies(cyclic, key)
