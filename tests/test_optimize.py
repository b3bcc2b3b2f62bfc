"""cull, fuse, inline, inline_functions, subs, key_split."""
import pickle
from functools import partial
from operator import add, getitem, neg, sub

import cloudpickle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plait.graph import (CycleError, cull, fuse, get_dependencies, inline,
                         inline_functions, iskey, key_split, quote, subs, toposort,
                         validate)


def inc(x):
    return x + 1


def total(seq):
    return sum(seq)


# ------------------------------------------------ reference evaluator

def evaluate(dsk):
    """Every key's value: a plain reading of the spec, one key at a time."""
    cache = {}

    def value(comp):
        t = type(comp)
        if t is tuple and comp and callable(comp[0]):
            return comp[0](*[value(a) for a in comp[1:]])
        if t is list:
            return [value(a) for a in comp]
        if t is quote:
            return comp.value
        if iskey(comp) and comp in dsk:
            return cache[comp]
        return comp

    for key in toposort(dsk):
        cache[key] = value(dsk[key])
    return cache


def nesting(comp):
    if type(comp) is tuple and comp and callable(comp[0]):
        return 1 + max((nesting(a) for a in comp[1:]), default=0)
    if type(comp) is list:
        return max((nesting(a) for a in comp), default=0)
    return 0


def chain(n, first=1):
    """{'k0': first, 'k1': (inc, 'k0'), ..., 'k{n}': (inc, 'k{n-1}')}"""
    return {'k0': first, **{f'k{i}': (inc, f'k{i - 1}') for i in range(1, n + 1)}}


# ------------------------------------------------ cull

def test_cull_keeps_what_keys_need():
    dsk = {'x': 1, 'y': (inc, 'x'), 'z': (add, 'y', 10), 'unused': (inc, 'x')}
    culled, deps = cull(dsk, 'z')
    assert culled == {'z': (add, 'y', 10), 'y': (inc, 'x'), 'x': 1}
    assert deps == {'z': ['y'], 'y': ['x'], 'x': []}
    assert cull(dsk, ['y', ['x']])[0] == {'y': (inc, 'x'), 'x': 1}
    assert 'unused' in dsk  # input untouched


def test_cull_long_chain():
    dsk = chain(100_000)
    culled, deps = cull(dsk, 'k100000')
    assert len(culled) == 100_001 and deps['k0'] == []


def test_cull_names_a_missing_key():
    with pytest.raises(KeyError, match="'nope' is not a key of the graph"):
        cull({'a': 1}, ['a', 'nope'])


# ------------------------------------------------ subs

def test_subs_replaces_references_only():
    task = (add, 'x', [1, 'x', (inc, 'x')], {'k': 'x'}, ('x', 'y'), quote('x'))
    assert subs(task, 'x', 10) == (add, 10, [1, 10, (inc, 10)], {'k': 'x'}, ('x', 'y'),
                                   quote('x'))
    assert subs((inc, ('x', 0)), ('x', 0), 5) == (inc, 5)
    assert subs('x', 'x', (inc, 'y')) == (inc, 'y')
    assert subs((inc, 'y'), 'x', 1) == (inc, 'y')


# ------------------------------------------------ inline

def test_inline_keys_and_constants():
    dsk = {'x': 1, 'y': (inc, 'x'), 'z': (add, 'x', 'y')}
    assert inline(dsk) == {'x': 1, 'y': (inc, 1), 'z': (add, 1, 'y')}
    assert inline(dsk, 'y') == {'x': 1, 'y': (inc, 1), 'z': (add, 1, (inc, 1))}
    assert inline(dsk, ['y'], inline_constants=False) == {
        'x': 1, 'y': (inc, 'x'), 'z': (add, 'x', (inc, 'x'))}


