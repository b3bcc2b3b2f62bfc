"""plait.bag reductions, Items and take, against plain Python on every scheduler."""
from __future__ import annotations

import math
import statistics
from collections import Counter
from functools import reduce
from operator import add, mul

import pytest

import plait
import plait.bag as pb
from plait.base import collections_to_graph

SCHEDULERS = ["sync", "threads", "processes"]
NUMS = [(i * 7919) % 101 - 30 for i in range(60)]
NAMES = ["alice", "bob", "bob", "charlie", "charlie", "charlie"] * 5


@pytest.fixture(params=SCHEDULERS)
def scheduler(request):
    return request.param


def nums(npartitions=7):
    return pb.from_sequence(NUMS, npartitions=npartitions)


def nonzero(x):
    return x != 0


CASES = [
    ("count", lambda b: b.count(), len),
    ("sum", lambda b: b.sum(), sum),
    ("min", lambda b: b.min(), min),
    ("max", lambda b: b.max(), max),
    ("any", lambda b: b.map(nonzero).any(), lambda xs: any(map(nonzero, xs))),
    ("all", lambda b: b.map(nonzero).all(), lambda xs: all(map(nonzero, xs))),
    ("all-positive", lambda b: b.map(lambda x: x > -100).all(), lambda xs: True),
    ("fold", lambda b: b.fold(add), lambda xs: reduce(add, xs)),
    ("fold-initial", lambda b: b.fold(lambda acc, x: acc + [x], add, initial=[]),
     list),
    ("fold-factory", lambda b: b.fold(lambda acc, x: acc | {x % 5}, lambda a, c: a | c,
                                      initial=set), lambda xs: {x % 5 for x in xs}),
    ("reduction", lambda b: b.reduction(len, sum, split_every=2), len),
    ("reduction-false", lambda b: b.reduction(max, max, split_every=False), max),
]


@pytest.mark.parametrize("name, reduce_bag, expected", CASES, ids=[c[0] for c in CASES])
def test_reductions_match_python(name, reduce_bag, expected, scheduler):
    assert reduce_bag(nums()).compute(scheduler=scheduler) == expected(NUMS)


def test_statistics(scheduler):
    b = nums()
    mean, var, std, var1 = plait.compute(b.mean(), b.var(), b.std(), b.var(ddof=1),
                                         scheduler=scheduler)
    assert mean == pytest.approx(statistics.fmean(NUMS))
    assert var == pytest.approx(statistics.pvariance(NUMS))
    assert std == pytest.approx(statistics.pstdev(NUMS))
    assert var1 == pytest.approx(statistics.variance(NUMS))


def test_frequencies_and_topk(scheduler):
    b = pb.from_sequence(NAMES, npartitions=4)
    assert dict(b.frequencies().compute(scheduler=scheduler)) == dict(Counter(NAMES))
    assert b.frequencies(sort=True).compute(scheduler=scheduler) == \
        Counter(NAMES).most_common()
    assert nums().topk(5).compute(scheduler=scheduler) == sorted(NUMS, reverse=True)[:5]
    pairs = pb.from_sequence([(x, -x) for x in NUMS], npartitions=3)
    assert pairs.topk(3, key=1).compute(scheduler=scheduler) == \
        sorted(((x, -x) for x in NUMS), key=lambda p: p[1], reverse=True)[:3]
    assert nums().topk(2, key=abs).compute(scheduler=scheduler) == \
        sorted(NUMS, key=abs, reverse=True)[:2]


def test_reduction_is_a_tree_of_bounded_fan_in():
    b = pb.range(100, npartitions=50)
    item = b.reduction(sum, sum, split_every=4)
    dsk = item.__plait_graph__()
    fan_ins = [len(task[1]) for key, task in dsk.items()
               if isinstance(key, tuple) and "sum-aggregate" in key[0] or key == item.key]
    assert max(fan_ins) <= 4
    # 50 partitions -> 13 -> 4 -> top: 13 + 4 aggregations and the top task
    assert len(fan_ins) == 13 + 4 + 1
    assert item.compute(scheduler="sync") == sum(range(100))
    with pytest.raises(ValueError, match="split_every must be an integer >= 2"):
        b.reduction(sum, sum, split_every=1)


