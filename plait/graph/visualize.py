"""Pictures of graphs, drawn by Graphviz.

Each key is a box holding its data; each task adds a circle labelled with its
function, with edges from the input boxes into the circle and from the
circle into the output box, as Dask users know them. Node names (the
``<title>`` of an SVG node) are ``repr(key)`` for data and
``"func -> repr(key)"`` for functions.
"""
from __future__ import annotations

import os
from functools import partial

from plait.graph.core import get_dependencies, istask
from plait.graph.order import order

FORMATS = ("png", "svg", "pdf", "dot", "jpeg")
INSTALL_GRAPHVIZ = ("install Graphviz: apt-get install graphviz (Debian/Ubuntu), "
                    "brew install graphviz, or conda install python-graphviz")
# viridis-like anchors, from the first task to run to the last
_PALETTE = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))


def to_graphviz(dsk, rankdir="BT", color=None, max_nodes=5000, **graph_attrs):
    """A ``graphviz.Digraph`` of ``dsk``: boxes for data, circles for tasks.

    ``color='order'`` fills nodes by their ``order`` priority, dark (runs
    first) to bright (runs last). Graphs with more than ``max_nodes`` nodes
    raise ValueError (``max_nodes=None`` draws them anyway).

    >>> from operator import add
    >>> g = to_graphviz({'a': 1, 'b': (add, 'a', 1), 'c': (add, 'a', 'b')})
    >>> print(g.source)  # doctest: +NORMALIZE_WHITESPACE
    digraph {
        graph [rankdir=BT]
        "'a'" [label="a" shape=box]
        "'b'" [label="b" shape=box]
        "add -> 'b'" [label="add" shape=circle]
        "add -> 'b'" -> "'b'"
        "'a'" -> "add -> 'b'"
        "'c'" [label="c" shape=box]
        "add -> 'c'" [label="add" shape=circle]
        "add -> 'c'" -> "'c'"
        "'a'" -> "add -> 'c'"
        "'b'" -> "add -> 'c'"
    }

    See Also: visualize
    """
    graphviz = _import_graphviz()
    _check_size(dsk, max_nodes)
    fills = _fills(dsk, color)
    g = graphviz.Digraph(graph_attr={"rankdir": rankdir, **_strs(graph_attrs)})
    for key, comp in dsk.items():
        data, fill = repr(key), fills.get(key, "")
        g.body.append(_node(data, _key_label(key), "box", fill))
        head = data
        if istask(comp):
            head = f"{funcname(comp[0])} -> {data}"
            g.body.append(_node(head, funcname(comp[0]), "circle", fill))
            g.body.append(_edge(head, data))
        for dep in get_dependencies(dsk, task=comp, as_list=True):
            g.body.append(_edge(repr(dep), head))
    return g


def visualize(dsk, filename="mydask", format=None, rankdir="BT", color=None,
              max_nodes=5000, **graph_attrs):
    """Draw ``dsk`` to a file with Graphviz and return the file's path.

    ``format`` (png, svg, pdf, dot or jpeg) defaults to the extension of
    ``filename``, else png (and the extension is added). With
    ``filename=None`` the ``graphviz.Digraph`` is returned instead; in a
    Jupyter kernel an ``IPython.display`` image of the written file is.
    Other arguments are those of ``to_graphviz``.

    >>> import os, tempfile
    >>> from operator import add
    >>> dsk = {'a': 1, 'b': (add, 'a', 1), 'c': (add, 'a', 'b')}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = visualize(dsk, os.path.join(tmp, 'graph.svg'))
    ...     path.endswith('graph.svg'), open(path).read().count('class="node"')
    (True, 5)

    See Also: to_graphviz
    """
    g = to_graphviz(dsk, rankdir=rankdir, color=color, max_nodes=max_nodes, **graph_attrs)
    if filename is None:
        return g
    path, fmt = _path_and_format(filename, format)
    _write(g, path, fmt)
    return _notebook_image(path, fmt) or path