def test_inline_transitively():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (inc, 'b'), 'd': (add, 'c', 'b')}
    out = inline(dsk, ['b', 'c'], inline_constants=False)
    assert out['d'] == (add, (inc, (inc, 'a')), (inc, 'a'))
    assert evaluate(out) == evaluate(dsk)


def test_inline_keeps_quotes():
    dsk = {'q': quote(['not', 'keys']), 'n': (len, 'q')}
    out = inline(dsk)
    assert out['n'] == (len, quote(['not', 'keys']))
    assert evaluate(out)['n'] == 2


def test_inline_names_a_missing_key():
    with pytest.raises(KeyError, match="'nope' is not a key"):
        inline({'a': 1}, ['nope'])


def test_inline_functions_drops_cheap_tasks():
    dsk = {'x': [1, 2], 'y': (getitem, 'x', 0), 'i': (inc, 'x'),
           'out': (add, 'y', (getitem, 'x', 1)), 'other': (neg, 'y')}
    out = inline_functions(dsk, ['out', 'other'], [getitem])
    assert out == {'x': [1, 2], 'i': (inc, 'x'),
                   'out': (add, (getitem, 'x', 0), (getitem, 'x', 1)),
                   'other': (neg, (getitem, 'x', 0))}


def test_inline_functions_keeps_outputs_and_unused_tasks():
    dsk = {'x': [1, 2], 'y': (getitem, 'x', 0), 'z': (partial(getitem, [5]), 0),
           'w': (add, 'z', 1)}
    out = inline_functions(dsk, ['y'], [getitem])
    assert out == {'x': [1, 2], 'y': (getitem, 'x', 0), 'w': (add, (dsk['z'][0], 0), 1)}
    assert inline_functions(dsk, ['y'], [inc]) == dsk


# ------------------------------------------------ fuse

def test_fuse_chain_renames_and_aliases_the_output():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (inc, 'b')}
    fused, deps = fuse(dsk, ['c'])
    assert fused == {'a-b-c': (inc, (inc, 1)), 'c': 'a-b-c'}
    assert deps == {'a-b-c': [], 'c': ['a-b-c']}


def test_fuse_without_renaming_keeps_the_output_key():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (inc, 'b')}
    assert fuse(dsk, 'c', rename_keys=False) == ({'c': (inc, (inc, 1))}, {'c': []})


def test_fuse_names_tuple_keys_by_their_steps():
    dsk = {('inc-0123456789abcdef', 0): (inc, 'x'),
           ('add-fedcba9876543210', 0): (add, ('inc-0123456789abcdef', 0), 10),
           ('out', 0): (neg, ('add-fedcba9876543210', 0)), 'x': 1,
           'y': (sum, [('out', 0), 'x'])}
    fused, deps = fuse(dsk, [('out', 0), 'y'])
    assert fused[('inc-add-out', 0)] == (neg, (add, (inc, 'x'), 10))
    assert fused[('out', 0)] == ('inc-add-out', 0)
    assert deps[('inc-add-out', 0)] == ['x']
    assert evaluate(fused)['y'] == evaluate(dsk)['y']


def test_fuse_never_fuses_away_a_requested_key():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (inc, 'b'), 'd': (inc, 'c')}
    fused, _ = fuse(dsk, ['b', 'd'], rename_keys=False)
    assert fused == {'b': (inc, 1), 'd': (inc, (inc, 'b'))}


def test_fuse_leaves_shared_and_multi_input_tasks():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (neg, 'a'), 'd': (add, 'b', 'c')}
    assert fuse(dsk, 'd')[0] == dsk


def test_fuse_does_not_duplicate_work_for_a_repeated_argument():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (add, 'b', 'b')}
    fused, _ = fuse(dsk, 'c', rename_keys=False)
    assert fused == {'b': (inc, 1), 'c': (add, 'b', 'b')}


