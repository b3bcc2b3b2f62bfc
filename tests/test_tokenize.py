import dataclasses
import datetime
import enum
import functools
import json
import operator
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from plait.tokenize import Dispatch, normalize_token, random_token, tokenize


def inc(x):
    return x + 1


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


class Color(enum.Enum):
    RED = 1
    BLUE = 2


def all_different(*values):
    tokens = [tokenize(v) for v in values]
    return len(set(tokens)) == len(tokens)


def test_token_is_a_32_char_hex_string():
    t = tokenize(1, "a")
    assert len(t) == 32 and int(t, 16) >= 0


def test_primitives_of_different_types_differ():
    assert all_different(1, 1.0, True, "1", b"1", None, 1 + 0j, 0, False, "")


def test_equal_values_give_equal_tokens():
    assert tokenize(1, "a", b"b", 2.5, None) == tokenize(1, "a", b"b", 2.5, None)
    assert tokenize([1, (2, {"a": {3}})]) == tokenize([1, (2, {"a": {3}})])


def test_args_and_kwargs_are_part_of_the_token():
    assert all_different((1, 2), (2, 1), (1,))
    assert tokenize(1, x=2) != tokenize(1, x=3) != tokenize(1)
    assert tokenize(x=1, y=2) == tokenize(y=2, x=1)


def test_lists_tuples_sets_differ_and_nest():
    assert all_different([1, 2], (1, 2), {1, 2}, frozenset({1, 2}), [[1, 2]], [(1, 2)])
    assert tokenize([1, [2, [3]]]) != tokenize([1, [2, [4]]])


def test_dicts_and_sets_ignore_order():
    assert tokenize({"a": 1, "b": 2}) == tokenize({"b": 2, "a": 1})
    assert tokenize({"a": 1}) != tokenize({"a": 2}) != tokenize({"b": 1})
    assert tokenize({3, 1, 2}) == tokenize({2, 3, 1})
    assert tokenize({1: "a", "1": "a"}) != tokenize({1: "a"})


def test_self_referencing_containers_are_deterministic():
    a = [1]
    a.append(a)
    b = [1]
    b.append(b)
    assert tokenize(a) == tokenize(b) != tokenize([1, [1]])


def test_large_strings_and_bytes_are_hashed_not_copied():
    s = "x" * 100_000
    assert tokenize(s) == tokenize("x" * 100_000) != tokenize("x" * 99_999 + "y")
    assert tokenize(s.encode()) != tokenize(s)
    assert tokenize(bytearray(b"ab")) != tokenize(b"ab")


def test_importable_functions_by_name():
    assert normalize_token(inc) == ("function", __name__, "inc")
    assert normalize_token(len) == ("builtin", "builtins", "len")
    assert all_different(inc, len, operator.add, operator.sub, sum)


def test_lambdas_by_code_closure_and_defaults():
    assert tokenize(lambda x: x + 1) == tokenize(lambda x: x + 1)
    assert tokenize(lambda x: x + 1) != tokenize(lambda x: x + 2)
    assert tokenize(lambda x: x + 1) != tokenize(lambda y: y + 1)

    def make(n):
        return lambda x: x + n
    assert tokenize(make(1)) == tokenize(make(1)) != tokenize(make(2))

    def make_default(n):
        def add_default(x, k=n):
            return x + k
        return add_default
    assert tokenize(make_default(1)) == tokenize(make_default(1)) != tokenize(make_default(2))


def test_lambdas_see_the_globals_they_read():
    source = "f = lambda x: x + N"
    one, two = {"N": 1}, {"N": 2}
    exec(source, one)
    exec(source, two)
    assert tokenize(one["f"]) != tokenize(two["f"])
    three = {"N": 1}
    exec(source, three)
    assert tokenize(one["f"]) == tokenize(three["f"])


def test_recursive_local_function_terminates():
    def fact(n):
        return 1 if n < 2 else n * fact(n - 1)
    assert tokenize(fact) == tokenize(fact)


def test_partials_methods_and_operator_objects():
    assert tokenize(functools.partial(inc, 1)) == tokenize(functools.partial(inc, 1))
    assert all_different(functools.partial(inc, 1), functools.partial(inc, 2),
                         functools.partial(inc, x=1), functools.partial(inc, y=1), inc)
    assert tokenize(Point(1).__eq__) != tokenize(Point(2).__eq__)
    assert tokenize([1].append) != tokenize([2].append)
    assert all_different(operator.itemgetter(1), operator.itemgetter(2),
                         operator.attrgetter("a"), operator.methodcaller("a", 1))


