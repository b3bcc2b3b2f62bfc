"""Draw profiles with bokeh: task stream, memory and CPU, cache size, on one time axis.

``visualize`` makes one figure per profiler, stacked, sharing the x axis
(seconds since the earliest recorded time), and saves them as ONE
self-contained HTML page: bokeh's JavaScript is written into the page
(``resources=INLINE``), so it opens without a network connection.
"""
from __future__ import annotations

TOOLS = "pan,xwheel_zoom,box_zoom,reset,save"


def _bokeh():
    try:
        import bokeh  # noqa: F401
    except ImportError as e:
        raise ImportError("profile plots need bokeh: pip install 'plait[diagnostics]'") from e
    import bokeh.io
    import bokeh.io.state
    import bokeh.layouts
    import bokeh.models
    import bokeh.palettes
    import bokeh.plotting
    import bokeh.resources
    return bokeh


def visualize(profilers, filename="profile.html", save=True, show=None, width=900,
              height=300):
    """Draw profiles as one interactive bokeh page; return the bokeh layout.

    Parameters
    ----------
    profilers : Profiler, ResourceProfiler, CacheProfiler or a list of them
        One figure each, in the order given, sharing the time axis.
    filename : str or path
        Where ``save`` writes the page (default ``profile.html``).
    save : bool
        Write the page, with bokeh's JavaScript inline (no network needed).
    show : bool, optional
        Display it: in the notebook after ``bokeh.io.output_notebook()``,
        else in a browser. Default: only in a notebook.
    width, height : int
        Size of each figure in pixels (the width stretches to the page).

    >>> import plait
    >>> from operator import add
    >>> from plait.diagnostics import Profiler
    >>> with Profiler() as prof:
    ...     plait.get({'a': (add, 1, 2), 'b': (add, 'a', 1)}, 'b')
    4
    >>> layout = visualize(prof, save=False)
    >>> type(layout).__name__
    'GridPlot'
    """
    bk = _bokeh()
    profilers = list(profilers) if isinstance(profilers, (list, tuple)) else [profilers]
    if not profilers:
        raise ValueError("visualize needs at least one profiler, got none")
    draw = [_drawer(p) for p in profilers]
    t0 = _origin(profilers)
    figures, x_range = [], None
    for func, prof in zip(draw, profilers):
        fig = func(bk, prof, t0, width, height)
        if x_range is None:
            x_range = fig.x_range
        else:
            fig.x_range = x_range
        figures.append(fig)
    figures[-1].xaxis.axis_label = "seconds since start"
    layout = bk.layouts.gridplot([[f] for f in figures], toolbar_location="right",
                                 merge_tools=True, sizing_mode="stretch_width")
    if save:
        bk.io.save(layout, filename=str(filename), resources=bk.resources.INLINE,
                   title="plait profile")
    if show is None:
        show = bk.io.state.curstate().notebook
    if show:
        bk.io.show(layout)
    return layout


def _drawer(prof):
    from plait.diagnostics.profile import CacheProfiler, Profiler, ResourceProfiler

    for kind, func in ((Profiler, _plot_tasks), (ResourceProfiler, _plot_resources),
                       (CacheProfiler, _plot_cache)):
        if isinstance(prof, kind):
            return func
    raise TypeError(f"visualize draws Profiler, ResourceProfiler and CacheProfiler "
                    f"results, got {prof!r}")


def _origin(profilers):
    """The earliest time any profiler recorded (0 if none did)."""
    first = [min(r[_TIME_FIELD[type(r).__name__]] for r in p.results)
             for p in profilers if p.results]
    return min(first, default=0.0)


_TIME_FIELD = {"TaskData": 2, "ResourceData": 0, "CacheData": 3}


def _figure(bk, title, width, height, **kwargs):
    fig = bk.plotting.figure(title=title, width=width, height=height, tools=TOOLS,
                             sizing_mode="stretch_width", **kwargs)
    fig.toolbar.logo = None
    return fig


def _palette(bk, names):
    """A colour per name, stable for a given set of names."""
    names = sorted(set(names))
    n = len(names)
    if n <= 10:
        colours = bk.palettes.Category10[10][:n]
    elif n <= 20:
        colours = bk.palettes.Category20[20][:n]
    else:
        colours = bk.palettes.viridis(n)
    return dict(zip(names, colours))


