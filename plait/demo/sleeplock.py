"""Seed 004's ``sleeplock`` module: a sleep that holds a process-wide lock.

Threads of one process take turns in it; processes each have their own lock,
so they sleep side by side.
"""
from __future__ import annotations

import time
from threading import Lock

lock = Lock()


def sleep(n):
    """Sleep ``n`` seconds while holding this process's lock.

    >>> sleep(0)
    """
    with lock:
        time.sleep(n)
