import collections
import dataclasses
import operator
import pickle
import sys

import cloudpickle
import pytest

import plait
from plait import Delayed, delayed
from plait.delayed import apply, funcname, to_task_dask, unpack_collections
from plait.graph.core import quote


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def split(s):
    return s[:1], s[1:]


@dataclasses.dataclass
class Pair:
    a: object
    b: object = 0


Point = collections.namedtuple("Point", "x y")


def compute(x):
    return x.compute(scheduler="sync")


def test_decorator_and_call_forms():
    @delayed
    def double(x):
        return 2 * x

    assert compute(double(4)) == 8
    assert compute(delayed(add)(1, 2)) == 3
    assert compute(delayed(pure=True)(add)(1, 2)) == 3
    assert double.__name__ == "double" and double.__wrapped__(3) == 6


def test_calls_get_unique_keys_named_after_the_function():
    a, b = delayed(inc)(1), delayed(inc)(1)
    assert a.key != b.key
    assert a.key.startswith("inc-") and len(a.key) == 4 + 32
    assert funcname(lambda x: x) == "lambda"


def test_pure_calls_share_keys_from_their_arguments():
    pinc = delayed(inc, pure=True)
    assert pinc(1).key == pinc(1).key
    assert pinc(1).key != pinc(2).key
    assert pinc(pinc(1)).key == pinc(pinc(1)).key
    assert delayed(add, pure=True)(1, y=2).key != delayed(add, pure=True)(1, 2).key
    assert delayed(inc)(1, pure=True).key == delayed(inc)(1, pure=True).key


def test_key_name_on_the_call_and_name_or_key_on_delayed():
    assert delayed(inc)(1, plait_key_name="mine").key == "mine"
    assert delayed(5, name="five").key == "five"
    assert delayed(5, key="five").key == "five"
    leaf = delayed(inc, name="the-inc")
    assert leaf.key == "the-inc" and compute(leaf) is inc
    with pytest.raises(TypeError, match="name= or key=, not both"):
        delayed(5, name="a", key="b")


def test_wrapped_values_and_their_keys():
    d = delayed([1, 2, 3])
    assert compute(d) == [1, 2, 3]
    assert d.key.startswith("list-")
    assert delayed([1, 2]).key == delayed([1, 2]).key != delayed([1, 3]).key
    assert compute(delayed((add, 1, 2))) == (add, 1, 2)  # quoted, not run
    assert compute(delayed({"a": (inc, 1)})) == {"a": (inc, 1)}
    d = delayed(7)
    assert delayed(d) is d


def test_kwargs_become_an_apply_task():
    d = delayed(add)(1, y=delayed(2))
    assert compute(d) == 3
    assert d.dask[d.key][0] is apply
    assert compute(delayed(sorted)([3, 1, 2], reverse=True)) == [3, 2, 1]


def test_delayed_inside_containers_are_dependencies():
    a, b = delayed(1, name="a"), delayed(2, name="b")
    args = ([a, b], (a, 3), {"k": b, a: "v"}, {a, b}, frozenset([a]))
    out = compute(delayed(lambda *xs: xs)(*args))
    assert out == ([1, 2], (1, 3), {"k": 2, 1: "v"}, {1, 2}, frozenset([1]))
    assert type(out[1]) is tuple and type(out[3]) is set
    assert compute(delayed([a, [b, (a,)]])) == [1, [2, (1,)]]


def test_quoted_values_fused_into_dict_arguments():
    d = delayed(lambda **kw: kw)(y={"k": delayed([1, 2])})
    assert d.compute(scheduler="sync") == {"y": {"k": [1, 2]}}
    assert d.compute(scheduler="sync", optimize_graph=False) == {"y": {"k": [1, 2]}}


def test_dataclasses_and_namedtuples_with_delayed_fields():
    a = delayed(1)
    out = compute(delayed(lambda p: p)(Pair(a, [a])))
    assert out == Pair(1, [1])
    out = compute(delayed(lambda p: p)(Point(a, 2)))
    assert out == Point(1, 2) and type(out) is Point


def test_literal_lists_and_task_like_tuples_are_quoted():
    out = compute(delayed(lambda x, y: (x, y))([inc, 1], (inc, 1)))
    assert out == ([inc, 1], (inc, 1))
    d = delayed(lambda x: x, traverse=False)([delayed(1)])
    assert isinstance(compute(d)[0], Delayed)