def funcname(func):
    """A short readable name for a callable.

    >>> from functools import partial
    >>> funcname(len), funcname(partial(max, 1)), funcname(lambda x: x)
    ('len', 'max', 'lambda')
    """
    while isinstance(func, partial):
        func = func.func
    name = getattr(func, "__name__", None) or type(func).__name__
    return "lambda" if name == "<lambda>" else name


# ---------------------------------------------------------------- helpers

def _import_graphviz():
    try:
        import graphviz
    except ImportError as e:
        raise ImportError("drawing graphs needs the graphviz Python package: "
                          "pip install 'plait[visualize]'") from e
    return graphviz


def _check_size(dsk, max_nodes):
    if max_nodes is None:
        return
    n = len(dsk) + sum(1 for v in dsk.values() if istask(v))
    if n > max_nodes:
        raise ValueError(
            f"the graph has {n} nodes, more than max_nodes={max_nodes}: a picture "
            "that large is unreadable. Visualize a smaller piece (for example "
            "cull(dsk, a_few_keys)), or pass max_nodes=None to draw it anyway")


def _fills(dsk, color):
    if color is None:
        return {}
    if color != "order":
        raise ValueError(f"unknown color {color!r}: use None or 'order'")
    prio = order(dsk)
    last = max(max(prio.values(), default=0), 1)
    return {key: _colormap(p / last) for key, p in prio.items()}


def _colormap(t):
    """A ``#rrggbb`` colour for ``t`` in [0, 1] along the palette."""
    t = min(max(t, 0.0), 1.0) * (len(_PALETTE) - 1)
    i = min(int(t), len(_PALETTE) - 2)
    f = t - i
    lo, hi = _PALETTE[i], _PALETTE[i + 1]
    return "#" + "".join(f"{round(a + (b - a) * f):02x}" for a, b in zip(lo, hi))


def _key_label(key):
    """``('x', 0)`` -> ``x, 0``; ``'a'`` -> ``a``."""
    if type(key) is tuple:
        return ", ".join(_key_label(part) for part in key)
    if type(key) is bytes:
        return key.decode(errors="replace")
    return str(key)


def _quote(s, label=False):
    """A DOT double-quoted string; labels also keep backslashes literal."""
    if label:
        s = s.replace("\\", "\\\\")
    return '"' + s.replace('"', '\\"') + '"'


def _node(name, label, shape, fill):
    attrs = f"label={_quote(label, True)} shape={shape}"
    if fill:
        font = "white" if int(fill[1:3], 16) + int(fill[3:5], 16) < 256 else "black"
        attrs += f' style=filled fillcolor="{fill}" fontcolor={font}'
    return f"\t{_quote(name)} [{attrs}]\n"


def _edge(tail, head):
    return f"\t{_quote(tail)} -> {_quote(head)}\n"


def _strs(attrs):
    return {k: str(v) for k, v in attrs.items()}


def _path_and_format(filename, format):
    filename = os.fspath(filename)
    ext = os.path.splitext(filename)[1][1:].lower()
    ext = "jpeg" if ext == "jpg" else ext
    fmt = (ext if ext in FORMATS else "png") if format is None else format.lower()
    fmt = "jpeg" if fmt == "jpg" else fmt
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    return (filename if ext == fmt else f"{filename}.{fmt}"), fmt


def _write(g, path, fmt):
    if fmt == "dot":
        data = g.source.encode()
    else:
        graphviz = _import_graphviz()
        try:
            data = g.pipe(format=fmt)
        except graphviz.ExecutableNotFound as e:
            raise RuntimeError(f"the Graphviz program 'dot' was not found on PATH; "
                               f"{INSTALL_GRAPHVIZ}") from e
    with open(path, "wb") as f:
        f.write(data)


def _notebook_image(path, fmt):
    """An IPython display object for ``path`` when running in a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    if getattr(get_ipython(), "kernel", None) is None or fmt not in ("png", "jpeg", "svg"):
        return None
    from IPython.display import SVG, Image

    return SVG(filename=path) if fmt == "svg" else Image(filename=path)
