"""A progress bar for computations, on ``tqdm`` (terminal, file or Jupyter widget).

The bar costs the engine nothing per task: it defines no ``pretask`` or
``posttask`` hook. A small timer thread wakes every ``dt`` seconds, reads the
engine's count of finished tasks (``state.ndone``, one integer) and redraws;
``finish`` draws the final count. So a 100,000-task graph pays for about ten
redraws a second, not for 100,000 updates.
"""
from __future__ import annotations

import sys
import threading
import time

from plait.callbacks import Callback
from plait.scheduling.compile import LITERAL


class ProgressBar(Callback):
    """Show a progress bar of finished tasks while a computation runs.

    The total is the number of tasks the engine runs after optimization
    (culling and fusion), not counting literal values, which need no work.
    The bar ends at 100 % when the computation succeeds and stays where it
    stopped when a task fails. If a lost worker forces recomputation the
    count may step back.

    Parameters
    ----------
    minimum : float
        Show the bar only for computations that run longer than this many
        seconds (default 0: always).
    dt : float
        Seconds between redraws (default 0.1).
    out : file, optional
        Where to write the bar (default: ``sys.stdout``, or a widget in
        Jupyter through ``tqdm.auto``). A file given here gets the text bar.
    **tqdm_kwargs
        Passed on to ``tqdm`` (``ncols=``, ``desc=``, ``colour=``...).

    >>> import io, plait
    >>> from operator import add
    >>> out = io.StringIO()
    >>> with ProgressBar(out=out):
    ...     plait.get({'a': 1, 'b': (add, 'a', 1), 'c': (add, 'b', 'b')}, 'c')
    4
    >>> '100%' in out.getvalue() and '2/2' in out.getvalue()
    True
    """

    needs_times = False  # it reads only the count of finished tasks

    def __init__(self, minimum=0, dt=0.1, out=None, **tqdm_kwargs):
        if not isinstance(minimum, (int, float)) or minimum < 0:
            raise ValueError(f"minimum must be a number of seconds >= 0, got {minimum!r}")
        if not isinstance(dt, (int, float)) or dt <= 0:
            raise ValueError(f"dt must be a number of seconds > 0, got {dt!r}")
        if out is not None and not callable(getattr(out, "write", None)):
            raise TypeError(f"out must be a file-like object with write(), got {out!r}")
        super().__init__()
        self.minimum = minimum
        self.dt = dt
        self.out = out
        self.tqdm_kwargs = tqdm_kwargs
        self._runs = {}

    def start_state(self, graph, state):
        run = _Run(self, state)
        self._runs[id(state)] = run
        run.thread.start()

    def finish(self, graph, state, errored):
        run = self._runs.pop(id(state), None)
        if run is not None:
            run.close()


class _Run:
    """One computation's bar: a timer thread and, once shown, a tqdm bar."""

    def __init__(self, owner, state):
        self.owner = owner
        self.state = state
        self.start = time.monotonic()
        self.bar = None
        self.literals = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._tick, daemon=True,
                                       name="plait-progress")

    def _tick(self):
        minimum, dt = self.owner.minimum, self.owner.dt
        if minimum > dt and self.stop.wait(minimum - dt):
            return
        while not self.stop.wait(dt):
            if time.monotonic() - self.start >= minimum:
                self.draw()

    def draw(self):
        if self.bar is None:
            self.bar = self._make_bar()
        done = self.state.ndone - self.literals
        if done != self.bar.n:
            self.bar.n = max(done, 0)
            self.bar.refresh()

    def _make_bar(self):
        specs = self.state.compiled.specs
        self.literals = sum(1 for s in specs if s[0] == LITERAL)
        owner = self.owner
        kwargs = dict(total=len(specs) - self.literals, unit="task", mininterval=0,
                      dynamic_ncols=owner.out is None, leave=True,
                      initial=max(self.state.ndone - self.literals, 0))
        kwargs.update(owner.tqdm_kwargs)
        if owner.out is None:
            from tqdm.auto import tqdm
            kwargs.setdefault("file", sys.stdout)
        else:
            from tqdm.std import tqdm
            kwargs["file"] = owner.out
        bar = tqdm(**kwargs)  # its first frame shows the count so far
        # rate and elapsed time count from the start of the computation
        bar.initial = 0
        bar.start_t = bar.last_print_t = bar._time() - (time.monotonic() - self.start)
        return bar

    def close(self):
        self.stop.set()
        self.thread.join()
        shown = self.bar is not None
        if shown or time.monotonic() - self.start >= self.owner.minimum:
            self.draw()
            self.bar.close()  # a notebook widget short of 100 % turns red
        self.bar = None