def test_empty_partitions_are_skipped(scheduler):
    b = pb.from_sequence(range(10), npartitions=5).filter(lambda x: x in (3, 4))
    assert b.max().compute(scheduler=scheduler) == 4
    assert b.min().compute(scheduler=scheduler) == 3
    assert b.fold(add).compute(scheduler=scheduler) == 7
    assert b.count().compute(scheduler=scheduler) == 2
    assert b.topk(5).compute(scheduler=scheduler) == [4, 3]


def test_reductions_of_an_empty_bag(scheduler):
    empty = pb.from_sequence(range(10), npartitions=5).filter(lambda x: x > 100)
    assert empty.count().compute(scheduler=scheduler) == 0
    assert empty.sum().compute(scheduler=scheduler) == 0
    assert empty.frequencies().compute(scheduler=scheduler) == []
    assert empty.fold(add, initial=0).compute(scheduler=scheduler) == 0
    with pytest.raises(ValueError, match="max\\(\\) arg is an empty sequence"):
        empty.max().compute(scheduler=scheduler)
    with pytest.raises(ValueError, match="mean\\(\\) of an empty bag"):
        empty.mean().compute(scheduler=scheduler)
    with pytest.raises(TypeError, match="reduce\\(\\) of empty iterable"):
        empty.fold(add).compute(scheduler=scheduler)
    with pytest.raises(ValueError, match="var\\(\\) needs more than ddof=1 elements"):
        pb.from_sequence([1]).var(ddof=1).compute(scheduler=scheduler)


def test_item_arithmetic_apply_and_delayed(scheduler):
    b = nums()
    n, s = b.count(), b.sum()
    assert (s / n).compute(scheduler=scheduler) == pytest.approx(sum(NUMS) / len(NUMS))
    assert (n + 1).compute(scheduler=scheduler) == len(NUMS) + 1
    assert (100 - n).compute(scheduler=scheduler) == 100 - len(NUMS)
    assert (2 ** (n // 20)).compute(scheduler=scheduler) == 2 ** (len(NUMS) // 20)
    assert (-n).compute(scheduler=scheduler) == -len(NUMS)
    assert (n > 10).compute(scheduler=scheduler) is True
    assert n.apply(math.sqrt).compute(scheduler=scheduler) == math.sqrt(len(NUMS))
    assert n.apply(round, ndigits=-1).compute(scheduler=scheduler) == 60
    d = n.to_delayed()
    assert (d * 2).compute(scheduler=scheduler) == 2 * len(NUMS)
    assert repr(n) == "plait.bag.Item<count>"
    p = s.persist(scheduler=scheduler)
    assert len(p.__plait_graph__()) == 1 and p.compute(scheduler="sync") == sum(NUMS)
    with pytest.raises(TypeError, match="truth of a lazy Item"):
        bool(n)


def test_item_in_map_and_mul_with_bags(scheduler):
    b = nums()
    centered = b.map(lambda x, m: x - m, b.mean()).map(mul, 2)
    got = centered.compute(scheduler=scheduler)
    m = statistics.fmean(NUMS)
    assert got == pytest.approx([(x - m) * 2 for x in NUMS])


def test_take_computes_only_the_partitions_it_needs(scheduler):
    def boom(x):
        if x >= 10:
            raise RuntimeError("this partition must not be computed")
        return x

    b = pb.range(40, npartitions=4).map(boom)
    assert b.take(3, scheduler=scheduler) == (0, 1, 2)
    head = b.take(3, compute=False)
    assert len(collections_to_graph([head])) == 1
    two = pb.range(40, npartitions=4).take(25, npartitions=2, warn=False, scheduler=scheduler)
    assert two == tuple(range(20))
    with pytest.warns(UserWarning, match="25 elements requested, only 20 found"):
        pb.range(40, npartitions=4).take(25, npartitions=2, scheduler=scheduler)
    assert pb.range(40, npartitions=4).take(50, npartitions=-1, warn=False,
                                            scheduler=scheduler) == tuple(range(40))
    with pytest.raises(ValueError, match="npartitions must be between 1 and 4"):
        b.take(1, npartitions=5)


def test_take_stops_each_partition_after_k_elements():
    seen = []

    def record(x):
        seen.append(x)
        return x

    b = pb.range(1000, npartitions=2).map(record)
    assert b.take(3, scheduler="sync") == (0, 1, 2)
    assert seen == [0, 1, 2]
