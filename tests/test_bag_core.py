"""plait.bag creation and element-wise operations, against plain Python, on
every scheduler."""
from __future__ import annotations

import json
from operator import add

import pytest

import plait
import plait.bag as pb
from plait.base import collections_to_graph

SCHEDULERS = ["sync", "threads", "processes"]
DATA = [{"name": n, "amount": i, "tags": ["t%d" % (i % 3)] * (i % 4)}
        for i, n in enumerate(["alice", "bob", "charlie", "dan", "eve"] * 7)]
WORDS = [" Apple ", "banana", "Cherry pie", "apricot", "Avocado ", "date"] * 3


@pytest.fixture(params=SCHEDULERS)
def scheduler(request):
    return request.param


def inc(x):
    return x + 1


def is_even(x):
    return x % 2 == 0


def records():
    return pb.from_sequence(DATA, npartitions=4)


# (name, bag pipeline, the same in plain Python)
CASES = [
    ("map", lambda b: b.pluck("amount").map(inc), lambda d: [x["amount"] + 1 for x in d]),
    ("map-args", lambda b: b.pluck("amount").map(add, 10),
     lambda d: [x["amount"] + 10 for x in d]),
    ("map-kwargs", lambda b: b.map(lambda x, k=0: x["amount"] * k, k=3),
     lambda d: [x["amount"] * 3 for x in d]),
    ("filter", lambda b: b.pluck("amount").filter(is_even),
     lambda d: [x["amount"] for x in d if x["amount"] % 2 == 0]),
    ("remove", lambda b: b.pluck("amount").remove(is_even),
     lambda d: [x["amount"] for x in d if x["amount"] % 2]),
    ("pluck", lambda b: b.pluck("name"), lambda d: [x["name"] for x in d]),
    ("pluck-list", lambda b: b.pluck(["name", "amount"]),
     lambda d: [(x["name"], x["amount"]) for x in d]),
    ("pluck-default", lambda b: b.map(lambda x: {"v": x["amount"]} if x["amount"] % 3 else {})
     .pluck("v", default=-1), lambda d: [x["amount"] if x["amount"] % 3 else -1 for x in d]),
    ("flatten", lambda b: b.pluck("tags").flatten(),
     lambda d: [t for x in d for t in x["tags"]]),
    ("starmap", lambda b: b.pluck(["amount", "amount"]).starmap(add),
     lambda d: [2 * x["amount"] for x in d]),
    ("starmap-kwargs", lambda b: b.map(lambda x: (x["amount"],))
     .starmap(lambda a, k: a - k, k=1), lambda d: [x["amount"] - 1 for x in d]),
    ("map-partitions", lambda b: b.map_partitions(lambda p: [len(p)] * len(p)),
     lambda d: [9] * 27 + [8] * 8),
    ("json-roundtrip", lambda b: b.map(json.dumps).map(json.loads).pluck("name"),
     lambda d: [x["name"] for x in d]),
    ("chain", lambda b: b.pluck("amount").map(inc).filter(is_even).map(str),
     lambda d: [str(x["amount"] + 1) for x in d if (x["amount"] + 1) % 2 == 0]),
]


@pytest.mark.parametrize("name, pipeline, expected", CASES, ids=[c[0] for c in CASES])
def test_elementwise_matches_python(name, pipeline, expected, scheduler):
    assert pipeline(records()).compute(scheduler=scheduler) == expected(DATA)


STR_CASES = [
    ("strip", lambda s: s.strip(), lambda w: w.strip()),
    ("lower", lambda s: s.lower(), lambda w: w.lower()),
    ("upper", lambda s: s.upper(), lambda w: w.upper()),
    ("split", lambda s: s.split(), lambda w: w.split()),
    ("split-sep", lambda s: s.split("a", 1), lambda w: w.split("a", 1)),
    ("replace", lambda s: s.replace("a", "A"), lambda w: w.replace("a", "A")),
    ("startswith", lambda s: s.startswith(" "), lambda w: w.startswith(" ")),
]