def test_dataclasses_enums_paths_ranges_slices_types():
    assert tokenize(Point(1, 2)) == tokenize(Point(1, 2)) != tokenize(Point(2, 1))
    assert all_different(Color.RED, Color.BLUE, 1)
    assert tokenize(pathlib.Path("/a/b")) == tokenize(pathlib.Path("/a") / "b")
    assert all_different(pathlib.Path("/a"), pathlib.PurePosixPath("/a"), "/a")
    assert all_different(range(3), range(4), range(0, 3, 2), slice(1, 2), slice(1, 3),
                         slice(None), Ellipsis, None)
    assert all_different(int, float, Point, Color, type)
    assert normalize_token(Point) == ("type", __name__, "Point")


def test_dates_decimals_fractions():
    import decimal
    import fractions
    d = datetime.datetime(2020, 1, 2, 3, 4, 5)
    assert tokenize(d) == tokenize(datetime.datetime(2020, 1, 2, 3, 4, 5))
    assert all_different(d, d.date(), d.replace(tzinfo=datetime.timezone.utc),
                         datetime.timedelta(1), decimal.Decimal("1.0"),
                         fractions.Fraction(1, 2))


def test_numpy_arrays_by_content_dtype_and_shape():
    x = np.arange(12)
    assert tokenize(x) == tokenize(np.arange(12))
    assert all_different(x, x.astype("f8"), x.reshape(3, 4), x + 1, x.astype("i4"))
    y = np.arange(24).reshape(4, 6)[:, ::2]
    assert not y.flags.c_contiguous
    assert tokenize(y) == tokenize(y.copy())
    assert tokenize(y) != tokenize(y.T)
    big = np.random.default_rng(0).random(1_000_000)
    changed = big.copy()
    changed[-1] += 1
    assert tokenize(big) == tokenize(big.copy()) != tokenize(changed)
    assert tokenize(np.empty((0, 3))) != tokenize(np.empty((3, 0)))


def test_numpy_object_arrays_scalars_dtypes_ufuncs():
    a = np.array([1, "a", None], dtype=object)
    assert tokenize(a) == tokenize(a.copy()) != tokenize(np.array([1, "b", None], dtype=object))
    assert all_different(np.float64(1), np.float32(1), np.int64(1), 1.0, 1)
    assert all_different(np.dtype("f8"), np.dtype("i8"), np.dtype([("a", "i4")]))
    assert all_different(np.add, np.multiply, operator.add)
    dt = np.array(["2020-01-01"], dtype="datetime64[ns]")
    assert tokenize(dt) == tokenize(dt.copy())


def test_pandas_objects_by_values_index_dtypes_names():
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert tokenize(df) == tokenize(df.copy())
    changed = df.copy()
    changed.loc[2, "b"] = "w"
    assert all_different(df, changed, df.rename(columns={"a": "c"}),
                         df.set_index(pd.Index([5, 6, 7])), df.astype({"a": "f8"}))
    s = df["a"]
    assert tokenize(s) == tokenize(s.copy())
    assert all_different(s, s.rename("z"), s + 1, s.astype("i4"))
    assert all_different(pd.Index([1, 2]), pd.Index([1, 2], name="n"),
                         pd.Index([1.0, 2.0]), pd.RangeIndex(2))
    cat = pd.Categorical(["a", "b", "a"])
    assert tokenize(cat) == tokenize(pd.Categorical(["a", "b", "a"]))
    assert all_different(cat, pd.Categorical(["a", "b", "b"]),
                         pd.Categorical(["a", "b", "a"], ordered=True))
    odd = pd.Series([{"k": 1}, [2]])
    assert tokenize(odd) == tokenize(odd.copy()) != tokenize(pd.Series([{"k": 2}, [2]]))
    mi = pd.MultiIndex.from_product([[1, 2], ["a", "b"]])
    assert tokenize(mi) == tokenize(mi.copy()) != tokenize(mi[::-1])


def test_register_a_user_type():
    class Celsius:
        def __init__(self, degrees):
            self.degrees = degrees

    assert tokenize(Celsius(1)) != tokenize(Celsius(1))  # random until registered
    normalize_token.register(Celsius)(lambda c: ("Celsius", c.degrees))
    assert tokenize(Celsius(1)) == tokenize(Celsius(1)) != tokenize(Celsius(2))


def test_register_a_tuple_of_types_and_subclasses_follow():
    class A:
        pass

    class B:
        pass

    class C(A):
        pass
    normalize_token.register((A, B), lambda x: ("AB", type(x).__name__))
    assert normalize_token(C()) == ("AB", "C")
    assert normalize_token(B()) == ("AB", "B")


def test_plait_tokenize_method_is_used():
    class Named:
        def __init__(self, name):
            self.name = name

        def __plait_tokenize__(self):
            return self.name

    assert tokenize(Named("a")) == tokenize(Named("a")) != tokenize(Named("b"))