def test_nout_unpacks_and_iterates():
    head, tail = delayed(split, nout=2)("abc")
    assert plait.compute(head, tail, scheduler="sync") == ("a", "bc")
    assert len(delayed(split, nout=2)("ab")) == 2
    assert list(delayed(lambda: (), nout=0)()) == []
    with pytest.raises(ValueError, match="nout must be a non-negative int or None, got -1"):
        delayed(split, nout=-1)


def test_iteration_len_and_bool_without_length_explain_why():
    d = delayed(split)("ab")
    with pytest.raises(TypeError, match="not iterable.*not known until it is computed.*nout="):
        iter(d)
    with pytest.raises(TypeError, match="no len\\(\\)"):
        len(d)
    with pytest.raises(TypeError, match="Truth of Delayed objects is not supported"):
        bool(d)
    with pytest.raises(TypeError, match="Truth"):
        if d == 1:
            pass


def test_delayed_objects_are_immutable():
    d = delayed([1])
    with pytest.raises(TypeError, match="Delayed objects are immutable: cannot set attribute 'x'"):
        d.x = 1
    with pytest.raises(TypeError, match="Delayed objects are immutable: cannot set item 0"):
        d[0] = 1
    with pytest.raises(TypeError, match="immutable"):
        del d[0]


def test_attributes_methods_and_items_build_tasks():
    d = delayed("a,b")
    assert compute(d.upper()) == "A,B"
    assert compute(d.split(",")[1]) == "b"
    assert compute(d.split(sep=",")) == ["a", "b"]
    assert compute(delayed(1j).imag) == 1.0
    assert d.upper().key.startswith("upper-")
    assert compute(delayed({"k": 5})["k"]) == 5
    with pytest.raises(AttributeError, match="private attributes are not delayed"):
        d._secret


def test_calling_a_delayed_value():
    f = delayed(inc)(1)
    g = delayed(lambda: inc)()
    assert compute(g(f)) == 3
    assert compute(g(x=1)) == 2


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.floordiv, operator.mod, operator.pow,
                                operator.lshift, operator.rshift, operator.and_,
                                operator.or_, operator.xor, operator.lt, operator.le,
                                operator.eq, operator.ne, operator.gt, operator.ge, divmod])
def test_binary_and_reflected_operators(op):
    a = delayed(7)
    assert compute(op(a, 3)) == op(7, 3)
    assert compute(op(9, a)) == op(9, 7)
    assert compute(op(a, delayed(2))) == op(7, 2)


def test_unary_operators_and_matmul():
    import numpy as np
    a = delayed(-5)
    assert (compute(-a), compute(+a), compute(~a), compute(abs(a))) == (5, -5, 4, 5)
    m = np.eye(2)
    assert (compute(delayed(m) @ m) == m).all()
    assert (compute(m @ delayed(m)) == m).all()


def test_operators_are_pure():
    a = delayed(1, name="a")
    assert (a + 1).key == (a + 1).key != (a + 2).key
    assert (a + 1).key.startswith("add-")


def test_other_operations_raise_clear_errors():
    d = delayed(3)
    with pytest.raises(TypeError, match="int\\(\\) is not supported on Delayed"):
        int(d)
    with pytest.raises(TypeError, match="'in' is not supported"):
        1 in d


def test_protocol_graph_keys_postcompute_postpersist():
    a = delayed(1, name="a")
    b = delayed(inc)(a)
    assert b.__plait_keys__() == [b.key]
    assert set(b.__plait_graph__()) == {"a", b.key} == set(b.dask)
    finalize, extra = b.__plait_postcompute__()
    assert finalize([42], *extra) == 42
    rebuild, extra = b.__plait_postpersist__()
    again = rebuild({b.key: [5]}, *extra)
    assert again.key == b.key and compute(again) == [5]
    assert b.__plait_scheduler__ == "threads"
    assert repr(b) == f"Delayed({b.key!r})"


def test_delayed_constructor_wraps_a_graph():
    d = Delayed("c", {"a": 1, "c": (add, "a", 10), "unused": (inc, 0)}, length=None)
    assert compute(d) == 11
    assert compute(delayed(inc)(d)) == 12
    assert len(Delayed("x", {"x": (split, "ab")}, length=2)) == 2
    with pytest.raises(TypeError, match="dsk must be a graph"):
        Delayed("x", 5)