@pytest.mark.parametrize("name, method, expected", STR_CASES, ids=[c[0] for c in STR_CASES])
def test_str_methods_match_python(name, method, expected, scheduler):
    b = pb.from_sequence(WORDS, npartitions=3)
    assert method(b.str).compute(scheduler=scheduler) == [expected(w) for w in WORDS]


def test_str_match_is_a_glob_filter(scheduler):
    b = pb.from_sequence(WORDS, npartitions=3).str.strip().str.lower()
    got = b.str.match("a*o").compute(scheduler=scheduler)
    assert got == [w.strip().lower() for w in WORDS if w.strip().lower().startswith("a")
                   and w.strip().lower().endswith("o")]
    assert got  # the data has matches


def test_str_unknown_method():
    with pytest.raises(AttributeError, match="'str' has no method 'frobnicate'"):
        pb.from_sequence(WORDS).str.frobnicate()


def test_map_zips_bags_and_broadcasts_values(scheduler):
    a = pb.from_sequence(range(10), npartitions=3)
    b = a.map(lambda x: x * 100)
    total = a.sum()
    got = pb.map(lambda x, y, z, t: x + y + z + t, a, b, 1, t=total).compute(scheduler=scheduler)
    assert got == [x + 100 * x + 1 + 45 for x in range(10)]
    assert a.map(add, b).compute(scheduler=scheduler) == [101 * x for x in range(10)]


def test_map_with_a_bag_as_keyword(scheduler):
    a = pb.from_sequence(range(6), npartitions=3)
    got = a.map(lambda x, y=0, z=0: (x, y, z), y=a.map(str), z=5).compute(scheduler=scheduler)
    assert got == [(x, str(x), 5) for x in range(6)]


def test_map_with_delayed_argument(scheduler):
    d = plait.delayed(sum)([1, 2, 3])
    b = pb.from_sequence([1, 2], npartitions=2)
    assert b.map(add, d).compute(scheduler=scheduler) == [7, 8]


def test_map_partitions_with_bags_and_items(scheduler):
    a = pb.from_sequence(range(6), npartitions=2)
    b = a.map(str)
    got = pb.map_partitions(lambda p, q, n: [(len(p), "".join(q), n)], a, b, a.count())
    assert got.compute(scheduler=scheduler) == [(3, "012", 6), (3, "345", 6)]
    kw = a.map_partitions(lambda p, k: [sum(p) * k], k=a.count())
    assert kw.compute(scheduler=scheduler) == [3 * 6, 12 * 6]


def test_bags_with_different_partitions_do_not_zip():
    a = pb.from_sequence(range(6), npartitions=2)
    b = pb.from_sequence(range(6), npartitions=3)
    with pytest.raises(ValueError, match="same number of partitions"):
        a.map(add, b)
    with pytest.raises(ValueError, match="same number of partitions"):
        pb.zip(a, b)


def test_map_partitions_must_return_an_iterable():
    b = pb.from_sequence(range(4), npartitions=2)
    with pytest.raises(TypeError, match="len returned int for partition 0"):
        b.map_partitions(len).compute(scheduler="sync")


def test_distinct_and_random_sample(scheduler):
    b = pb.from_sequence([3, 1, 3, 2, 1, 5] * 4, npartitions=5)
    assert b.distinct().compute(scheduler=scheduler) == [3, 1, 2, 5]
    words = pb.from_sequence(WORDS, npartitions=3)
    first = {}
    for w in WORDS:
        first.setdefault(w.lower(), w)
    assert words.distinct(key=str.lower).compute(scheduler=scheduler) == list(first.values())
    big = pb.from_sequence(range(1000), npartitions=4)
    s1 = big.random_sample(0.1, random_state=42).compute(scheduler=scheduler)
    s2 = big.random_sample(0.1, random_state=42).compute(scheduler="sync")
    assert s1 == s2
    assert set(s1) <= set(range(1000)) and s1 == sorted(s1)
    assert 40 < len(s1) < 200
    assert big.random_sample(0).compute(scheduler=scheduler) == []
    with pytest.raises(ValueError, match="prob must be between 0 and 1"):
        big.random_sample(1.5)


