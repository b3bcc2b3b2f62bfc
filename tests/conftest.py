"""Shared fixtures: the schedulers every core test runs on."""
from __future__ import annotations

import concurrent.futures as cf

import pytest

import plait
import plait.multiprocessing
import plait.threaded

SCHEDULERS = {
    "sync": plait.get,
    "threads": plait.threaded.get,
    "processes": plait.multiprocessing.get,
}


@pytest.fixture(params=list(SCHEDULERS))
def get(request):
    """Each scheduler's get function in turn."""
    return SCHEDULERS[request.param]


@pytest.fixture(scope="session")
def thread_executor():
    with cf.ThreadPoolExecutor(2) as ex:
        yield ex


@pytest.fixture(scope="session")
def process_executor():
    import multiprocessing

    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex
