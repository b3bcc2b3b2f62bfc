"""plait.bag grouping and reshaping: foldby, groupby, join, product, repartition."""
from __future__ import annotations

from collections import defaultdict
from operator import add

import pytest

import plait
import plait.bag as pb
from plait.bag.groupby import stable_hash

SCHEDULERS = ["sync", "threads", "processes"]
PEOPLE = [{"name": n, "amount": i % 7, "city": c}
          for i, (n, c) in enumerate(zip(["alice", "bob", "charlie", "dan"] * 10,
                                         ["paris", "rome", "oslo"] * 14))]


@pytest.fixture(params=SCHEDULERS)
def scheduler(request):
    return request.param


def people(npartitions=5):
    return pb.from_sequence(PEOPLE, npartitions=npartitions)


def grouped(key):
    out = defaultdict(list)
    for p in PEOPLE:
        out[key(p)].append(p)
    return dict(out)


def test_foldby_matches_python(scheduler):
    b = people()
    got = b.foldby("name", lambda t, x: t + x["amount"], 0, add, 0).compute(scheduler=scheduler)
    assert dict(got) == {k: sum(p["amount"] for p in v)
                         for k, v in grouped(lambda p: p["name"]).items()}
    counts = b.foldby(lambda p: p["city"], lambda n, _: n + 1, 0, add)
    assert dict(counts.compute(scheduler=scheduler)) == {
        k: len(v) for k, v in grouped(lambda p: p["city"]).items()}
    lists = b.foldby("city", lambda acc, x: acc + [x["amount"]], list, add, list,
                     split_every=2)
    assert {k: sorted(v) for k, v in lists.compute(scheduler=scheduler)} == {
        k: sorted(p["amount"] for p in v) for k, v in grouped(lambda p: p["city"]).items()}
    biggest = b.foldby("name", lambda a, x: a if a["amount"] >= x["amount"] else x)
    assert {k: v["amount"] for k, v in biggest.compute(scheduler=scheduler)} == {
        k: max(p["amount"] for p in v) for k, v in grouped(lambda p: p["name"]).items()}
    assert counts.npartitions == 1


@pytest.mark.parametrize("npartitions", [None, 1, 3, 8])
def test_groupby_matches_python(npartitions, scheduler):
    b = people(4)
    g = b.groupby("city", npartitions=npartitions)
    assert g.npartitions == (npartitions or 4)
    got = g.compute(scheduler=scheduler)
    assert len(got) == 3
    assert dict(got) == grouped(lambda p: p["city"])


def test_groupby_then_more_steps(scheduler):
    b = pb.from_sequence(range(50), npartitions=6)
    sizes = b.groupby(lambda x: x % 4).map(lambda kv: (kv[0], len(kv[1])))
    assert sorted(sizes.compute(scheduler=scheduler)) == [(0, 13), (1, 13), (2, 12), (3, 12)]
    with pytest.raises(ValueError, match="npartitions must be a positive integer, got 0"):
        b.groupby(len, npartitions=0)


def test_stable_hash_is_the_same_in_worker_processes():
    keys = ["alice", b"bytes", ("a", 1, None), 7, 2.5, None, ("x", ("y", "z"))]
    remote = pb.from_sequence(keys, npartitions=3).map(stable_hash).compute(
        scheduler="processes")
    assert remote == [stable_hash(k) for k in keys]
    assert stable_hash(1) == stable_hash(1.0) == stable_hash(True)


def test_join(scheduler):
    names = pb.from_sequence(["Alice", "Bob", "Charlie", "Ann"], npartitions=2)
    fruit = ["Apple", "Apricot", "Banana", "Cherry"]
    expected = [(f, n) for n in ["Alice", "Bob", "Charlie", "Ann"] for f in fruit
                if f[0] == n[0]]
    first = lambda s: s[0]  # noqa: E731
    assert names.join(fruit, first).compute(scheduler=scheduler) == expected
    one = pb.from_sequence(fruit, npartitions=1)
    assert names.join(one, first).compute(scheduler=scheduler) == expected
    assert names.join(pb.from_sequence(fruit, npartitions=2).to_item(), first).compute(
        scheduler=scheduler) == expected
    d = plait.delayed(list)(fruit)
    assert names.join(d, first, on_other=0).compute(scheduler=scheduler) == expected


def test_join_errors():
    names = pb.from_sequence(["Alice"])
    with pytest.raises(ValueError, match="it is a bag with 2 partitions: use other.repartition"):
        names.join(pb.from_sequence("ab", npartitions=2), 0)
    with pytest.raises(TypeError, match="other must be an iterable.*got int"):
        names.join(5, 0)


def test_product(scheduler):
    a = pb.from_sequence([1, 2, 3], npartitions=2)
    b = pb.from_sequence("xy", npartitions=2).map(str.upper)
    p = a.product(b)
    assert p.npartitions == 4
    assert sorted(p.compute(scheduler=scheduler)) == [(x, y) for x in [1, 2, 3] for y in "XY"]


@pytest.mark.parametrize("n", [1, 2, 5, 9, 13])
def test_repartition_keeps_order(n, scheduler):
    b = pb.from_sequence(range(20), npartitions=5).map(lambda x: x * 2)
    r = b.repartition(n)
    assert r.npartitions == n
    assert r.compute(scheduler=scheduler) == [x * 2 for x in range(20)]
    parts = [p.compute(scheduler=scheduler) for p in r.to_delayed()]
    assert sum(parts, []) == [x * 2 for x in range(20)]
    assert all(parts)
    with pytest.raises(ValueError, match="npartitions must be a positive integer"):
        b.repartition(0)