def test_compute_persist_and_schedulers():
    d = delayed(inc)(delayed(inc)(1))
    assert d.compute() == 3
    for s in ("sync", "threads"):
        assert d.compute(scheduler=s) == 3
    p = d.persist(scheduler="sync")
    assert len(p.dask) == 1 and p.compute() == 3 and p.key == d.key
    assert plait.compute(d, [d, 1], scheduler="sync") == (3, [3, 1])


def test_optimize_culls_and_fuses_keeping_keys():
    from plait.delayed import optimize
    dsk = {"a": 1, "b": (inc, "a"), "c": (inc, "b"), "junk": (inc, 5)}
    with plait.config.set({"optimization.fuse.active": True}):
        out = optimize(dsk, [["c"]])
    assert "junk" not in out and "c" in out and len(out) == 2  # fused, alias kept
    assert plait.get(out, "c") == 3
    assert optimize(dsk, [["c"]]) is dsk  # default: the engine skips "junk" itself
    with plait.config.set({"optimization.fuse.active": False}):
        assert optimize(dsk, [["c"]]) == dsk
        d = Delayed("c", dsk)
        assert d.compute(scheduler="sync") == 3


def test_shared_tasks_run_once():
    calls = []

    def record(x):
        calls.append(x)
        return x

    shared = delayed(record)(1)
    results = plait.compute(delayed(inc)(shared), delayed(add)(shared, 1),
                            scheduler="sync")
    assert results == (2, 2) and calls == [1]


def test_deep_chain_builds_and_computes_without_recursion():
    n = 100_000
    f = delayed(inc)
    x = delayed(0)
    for _ in range(n):
        x = f(x)
    assert len(x.dask) == n + 1
    assert x.compute(scheduler="sync", optimize_graph=False) == n
    assert sys.getrecursionlimit() < n
    y = delayed(0)
    for _ in range(20_000):
        y = f(y)
    assert y.compute(scheduler="sync") == 20_000  # optimized: culled and fused


def test_collections_as_arguments_are_finalized():
    class Pieces:
        """A minimal collection: its value is the sum of its pieces."""

        def __init__(self, n):
            self.n = n

        def __plait_graph__(self):
            return {("p", i): i for i in range(self.n)}

        def __plait_keys__(self):
            return [("p", i) for i in range(self.n)]

        def __plait_postcompute__(self):
            return sum, ()

    assert compute(delayed(inc)(Pieces(4))) == 7
    assert compute(delayed([Pieces(3), 1])) == [3, 1]
    assert compute(delayed(Pieces(5))) == 10


def test_unpack_collections_and_to_task_dask():
    a = delayed(1, name="a")
    task, deps = unpack_collections({"x": [a, 2]})
    assert task[1:] == (quote(["x"]), [["a", 2]]) and deps == (a,)
    assert plait.get({"a": 1, "out": task}, "out") == {"x": [1, 2]}
    task, deps = unpack_collections([1, 2])
    assert type(task) is quote and deps == ()
    task, dsk = to_task_dask((a, a))
    assert task == (tuple, ["a", "a"]) and dsk == {"a": 1}


def test_tokenize_uses_the_key():
    a = delayed(1, name="a")
    assert plait.tokenize(a) == plait.tokenize(delayed(2, name="a"))
    assert plait.tokenize(a) != plait.tokenize(delayed(1, name="b"))


def test_delayed_values_pickle():
    d = delayed(inc)(delayed(add)(1, 2))
    again = pickle.loads(cloudpickle.dumps(d))
    assert again.key == d.key and compute(again) == 4
    leaf = pickle.loads(cloudpickle.dumps(delayed(inc, pure=True)))
    assert compute(leaf(1)) == 2


def test_plait_delayed_stays_the_function_after_importing_the_module():
    import importlib
    importlib.import_module("plait.delayed")
    import plait.delayed  # noqa: F401 - the submodule import must not shadow the function
    assert plait.delayed is delayed
    assert compute(plait.delayed(inc)(1)) == 2


def test_visualize_writes_a_file(tmp_path):
    d = delayed(inc)(1)
    path = d.visualize(filename=str(tmp_path / "graph"), format="svg")
    assert str(path).endswith(".svg")
    assert "inc" in open(path).read()