def test_fuse_fan_in_with_ave_width():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (neg, 'a'), 'd': (add, 'b', 'c')}
    fused, deps = fuse(dsk, 'd', ave_width=2)
    assert fused == {'a': 1, 'b-c-d': (add, (inc, 'a'), (neg, 'a')), 'd': 'b-c-d'}
    assert deps['b-c-d'] == ['a']
    assert fuse(dsk, 'd', ave_width=2, max_width=1)[0] == dsk


def test_fuse_tree_reduction_with_ave_width_stays_within_limits():
    leaves = {('x', i): i for i in range(8)}
    level1 = {('s', i): (add, ('x', 2 * i), ('x', 2 * i + 1)) for i in range(4)}
    level2 = {('t', i): (add, ('s', 2 * i), ('s', 2 * i + 1)) for i in range(2)}
    dsk = {**leaves, **level1, **level2, 'total': (add, ('t', 0), ('t', 1))}
    fused, _ = fuse(dsk, 'total', ave_width=2, rename_keys=False)
    assert len(fused) < len(dsk)
    assert max(nesting(v) for v in fused.values()) <= 2
    assert evaluate(fused)['total'] == 28


def test_fuse_cuts_long_chains_at_max_height():
    dsk = chain(1000)
    fused, deps = fuse(dsk, 'k1000', max_height=64)
    tasks = [k for k, v in fused.items() if type(v) is tuple]
    assert len(tasks) == 16  # 1001 keys in pieces of at most 64 nested calls
    assert max(nesting(fused[k]) for k in tasks) <= 64
    assert evaluate(fused)['k1000'] == 1001
    validate(fused, 'k1000')


def test_fuse_a_long_chain_iteratively():
    dsk = chain(200_000)
    fused, _ = fuse(dsk, 'k200000', rename_keys=False)
    assert len(fused) == 3126  # ceil(200_001 / 64)
    assert evaluate(fused)['k200000'] == 200_001


def test_fuse_keeps_quotes_lists_and_aliases():
    dsk = {'q': quote((add, 1, 2)), 'n': (len, 'q'), 'l': [1, 2], 's': (total, 'l'),
           'alias': 's', 'out': (add, 'alias', 'n')}
    fused, _ = fuse(dsk, 'out')
    assert evaluate(fused)['out'] == 6
    assert quote((add, 1, 2)) in fused['q-n'][1:]


def test_fused_tasks_pickle():
    fused, _ = fuse({'a': 1, 'b': (inc, 'a'), 'c': (partial(add, 2), 'b')}, 'c')
    assert evaluate(pickle.loads(pickle.dumps(fused)))['c'] == 4
    assert evaluate(cloudpickle.loads(cloudpickle.dumps(fused)))['c'] == 4


def test_fuse_uses_given_dependencies_and_leaves_input_alone():
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (inc, 'b')}
    copy = dict(dsk)
    culled, deps = cull(dsk, 'c')
    assert fuse(culled, 'c', dependencies=deps)[0] == fuse(dsk, 'c')[0]
    assert dsk == copy


def test_fuse_avoids_name_collisions():
    dsk = {'a': 1, 'b': (inc, 'a'), 'a-b': 5, 'out': (add, 'b', 'a-b')}
    fused, _ = fuse(dsk, 'out')
    assert fused['a-b'] == 5 and fused['b'] == (inc, 1)
    assert evaluate(fused)['out'] == 7


def test_fuse_names_a_cycle():
    with pytest.raises(CycleError, match="'a' -> 'b' -> 'a'"):
        fuse({'a': (inc, 'b'), 'b': (inc, 'a')})


def test_key_split():
    assert key_split('x') == 'x'
    assert key_split('x-1') == 'x'
    assert key_split('read-csv-0123456789abcdef0123456789abcdef') == 'read-csv'
    assert key_split(('sum-aggregate-1a2b3c4d', 3, 1)) == 'sum-aggregate'
    assert key_split(b'inc-abcdef01') == 'inc'
    assert key_split(7) == '7' and key_split(()) == ''


# ------------------------------------------------ properties