def test_from_sequence_partitioning():
    assert pb.from_sequence(range(10), npartitions=3).npartitions == 3
    assert pb.from_sequence(range(10), partition_size=4).npartitions == 3
    assert pb.from_sequence(range(1000)).npartitions == 100
    empty = pb.from_sequence([])
    assert empty.npartitions == 1 and empty.compute(scheduler="sync") == []
    with pytest.raises(TypeError, match="not both"):
        pb.from_sequence(range(3), partition_size=1, npartitions=1)
    with pytest.raises(ValueError, match="npartitions must be a positive integer, got 0"):
        pb.from_sequence(range(3), npartitions=0)


def test_from_sequence_keeps_tuples_and_lists_as_data(scheduler):
    data = [("x", 1), [("y",), 2], (len, "abc")]
    assert pb.from_sequence(data, npartitions=2).compute(scheduler=scheduler) == data


def test_range_concat_zip(scheduler):
    r = pb.range(10, npartitions=3)
    assert r.npartitions == 3
    assert r.compute(scheduler=scheduler) == list(range(10))
    both = pb.concat([r, pb.from_sequence("ab")])
    assert both.compute(scheduler=scheduler) == list(range(10)) + ["a", "b"]
    z = pb.zip(r, r.map(inc))
    assert z.compute(scheduler=scheduler) == [(i, i + 1) for i in range(10)]


def test_elementwise_pipeline_is_one_task_per_partition():
    b = pb.range(100, npartitions=4)
    piped = b.map(inc).filter(is_even).map(str).pluck(0).str.upper()
    dsk = collections_to_graph([piped])
    assert len(dsk) == 4
    assert len(collections_to_graph([piped.count()])) == 4 + 1
    rec = records().pluck("amount").map(inc)
    # the literal partitions plus one task per partition, before optimizing
    assert len(rec.__plait_graph__()) == 2 * rec.npartitions


def test_iteration_repr_persist(scheduler):
    b = pb.from_sequence(range(5), npartitions=2).map(inc)
    assert repr(b) == "plait.bag<map-inc, npartitions=2>"
    with plait.config.set(scheduler=scheduler):
        assert list(b) == [1, 2, 3, 4, 5]
    p = b.persist(scheduler=scheduler)
    assert p.materialised and p.npartitions == 2
    assert len(p.__plait_graph__()) == 2
    assert p.map(inc).compute(scheduler=scheduler) == [2, 3, 4, 5, 6]
    with pytest.raises(TypeError, match="len\\(\\) of a lazy bag"):
        len(b)


def test_default_scheduler_is_processes():
    b = pb.from_sequence([1])
    assert b.__plait_scheduler__ == "processes"
    assert b.count().__plait_scheduler__ == "processes"
    get = plait.get_scheduler(collections=[b])
    assert get.__module__ == "plait.multiprocessing"


def test_names_are_deterministic():
    a = records().map(json.dumps).pluck(0)
    b = records().map(json.dumps).pluck(0)
    assert a.name == b.name
    assert records().pluck("x").name != records().pluck("y").name
    assert records().count().key == records().count().key


@pytest.mark.parametrize("call, error, match", [
    (lambda: pb.map(inc, 1), TypeError, "map needs at least one bag"),
    (lambda: pb.map_partitions(len, [1]), TypeError, "map_partitions needs at least one bag"),
    (lambda: pb.concat([]), ValueError, "concat needs at least one bag"),
    (lambda: pb.range(10, npartitions=0), ValueError, "npartitions must be a positive"),
    (lambda: pb.from_sequence([1], partition_size=-1), ValueError,
     "partition_size must be a positive integer, got -1"),
])
def test_misuse_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
