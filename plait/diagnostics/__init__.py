"""Diagnostics built on callbacks: a progress bar, profilers and profile pages.

They hook the one scheduling engine, so they work on every scheduler it
drives: sync, threads, processes and any ``concurrent.futures.Executor``.

>>> import io, plait
>>> from operator import add
>>> from plait.diagnostics import ProgressBar, Profiler
>>> with ProgressBar(out=io.StringIO()), Profiler() as prof:
...     plait.get({'a': 1, 'b': (add, 'a', 1)}, 'b')
2
>>> [r.key for r in prof.results]
['b']
"""
from plait.diagnostics.profile import (CacheData, CacheProfiler, Profiler, ResourceData,
                                       ResourceProfiler, TaskData, sizeof)
from plait.diagnostics.profile_visualize import visualize
from plait.diagnostics.progress import ProgressBar

__all__ = ["ProgressBar", "Profiler", "ResourceProfiler", "CacheProfiler", "visualize",
           "TaskData", "ResourceData", "CacheData", "sizeof"]
