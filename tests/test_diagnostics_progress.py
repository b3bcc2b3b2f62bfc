"""ProgressBar: reaches 100 %, counts tasks after optimization, stops where it failed."""
from __future__ import annotations

import io
import threading
import time

import pytest

import plait
from helpers import add, inc, raise_value_error, sleep_then
from plait.diagnostics import ProgressBar

DSK = {'x': 1, 'y': 2, 'a': (inc, 'x'), 'b': (add, 'a', 'y'), 'c': (add, 'a', 'b')}


def last_frame(text):
    """The last state the bar drew (tqdm rewrites its line with carriage returns)."""
    return text.replace("\n", "\r").strip("\r").rsplit("\r", 1)[-1]


def no_progress_threads():
    return not [t for t in threading.enumerate() if t.name == "plait-progress"]


def test_reaches_100_percent_on_every_scheduler(get):
    out = io.StringIO()
    with ProgressBar(out=out):
        assert get(DSK, 'c') == 6
    final = last_frame(out.getvalue())
    assert "100%" in final and "3/3" in final  # the literals x and y are no tasks
    assert no_progress_threads()


def test_total_counts_tasks_after_culling():
    dsk = dict(DSK, unused=(inc, 'c'), also=(inc, 'unused'))
    out = io.StringIO()
    with ProgressBar(out=out):
        plait.get(dsk, 'b')
    assert "2/2" in last_frame(out.getvalue())


def test_error_shows_where_it_stopped():
    dsk = {'a': (inc, 1), 'b': (inc, 2), 'c': (raise_value_error, 'a'),
           'd': (add, 'b', 'c')}
    out = io.StringIO()
    with pytest.raises(ValueError, match="bad value 2"):
        with ProgressBar(out=out):
            plait.get(dsk, 'd')
    final = last_frame(out.getvalue())
    assert "100%" not in final and "/4" in final
    assert no_progress_threads()


def test_redraws_while_running():
    out = io.StringIO()

    def wait_for_bar(x, y, text):
        deadline = time.monotonic() + 30
        while text not in out.getvalue():
            if time.monotonic() > deadline:
                raise AssertionError(f"the bar never showed {text!r}: {out.getvalue()!r}")
            time.sleep(0.005)
        return x + y

    dsk = {'a': (inc, 1), 'b': (inc, 2), 'c': (wait_for_bar, 'a', 'b', '2/3')}
    with ProgressBar(out=out, dt=0.01):
        assert plait.get(dsk, 'c') == 5
    assert "2/3" in out.getvalue() and "100%" in last_frame(out.getvalue())


def test_minimum_hides_short_runs():
    out = io.StringIO()
    with ProgressBar(minimum=60, out=out):
        plait.get(DSK, 'c')
    assert out.getvalue() == ""
    assert no_progress_threads()


def test_minimum_shows_longer_runs():
    out = io.StringIO()
    with ProgressBar(minimum=0.05, dt=0.01, out=out):
        plait.get({'a': (sleep_then, 1, 0.2)}, 'a')
    assert "100%" in last_frame(out.getvalue())


def test_default_output_is_stdout(capsys):
    with ProgressBar():
        plait.get(DSK, 'c')
    assert "100%" in last_frame(capsys.readouterr().out)


def test_registered_bar_and_tqdm_options():
    out = io.StringIO()
    bar = ProgressBar(out=out, desc="plait")
    bar.register()
    try:
        plait.get(DSK, 'c')
    finally:
        bar.unregister()
    assert last_frame(out.getvalue()).startswith("plait: 100%")
    assert "task/s" in out.getvalue()


def test_empty_computation_draws_nothing_wrong():
    out = io.StringIO()
    with ProgressBar(out=out):
        assert plait.get({'x': 1}, 'x') == 1
    assert "0/0" in out.getvalue() or "0task" in out.getvalue()


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(minimum=-1), ValueError, "minimum must be a number of seconds >= 0, got -1"),
    (dict(dt=0), ValueError, "dt must be a number of seconds > 0, got 0"),
    (dict(dt="fast"), ValueError, "dt must be a number of seconds > 0, got 'fast'"),
    (dict(out=5), TypeError, "out must be a file-like object with write"),
])
def test_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        ProgressBar(**kwargs)