def test_register_rejects_non_types_with_a_clear_message():
    with pytest.raises(TypeError, match="normalize_token.register\\(\\) takes types, got 3"):
        normalize_token.register(3, lambda x: x)


def test_dispatch_without_match_names_the_type():
    d = Dispatch("size")
    d.register(int, lambda x: x)
    assert d(True) is True
    with pytest.raises(TypeError, match="size: no function registered for type str"):
        d("x")


def test_lazy_registration_runs_once_on_first_use():
    calls = []
    d = Dispatch("lazy")
    d.register(object, lambda x: "object")
    d.register_lazy("pandas", lambda: (calls.append(1), d.register(pd.Index, lambda x: "idx")))
    assert d(1) == "object" and calls == []
    assert d(pd.Index([1])) == "idx" and d(pd.Index([2])) == "idx"
    assert calls == [1]


def test_arbitrary_objects_get_random_tokens_stable_per_instance():
    class Thing:
        pass
    t = Thing()
    assert tokenize(t) == tokenize(t)
    assert tokenize(t) != tokenize(Thing())
    assert normalize_token(t)[0] == "__random__"
    # not weakly referenceable: a new random token every time, never a shared one
    assert tokenize(object()) != tokenize(object())
    assert random_token(t) == random_token(t)


def test_zero_dimensional_arrays():
    import numpy as np

    assert tokenize(np.array(1.5)) == tokenize(np.array(1.5))
    assert tokenize(np.array(1.5)) != tokenize(np.array(2.5))
    assert tokenize(np.array(1)) != tokenize(np.array([1]))


def test_random_tokens_are_forgotten_with_their_object():
    import gc

    tok = sys.modules["plait.tokenize"]  # the module; plait.tokenize is the function

    class Thing:
        pass
    t = Thing()
    random_token(t)
    i = id(t)
    assert i in tok._random_tokens
    del t
    gc.collect()
    assert i not in tok._random_tokens


def test_importing_tokenize_does_not_import_numpy_or_pandas():
    code = ("import sys; from plait.tokenize import tokenize; tokenize([1, 'a', {2: 3}]); "
            "print('numpy' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


SCRIPT = textwrap.dedent("""
    import dataclasses, enum, functools, json, pathlib
    import numpy as np, pandas as pd
    from plait.tokenize import tokenize

    @dataclasses.dataclass
    class P:
        a: int
        b: str

    class E(enum.Enum):
        X = 1

    N = 10
    def local_fib(n):
        return n if n < 2 else local_fib(n - 1) + local_fib(n - 2)

    def closure(k):
        return lambda x: x in {'alpha', 'beta', 'gamma'} and k

    values = {
        'ints': [1, 2.0, True, None, 'text', b'bytes', 3j],
        'dict': {'b': {'x', 'y', 'z'}, 'a': frozenset({'p', 'q'}), 'c': (1, [2])},
        'strset': {'apple', 'banana', 'cherry', 'date'},
        'lambda': lambda x: x + N,
        'setlambda': lambda x: x in {'alpha', 'beta', 'gamma', 'delta'},
        'closure': closure('k'),
        'fib': local_fib,
        'partial': functools.partial(max, 1, key=len),
        'dataclass': P(1, 'b'),
        'enum': E.X,
        'path': pathlib.Path('/tmp/x'),
        'range': range(1, 10, 2),
        'slice': slice(1, None),
        'array': np.arange(100.0).reshape(10, 10)[:, ::3],
        'objarray': np.array(['a', 1, {'k'}], dtype=object),
        'scalar': np.float32(2.5),
        'frame': pd.DataFrame({'a': [1, 2], 'b': ['x', 'y'], 'c': pd.Categorical(['u', 'v'])},
                              index=pd.Index(['i', 'j'], name='idx')),
        'series': pd.Series([1.5, 2.5], name='s'),
        'type': P,
    }
    print(json.dumps({k: tokenize(v) for k, v in values.items()}))
""")


def _tokens_in_fresh_process(seed, tmp_path):
    path = tmp_path / "tokens_script.py"
    path.write_text(SCRIPT)
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout)


def test_tokens_equal_across_fresh_processes_and_hash_seeds(tmp_path):
    first = _tokens_in_fresh_process(1, tmp_path)
    second = _tokens_in_fresh_process(2, tmp_path)
    assert first == second
    assert len(set(first.values())) == len(first)


def test_plait_tokenize_stays_the_function_after_importing_the_module():
    import importlib

    import plait
    importlib.import_module("plait.tokenize")
    import plait.tokenize  # noqa: F401 - the submodule import must not shadow the function
    assert plait.tokenize is tokenize
    assert plait.tokenize(1) == tokenize(1)
