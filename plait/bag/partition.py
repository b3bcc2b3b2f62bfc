"""What runs inside a bag's tasks: one partition through a pipeline of steps.

A bag partition is produced by a *source* (a list, a ``range``, a block of a
text file...) and transformed by a *pipeline*: the element-wise steps
(``map``, ``filter``, ``pluck``...) composed at graph-construction time.
Each step turns an iterator into an iterator, so the whole chain streams
inside ONE task per partition; only the task's result (a list, or a
reduction's partial value) leaves the task.

``run(job, src, extras)`` is that task. ``job`` holds the pipeline, the
partition index and the consumer (``list``, a per-partition reduction, a
writer...); ``extras`` are the computed values of Items or Delayed objects
that steps read. When a source can say where it is (``read_text`` blocks), a
failure gets a note naming the file and line; the exception's type stays.
"""
from __future__ import annotations

import abc

import functools
from itertools import chain


class _NoResult:
    """The partial result of an empty partition: aggregations skip it."""

    def __reduce__(self):
        return "NO_RESULT"

    def __repr__(self):
        return "NO_RESULT"


class _NoDefault:
    """"No value given" for options where ``None`` is a real value."""

    def __reduce__(self):
        return "no_default"

    def __repr__(self):
        return "no_default"


NO_RESULT = _NoResult()
no_default = _NoDefault()


class Pipeline:
    """Element-wise steps applied in order: ``step(seq, index, extras)``.

    >>> from plait.bag.steps import Map
    >>> list(Pipeline((Map(abs),))(iter([-1, 2]), 0, []))
    [1, 2]
    """

    __slots__ = ("steps",)

    def __init__(self, steps=()):
        self.steps = tuple(steps)

    def __call__(self, seq, index, extras):
        for step in self.steps:
            seq = step(seq, index, extras)
        return seq

    @property
    def streaming(self):
        """Does every step hand on elements one at a time, in order?"""
        return all(step.streaming for step in self.steps)

    def __reduce__(self):
        return (Pipeline, (self.steps,))

    def __repr__(self):
        return f"Pipeline({', '.join(repr(s) for s in self.steps)})"


class Job:
    """What one partition task does: ``func(pipeline(source), *args)``."""

    __slots__ = ("pipeline", "index", "func", "args")

    def __init__(self, pipeline, index, func, args=()):
        self.pipeline = pipeline
        self.index = index
        self.func = func
        self.args = tuple(args)

    def __reduce__(self):
        return (Job, (self.pipeline, self.index, self.func, self.args))

    def __repr__(self):
        name = getattr(self.func, "__name__", type(self.func).__name__)
        return f"Job({name}, partition {self.index})"


class Source(abc.ABC):
    """A partition's elements produced inside the task (e.g. a file block).

    ``open()`` returns a fresh iterable with a ``where(streaming)`` method
    that describes the current position for error messages.
    """

    @abc.abstractmethod
    def open(self):
        """A fresh iterable of this partition's elements."""


def run(job, src, extras):
    """Run ``job`` over the partition ``src``; the body of a bag task.

    >>> from plait.bag.steps import Map
    >>> run(Job(Pipeline((Map(str.upper),)), 0, list), ['a', 'b'], [])
    ['A', 'B']
    """
    seq = src.open() if isinstance(src, Source) else src
    try:
        return job.func(job.pipeline(iter(seq), job.index, extras), *job.args)
    except Exception as exc:
        where = getattr(seq, "where", None)
        if where is not None:
            annotate(exc, where(job.pipeline.streaming))
        raise


def annotate(exc, note):
    """Add ``note`` to ``exc`` so that it survives pickling to another process."""
    if not note:
        return
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # Python 3.10
        exc.__notes__ = [*getattr(exc, "__notes__", []), note]
    if type(exc).__reduce__ is not BaseException.__reduce__:
        # e.g. json.JSONDecodeError rebuilds itself from its arguments only
        exc.__reduce_ex__ = functools.partial(_reduce_with_notes, exc)


def _reduce_with_notes(exc, protocol):
    rv = type(exc).__reduce_ex__(exc, protocol)
    state = rv[2] if len(rv) > 2 and isinstance(rv[2], dict) else {}
    state = {k: v for k, v in state.items() if k != "__reduce_ex__"}
    state["__notes__"] = list(exc.__notes__)
    return (_rebuild_exception, (rv[0], rv[1], state))


def _rebuild_exception(func, args, state):
    exc = func(*args)
    exc.__dict__.update(state)
    return exc


def empty_safe(func):
    """``func`` for a partition, or ``NO_RESULT`` when it is empty.

    >>> empty_safe(max)(iter([])), empty_safe(max)(iter([3, 1]))
    (NO_RESULT, 3)
    """
    return functools.partial(_empty_safe, func)


def _empty_safe(func, seq):
    it = iter(seq)
    for first in it:
        return func(chain((first,), it))
    return NO_RESULT


def aggregate_safe(aggregate, parts):
    """``aggregate`` over the real partial values of ``parts``."""
    parts = [p for p in parts if p is not NO_RESULT]
    if not parts:
        return NO_RESULT
    return aggregate(parts)


def zip_partitions(*seqs):
    """The elements of several partitions, zipped (for map over many bags)."""
    return zip(*seqs)


def concat_partitions(seqs):
    """One list from several partitions."""
    return list(chain.from_iterable(seqs))
