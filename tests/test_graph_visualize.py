"""Pictures of graphs: to_graphviz and visualize (needs Graphviz's dot)."""
import sys
import types
import xml.etree.ElementTree as ET
from functools import partial
from operator import add

import graphviz
import pytest

from plait.graph import to_graphviz, visualize
from plait.graph.visualize import _colormap, funcname

SVG = "{http://www.w3.org/2000/svg}"


def inc(x):
    return x + 1


DSK = {('x', 0): 1, ('x', 1): (inc, ('x', 0)), 'b': (partial(add, 1), ('x', 1)),
       'total': (sum, [('x', 0), 'b']), 'alias': 'total'}


def svg_nodes(path):
    """{title: label} of every node in an SVG written by Graphviz."""
    root = ET.parse(path).getroot()
    nodes = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") == "node":
            title = g.find(SVG + "title").text
            nodes[title] = " ".join(t.text for t in g.iter(SVG + "text"))
    return nodes


def svg_edges(path):
    root = ET.parse(path).getroot()
    return {g.find(SVG + "title").text for g in root.iter(SVG + "g")
            if g.get("class") == "edge"}


def test_svg_has_a_box_per_key_and_a_circle_per_task(tmp_path):
    path = visualize(DSK, tmp_path / "graph.svg")
    assert path == str(tmp_path / "graph.svg")
    nodes = svg_nodes(path)
    assert nodes == {
        "('x', 0)": "x, 0", "('x', 1)": "x, 1", "'b'": "b", "'total'": "total",
        "'alias'": "alias",
        "inc -> ('x', 1)": "inc", "add -> 'b'": "add", "sum -> 'total'": "sum"}
    edges = svg_edges(path)
    assert "('x', 0)->inc -> ('x', 1)" in edges and "inc -> ('x', 1)->('x', 1)" in edges
    assert "'total'->'alias'" in edges and "sum -> 'total'->'total'" in edges
    assert "'b'->sum -> 'total'" in edges and "('x', 0)->sum -> 'total'" in edges


def test_png_is_written_with_the_png_extension_added(tmp_path):
    path = visualize(DSK, str(tmp_path / "mydask"))
    assert path.endswith("mydask.png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_formats_from_argument_and_extension(tmp_path):
    assert visualize(DSK, tmp_path / "a.pdf").endswith("a.pdf")
    with open(tmp_path / "a.pdf", "rb") as f:
        assert f.read(5) == b"%PDF-"
    dot = visualize(DSK, tmp_path / "b", format="dot")
    assert dot.endswith("b.dot") and open(dot).read().startswith("digraph {")
    assert visualize(DSK, tmp_path / "c.v1", format="svg").endswith("c.v1.svg")


def test_unknown_format_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'gif'.*png, svg, pdf, dot"):
        visualize(DSK, tmp_path / "x", format="gif")


def test_filename_none_returns_the_digraph():
    g = visualize(DSK, filename=None, rankdir="LR", size="5,5")
    assert isinstance(g, graphviz.Digraph)
    assert "rankdir=LR" in g.source and 'size="5,5"' in g.source


def test_color_by_order(tmp_path):
    dsk = {'a': 1, 'b': (inc, 'a'), 'c': (inc, 'b')}
    source = to_graphviz(dsk, color="order").source
    first, last = _colormap(0.0), _colormap(1.0)
    assert f"\"'a'\" [label=\"a\" shape=box style=filled fillcolor=\"{first}\"" in source
    assert f"\"'c'\" [label=\"c\" shape=box style=filled fillcolor=\"{last}\"" in source
    assert visualize(dsk, tmp_path / "o.png", color="order").endswith("o.png")
    with pytest.raises(ValueError, match="unknown color 'ages'"):
        to_graphviz(dsk, color="ages")


def test_colormap_runs_dark_to_bright():
    assert _colormap(0) == "#440154" and _colormap(1) == "#fde725"
    assert _colormap(-3) == _colormap(0) and _colormap(0.5) == "#21918c"


def test_keys_with_quotes_colons_and_backslashes(tmp_path):
    dsk = {'s3://bucket/a"b': 1, 'c\\N': (inc, 's3://bucket/a"b')}
    nodes = svg_nodes(visualize(dsk, tmp_path / "odd.svg"))
    assert nodes[repr('s3://bucket/a"b')] == 's3://bucket/a"b'
    assert nodes[repr('c\\N')] == 'c\\N'


def test_large_graphs_are_refused_unless_asked(tmp_path):
    dsk = {i: (inc, i - 1) for i in range(1, 3000)}
    with pytest.raises(ValueError, match="5998 nodes.*unreadable.*max_nodes=None"):
        visualize(dsk, tmp_path / "big.svg")
    g = to_graphviz(dsk, max_nodes=None)
    assert g.source.count("shape=circle") == 2999


def test_missing_dot_program_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="apt-get install graphviz.*brew install "
                                           "graphviz.*conda install python-graphviz"):
        visualize(DSK, tmp_path / "x.png")
    assert visualize(DSK, tmp_path / "x.dot").endswith("x.dot")  # no dot needed


def fake_ipython(monkeypatch, kernel):
    shell = types.SimpleNamespace(kernel=object() if kernel else None)
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    display = types.ModuleType("IPython.display")
    display.Image = lambda filename: ("Image", filename)
    display.SVG = lambda filename: ("SVG", filename)
    ipython.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)


def test_in_a_notebook_an_image_is_returned(tmp_path, monkeypatch):
    fake_ipython(monkeypatch, kernel=True)
    assert visualize(DSK, tmp_path / "n.png") == ("Image", str(tmp_path / "n.png"))
    assert visualize(DSK, tmp_path / "n.svg") == ("SVG", str(tmp_path / "n.svg"))
    assert visualize(DSK, tmp_path / "n.pdf") == str(tmp_path / "n.pdf")


def test_in_a_terminal_ipython_the_path_is_returned(tmp_path, monkeypatch):
    fake_ipython(monkeypatch, kernel=False)
    assert visualize(DSK, tmp_path / "t.png") == str(tmp_path / "t.png")


def test_funcname():
    assert funcname(inc) == "inc"
    assert funcname(partial(partial(add, 1), 2)) == "add"
    assert funcname(lambda: 0) == "lambda"

    class Op:
        def __call__(self):
            return 1

    assert funcname(Op()) == "Op"
