"""Seed 004's slow arithmetic: each operation sleeps, holding the sleeplock.

They live in a module of their own (not in the demo's ``__main__``) so that
worker processes import them by name, as they would a user's own module.
"""
from __future__ import annotations

from plait.demo.sleeplock import sleep


def slow_add(x, y, seconds):
    """``x + y`` after sleeping ``seconds``.

    >>> slow_add(1, 3, 0)
    4
    """
    sleep(seconds)
    return x + y


def slow_sub(x, y, seconds):
    """``x - y`` after sleeping ``seconds``.

    >>> slow_sub(2, 4, 0)
    -2
    """
    sleep(seconds)
    return x - y


def slow_mul(x, y, seconds):
    """``x * y`` after sleeping ``seconds``.

    >>> slow_mul(4, -2, 0)
    -8
    """
    sleep(seconds)
    return x * y


def slow_div(x, y, seconds):
    """``x / y`` after sleeping ``seconds``.

    >>> slow_div(-8, 5.0, 0)
    -1.6
    """
    sleep(seconds)
    return x / y