def _plot_tasks(bk, prof, t0, width, height):
    """The task stream: a row per worker, a bar per task, coloured by function."""
    from plait.diagnostics.profile import task_name

    results = prof.results
    names = [task_name(r.task) for r in results]
    colour = _palette(bk, names)
    workers = sorted({_worker_label(r.worker_id) for r in results}, key=_natural)
    data = dict(
        left=[r.start_time - t0 for r in results],
        right=[r.end_time - t0 for r in results],
        worker=[_worker_label(r.worker_id) for r in results],
        key=[str(r.key) for r in results],
        function=names,
        duration=[_duration(r.end_time - r.start_time) for r in results],
        colour=[colour[n] for n in names],
    )
    title = f"Task stream: {len(results)} tasks on {len(workers)} workers"
    fig = _figure(bk, title, width, max(height, 40 * len(workers) + 80),
                  y_range=bk.models.FactorRange(*workers))
    source = bk.models.ColumnDataSource(data)
    fig.hbar(y="worker", left="left", right="right", height=0.8, color="colour",
             line_color="black", line_width=0.2, source=source)
    fig.add_tools(bk.models.HoverTool(tooltips=[
        ("key", "@key"), ("function", "@function"), ("duration", "@duration"),
        ("worker", "@worker")]))
    fig.yaxis.axis_label = "worker"
    fig.grid.grid_line_color = None
    return fig


def _plot_resources(bk, prof, t0, width, height):
    """Memory (MB, left axis) and CPU (%, right axis) over time."""
    results = prof.results
    data = dict(time=[r.time - t0 for r in results], mem=[r.mem for r in results],
                cpu=[r.cpu for r in results])
    fig = _figure(bk, "Memory and CPU: this process and its workers", width, height)
    source = bk.models.ColumnDataSource(data)
    fig.line("time", "mem", source=source, color="navy", line_width=2,
             legend_label="memory (MB)")
    top = max(data["cpu"], default=100.0)
    fig.extra_y_ranges = {"cpu": bk.models.Range1d(start=0, end=max(top, 100.0) * 1.05)}
    fig.line("time", "cpu", source=source, color="firebrick", line_width=2,
             y_range_name="cpu", legend_label="CPU (%)")
    fig.add_layout(bk.models.LinearAxis(y_range_name="cpu", axis_label="CPU (%)"), "right")
    fig.yaxis[0].axis_label = "memory (MB)"
    fig.y_range.start = 0
    fig.legend.location = "top_left"
    fig.add_tools(bk.models.HoverTool(tooltips=[
        ("time", "@time{0.000} s"), ("memory", "@mem{0.0} MB"), ("CPU", "@cpu{0} %")],
        mode="vline"))
    return fig


def cache_steps(results):
    """(times, totals): the total metric held after each event, in time order.

    >>> from plait.diagnostics.profile import CacheData
    >>> cache_steps([CacheData('a', None, 10, 0.0, 2.0), CacheData('b', None, 5, 1.0, 3.0)])
    ([0.0, 1.0, 2.0, 3.0], [10, 15, 5, 0])
    """
    events = sorted([(r.cache_time, r.metric) for r in results]
                    + [(r.free_time, -r.metric) for r in results],
                    key=lambda e: (e[0], e[1] > 0))
    times, totals, total = [], [], 0
    for t, delta in events:
        total += delta
        if times and times[-1] == t:
            totals[-1] = total
        else:
            times.append(t)
            totals.append(total)
    return times, totals


def _plot_cache(bk, prof, t0, width, height):
    """The total size of the values held, over time."""
    times, totals = cache_steps(prof.results)
    name = prof.metric_name
    data = dict(time=[t - t0 for t in times], total=totals,
                label=[_amount(v, name) for v in totals])
    fig = _figure(bk, f"Cache: {name} of the values held", width, height)
    source = bk.models.ColumnDataSource(data)
    fig.step("time", "total", source=source, mode="after", color="darkgreen",
             line_width=2)
    fig.varea_step(x="time", y1=0, y2="total", source=source, step_mode="after",
                   fill_color="darkgreen", fill_alpha=0.2)
    fig.add_tools(bk.models.HoverTool(tooltips=[("time", "@time{0.000} s"),
                                                ("held", "@label")], mode="vline"))
    fig.yaxis.axis_label = name
    if name == "bytes":
        fig.yaxis.formatter = bk.models.NumeralTickFormatter(format="0.0 b")
    fig.y_range.start = 0
    return fig


def _worker_label(worker):
    return "worker ?" if worker is None else f"worker {worker}"


def _natural(label):
    tail = label.rsplit(" ", 1)[-1]
    return (0, int(tail), label) if tail.isdigit() else (1, 0, label)


def _duration(seconds):
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _amount(value, name):
    if name != "bytes":
        return f"{value:,} {name}"
    for unit in ("B", "kB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
