"""Where a batch should run: near its input bytes, unless that worker is busy.

The estimated cost of running a batch on worker ``s`` is the time to move
the input bytes ``s`` does not hold yet (plus a round trip, if any move is
needed) plus the time until ``s`` gets to it (tasks queued there times the
observed time per task) plus a start-up penalty for a worker not ready yet.
The cheapest worker with a free slot wins; ties go to the lower slot.

The session counts, as input bytes, also the other inputs of the batch's
readers (its siblings) and where they are or are being made: running near
them saves moving the result later.
"""
from __future__ import annotations

BANDWIDTH = 1.0e9   # bytes per second moved between workers
LATENCY = 3e-4      # seconds for the round trip that asks a worker for a value
STARTUP = 0.5       # seconds until a starting worker takes work


def choose_worker(held, total, queued, task_time, free, ready):
    """The slot to run a batch on.

    ``held[s]``: input bytes already on worker ``s`` (``None``: no inputs);
    ``total``: all input bytes; ``queued[s]``: tasks waiting or running on
    ``s``; ``task_time``: seconds per task observed so far; ``free[s]``: can
    ``s`` take a batch now; ``ready[s]``: has ``s`` finished starting.

    >>> choose_worker(None, 0, [1, 0], 1e-3, [True, True], [True, True])
    1
    >>> choose_worker([8e8, 0], 8e8, [1, 0], 1e-3, [True, True], [True, True])
    0
    >>> choose_worker([8e8, 0], 8e8, [5000, 0], 1e-3, [True, True], [True, True])
    1
    """
    best, best_cost = -1, float("inf")
    for s, ok in enumerate(free):
        if not ok:
            continue
        cost = queued[s] * task_time
        if held is not None:
            move = total - held[s]
            if move > 0:
                cost += LATENCY + move / BANDWIDTH
        if not ready[s]:
            cost += STARTUP
        if cost < best_cost:
            best, best_cost = s, cost
    return best