def key_styles(i, style):
    return (f'k{i}', ('x', i), 100 + i)[style]


@st.composite
def graphs(draw):
    """Random acyclic int-valued graphs rich in chains, nesting and lists."""
    n = draw(st.integers(1, 25))
    style = draw(st.integers(0, 2))
    keys = [key_styles(i, style) for i in range(n)]
    dsk = {}
    for i, key in enumerate(keys):
        earlier = keys[:i]
        leaf = st.integers(-5, 5)
        if earlier:
            leaf = leaf | st.sampled_from(earlier[-1:]) | st.sampled_from(earlier)
        arg = st.recursive(leaf, lambda inner: (
            st.tuples(st.sampled_from([inc, neg]), inner)
            | st.tuples(st.sampled_from([add, sub]), inner, inner)
            | st.lists(inner, max_size=3).map(lambda xs: (total, xs))), max_leaves=5)
        top = arg | st.tuples(st.just(inc), leaf)
        if earlier:
            top = top | st.lists(st.sampled_from(earlier), max_size=3).map(
                lambda xs: (len, quote(xs)))
        dsk[key] = draw(top)
    order = draw(st.permutations(keys))
    return {k: dsk[k] for k in order}


@settings(max_examples=100, deadline=None)
@given(graphs(), st.data())
def test_fuse_gives_the_same_results(dsk, data):
    outputs = data.draw(st.lists(st.sampled_from(list(dsk)), min_size=1, unique=True))
    ave_width = data.draw(st.sampled_from([1, 2, 3]))
    max_height = data.draw(st.sampled_from([2, 3, 64]))
    rename = data.draw(st.booleans())
    fused, deps = fuse(dsk, outputs, ave_width=ave_width, max_height=max_height,
                       rename_keys=rename)
    expected, got = evaluate(dsk), evaluate(fused)
    assert all(k in fused for k in outputs)
    assert all(got[k] == expected[k] for k in dsk if k in fused)
    assert {k: set(v) for k, v in deps.items()} == {
        k: get_dependencies(fused, k) for k in fused}
    validate(fused, outputs)
    for key in fused.keys() - dsk.keys():
        assert nesting(fused[key]) <= max(max_height, 1)
    real_tasks = [k for k, v in fused.items() if not (iskey(v) and v in fused)]
    assert len(real_tasks) <= len(dsk)


@settings(max_examples=60, deadline=None)
@given(graphs(), st.data())
def test_cull_and_inline_give_the_same_results(dsk, data):
    expected = evaluate(dsk)
    keys = data.draw(st.lists(st.sampled_from(list(dsk)), min_size=1, unique=True))
    culled, deps = cull(dsk, keys)
    assert all(evaluate(culled)[k] == expected[k] for k in keys)
    for key in culled:  # closed under dependencies, and nothing unneeded
        assert get_dependencies(dsk, key) <= culled.keys()
        assert key in keys or any(key in deps[k] for k in culled)
    assert {k: set(v) for k, v in deps.items()} == {k: get_dependencies(dsk, k)
                                                    for k in culled}
    assert evaluate(inline(dsk, keys)) == expected
    remaining = evaluate(inline_functions(dsk, keys, [inc, add]))
    assert all(remaining[k] == expected[k] for k in remaining)
    assert all(k in remaining for k in keys)


def test_fused_graphs_run_on_every_scheduler(get):
    dsk = {**chain(200), 'q': quote(['k0', (inc, 1)]), 'n': (len, 'q'),
           'fan': (add, (inc, 'k200'), 'n'), 'b': (neg, 'fan'), 'c': (inc, 'fan'),
           'out': (total, ['b', 'c', 'k3'])}
    expected = evaluate(dsk)['out']
    for ave_width in (1, 3):
        fused, _ = fuse(dsk, 'out', ave_width=ave_width)
        assert len(fused) < len(dsk) / 2
        assert get(fused, 'out') == expected
