"""The graph spec (plait.graph.core) and validate."""
import pickle
import re
from operator import add

import pytest

from plait.graph import (CycleError, get_dependencies, iskey, istask, key_str, quote,
                         validate)


def inc(x):
    return x + 1


def test_istask():
    assert istask((inc, 1))
    assert istask((add, 'a', 'b'))
    assert not istask(('x', 1))
    assert not istask(())
    assert not istask([inc, 1])
    assert not istask(inc)


@pytest.mark.parametrize("key", ['x', b'x', 1, 1.5, ('x', 0), ('x', (1, 2)), ()])
def test_iskey_accepts(key):
    assert iskey(key)


@pytest.mark.parametrize("key", [True, None, ['x'], {'x': 1}, ('x', [0]), ('x', None)])
def test_iskey_rejects(key):
    assert not iskey(key)


def test_get_dependencies_nested_and_ordered():
    dsk = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'),
           'd': (sum, ['b', 'a', (inc, 'c'), 'not-a-key'])}
    assert get_dependencies(dsk, 'c') == {'a', 'b'}
    assert get_dependencies(dsk, 'd', as_list=True) == ['b', 'a', 'c']
    assert get_dependencies(dsk, task=(inc, 'zzz')) == set()


def test_get_dependencies_tuple_keys_and_opaque_values():
    dsk = {('x', 0): 1, ('x', 1): 2, 'y': 3,
           'z': (add, ('x', 0), {'k': 'y'}),          # dicts are not traversed
           'w': (len, ('y', ('x', 1))),               # nor non-task tuples
           'q': (len, quote(['y']))}                  # nor quoted values
    assert get_dependencies(dsk, 'z') == {('x', 0)}
    assert get_dependencies(dsk, 'w') == set()
    assert get_dependencies(dsk, 'q') == set()


def test_get_dependencies_key_and_task_is_an_error():
    with pytest.raises(TypeError, match="key or task"):
        get_dependencies({'a': 1}, 'a', task=(inc, 'a'))


def test_quote_value_equality_and_pickle():
    q = quote((add, 1, 2))
    assert q == quote((add, 1, 2)) and q != quote((add, 1, 3))
    assert hash(q) == hash(quote((add, 1, 2)))
    assert pickle.loads(pickle.dumps(q)) == q
    assert repr(quote('a')) == "quote('a')"


def test_key_str_is_short():
    assert key_str(('x', 1)) == "('x', 1)"
    long_key = 'k' * 500
    assert len(key_str(long_key)) == 200 and key_str(long_key).endswith('...')


# ---------------------------------------------------------------- validate

def test_validate_accepts_a_valid_graph():
    dsk = {'a': 1, ('x', 0): (inc, 'a'), ('x', 1): (inc, ('x', 0)),
           'total': (sum, [('x', 0), ('x', 1)]), 'q': quote(('x', 7))}
    assert validate(dsk) is None
    assert validate(dsk, ['total', ['a']]) is None
    assert validate(dsk, 'a') is None


def test_validate_rejects_a_non_mapping():
    with pytest.raises(TypeError, match="Mapping.*not list"):
        validate([('a', 1)])


@pytest.mark.parametrize("bad", [True, None, frozenset({1}), ('x', None)])
def test_validate_names_a_bad_key(bad):
    with pytest.raises(TypeError, match="invalid key " + re.escape(key_str(bad))):
        validate({'a': 1, bad: 2})


def test_validate_names_a_missing_requested_key():
    with pytest.raises(KeyError, match="'nope' is not a key of the graph"):
        validate({'a': 1}, ['a', 'nope'])


def test_validate_names_a_missing_tuple_reference_and_its_user():
    dsk = {('x', 0): 1, ('x', 1): 2, 'total': (sum, [('x', 0), ('x', 1), ('x', 5)])}
    with pytest.raises(KeyError) as info:
        validate(dsk)
    assert "('x', 5)" in str(info.value) and "'total'" in str(info.value)


def test_validate_leaves_tuples_of_unknown_families_alone():
    # ('y', 5) names no family of the graph: it is a literal, not a broken reference
    assert validate({('x', 0): 1, 'z': (add, ('x', 0), ('y', 5))}) is None


def test_validate_names_a_cycle():
    dsk = {'a': (inc, 'c'), 'b': (inc, 'a'), 'c': (inc, 'b'), 'd': 1}
    with pytest.raises(CycleError, match="'a' -> 'c' -> 'b' -> 'a'") as info:
        validate(dsk)
    assert info.value.cycle == ['a', 'c', 'b', 'a']
    assert isinstance(info.value, ValueError)
