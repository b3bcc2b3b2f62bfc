"""Property tests: random graphs give the reference evaluator's results everywhere."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import reference_get

import plait
import plait.multiprocessing
import plait.threaded


def total(*args):
    return sum(_flat(args))


def twice(x):
    return 2 * total(x)


def _flat(x):
    for a in x:
        if isinstance(a, list):
            yield from _flat(a)
        else:
            yield a


@st.composite
def graphs(draw, max_size=25):
    """A random DAG mixing refs, nested tasks, lists, literals and aliases."""
    n = draw(st.integers(1, max_size))
    dsk = {}
    names = []
    for i in range(n):
        key = draw(st.sampled_from([f"k{i}", ("t", i), i + 1000]))
        if not names or draw(st.integers(0, 4)) == 0:
            dsk[key] = draw(st.integers(-5, 5))
        else:
            refs = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
            shape = draw(st.integers(0, 4))
            if shape == 0:
                dsk[key] = (total, *refs)
            elif shape == 1:
                dsk[key] = (total, list(refs), draw(st.integers(0, 3)))
            elif shape == 2:
                dsk[key] = (total, refs[0], (twice, refs[-1]))
            elif shape == 3:
                dsk[key] = refs[0]  # alias
            else:
                dsk[key] = [refs[0], (total, [refs[-1], 1])]
        names.append(key)
    outs = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    return dsk, outs


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(graphs())
def test_sync_matches_reference(case):
    dsk, outs = case
    assert plait.get(dsk, outs) == [reference_get(dsk, k) for k in outs]


@SETTINGS
@given(graphs())
def test_threads_match_reference(case):
    dsk, outs = case
    assert plait.threaded.get(dsk, outs, num_workers=3) == [reference_get(dsk, k) for k in outs]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_processes_match_reference(case):
    dsk, outs = case
    assert plait.multiprocessing.get(dsk, outs, num_workers=2) == [
        reference_get(dsk, k) for k in outs]
