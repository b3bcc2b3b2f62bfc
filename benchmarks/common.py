"""Shared helpers for benchmarks: timing, peak memory and result tables."""
from __future__ import annotations

import gc
import os
import threading
import time

import psutil


def timed(func, *args, repeat=3, **kwargs):
    """Best wall-clock seconds of ``repeat`` calls, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, result


class PeakRSS:
    """Sample the RSS of this process and its children; ``.peak`` in bytes.

    >>> with PeakRSS(dt=0.01) as m:
    ...     x = bytearray(10_000_000)
    >>> m.peak > 0
    True
    """

    def __init__(self, dt=0.02):
        self.dt = dt
        self.peak = 0
        self._stop = threading.Event()

    def _sample(self):
        proc = psutil.Process(os.getpid())
        while True:
            total = 0
            try:
                total = proc.memory_info().rss
                for child in proc.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            if self._stop.wait(self.dt):
                return

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def table(rows, headers):
    """Format rows (lists) under headers as an aligned text table.

    >>> print(table([['a', 1.5]], ['name', 'value']))
    name  value
    ----  -----
    a     1.5
    """
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(x):
    if isinstance(x, float):
        return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)
