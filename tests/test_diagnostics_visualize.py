"""visualize: one self-contained bokeh page, checked in a real headless Chromium."""
from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
from PIL import Image

import plait.threaded
from helpers import sleep_then
from plait.diagnostics import CacheProfiler, Profiler, ResourceProfiler, visualize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]

# every canvas in the page, also inside bokeh's shadow DOM: size and the
# number of pixels that are neither transparent nor white
CANVASES_JS = """() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS') found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found.map(c => {
    const box = c.getBoundingClientRect();
    let inked = 0;
    if (c.width && c.height) {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4)
        if (d[i + 3] && (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245)) inked++;
    }
    return {x: box.x, y: box.y, width: box.width, height: box.height, inked: inked};
  });
}"""

TOOLTIPS_JS = """() => {
  const texts = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (String(el.className).includes('tooltip') && el.innerText) texts.push(el.innerText);
    }
  };
  walk(document);
  return texts;
}"""


def total(*arrays):
    return float(sum(a.sum() for a in arrays))


@pytest.fixture(scope="module")
def profiles():
    n = 12
    dsk = {('t', i): (sleep_then, np.ones(1000 * (i + 1)), 0.01) for i in range(n)}
    dsk['total'] = (total, *[('t', i) for i in range(n)])
    with Profiler() as prof, ResourceProfiler(dt=0.01) as rprof, CacheProfiler() as cprof:
        assert plait.threaded.get(dsk, 'total', num_workers=2) == sum(
            1000 * (i + 1) for i in range(n))
    return prof, rprof, cprof


@pytest.fixture(scope="module")
def page_file(profiles, tmp_path_factory):
    path = tmp_path_factory.mktemp("profile") / "profile.html"
    visualize(list(profiles), filename=path, save=True, show=False)
    return path


def test_layout_has_one_figure_per_profile_on_one_time_axis(profiles):
    layout = visualize(list(profiles), save=False)
    figures = [child[0] for child in layout.children]
    assert [f.title.text.split(":")[0] for f in figures] == [
        "Task stream", "Memory and CPU", "Cache"]
    assert figures[0].x_range is figures[1].x_range is figures[2].x_range
    assert figures[0].title.text == "Task stream: 13 tasks on 2 workers"
    bars = figures[0].renderers[0].data_source.data
    assert sorted(bars["key"]) == sorted(str(r.key) for r in profiles[0].results)
    assert set(bars["worker"]) == {"worker 0", "worker 1"}
    assert min(bars["left"]) >= 0
    hover = [t for t in figures[0].tools if type(t).__name__ == "HoverTool"]
    assert [name for name, _ in hover[0].tooltips] == ["key", "function", "duration",
                                                       "worker"]


def test_cache_plot_totals(profiles):
    cprof = profiles[2]
    layout = visualize(cprof, save=False)
    steps = layout.children[0][0].renderers[0].data_source.data
    assert max(steps["total"]) <= sum(r.metric for r in cprof.results)
    assert max(steps["total"]) >= 8 * 1000 * 12  # the largest array is held at once
    assert steps["total"][-1] == 0  # everything released at the end


def test_saved_page_is_self_contained(page_file):
    html = page_file.read_text()
    assert "<title>plait profile</title>" in html
    assert "cdn.bokeh.org" not in html and "<script src=" not in html.replace(" ", "")
    assert "Bokeh" in html and "('t', 3)" in html


def test_save_false_writes_nothing(profiles, tmp_path):
    visualize(profiles[0], filename=tmp_path / "p.html", save=False)
    assert not (tmp_path / "p.html").exists()


def test_show_and_notebook(profiles, monkeypatch):
    import bokeh.io

    shown = []
    monkeypatch.setattr(bokeh.io, "show", shown.append)
    layout = visualize(profiles[0], save=False, show=True)
    assert shown == [layout]
    visualize(profiles[0], save=False)  # not in a notebook: not shown
    assert len(shown) == 1
    import bokeh.io.state

    bokeh.io.state.curstate().output_notebook()  # as output_notebook() does in Jupyter
    try:
        layout = visualize(profiles[0], save=False)  # in a notebook: shown inline
    finally:
        bokeh.io.reset_output()
    assert shown == [shown[0], layout]


def test_profile_visualize_methods(profiles):
    for prof in profiles:
        assert len(prof.visualize(save=False).children) == 1


def test_empty_profiles_still_draw(tmp_path):
    layout = visualize([Profiler(), ResourceProfiler(), CacheProfiler()],
                       filename=tmp_path / "empty.html")
    assert len(layout.children) == 3 and (tmp_path / "empty.html").exists()


def test_visualize_errors():
    with pytest.raises(ValueError, match="visualize needs at least one profiler"):
        visualize([])
    with pytest.raises(TypeError, match="visualize draws Profiler, ResourceProfiler and "
                       "CacheProfiler results, got 'results'"):
        visualize([Profiler(), "results"])


def test_page_in_headless_chromium(page_file, tmp_path):
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), "install the Debian package chromium (make sysdeps)"
    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1100})
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("requestfailed", lambda r: problems.append(f"request {r.url}"))
            page.goto(page_file.as_uri())
            page.wait_for_function(
                "() => window.Bokeh && Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle",
                timeout=20_000)
            canvases = page.evaluate(CANVASES_JS)
            plots = [c for c in canvases if c["width"] >= 500 and c["inked"] > 1000]
            assert len({c["y"] for c in plots}) == 3, canvases  # three drawn figures
            stream = min(plots, key=lambda c: c["y"])
            page.mouse.move(stream["x"] + stream["width"] * 0.3,
                            stream["y"] + stream["height"] * 0.3)
            page.wait_for_function(f"() => ({TOOLTIPS_JS})().length > 0", timeout=10_000)
            tips = page.evaluate(TOOLTIPS_JS)
            png = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert any("key:" in t and "('t'," in t and "duration:" in t for t in tips), tips
    (tmp_path / "profile.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size[0] >= 1000
    pixels = np.asarray(image.resize((200, 200))).reshape(-1, 3)
    assert len({tuple(px) for px in pixels}) > 20  # bars, lines, text: many colours
    assert (pixels.min(axis=1) < 200).sum() > 2000  # and plenty of ink
