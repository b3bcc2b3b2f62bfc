"""What Bag and Item share: graph layers, names and the collection protocol."""
from __future__ import annotations


def merge_layers(*layer_dicts):
    """One dict of layers from several (later ones win on equal names)."""
    out = {}
    for layers in layer_dicts:
        out.update(layers)
    return out


def flatten_layers(layers):
    """The graph of all layers, as one dict."""
    dsk = {}
    for layer in layers.values():
        dsk.update(layer)
    return dsk


def funcname(func):
    """A short readable name for a callable, for key names.

    >>> import json
    >>> funcname(json.loads), funcname(lambda x: x)
    ('loads', 'lambda')
    """
    while hasattr(func, "func"):
        func = func.func
    name = getattr(func, "__name__", None) or type(func).__name__
    name = "lambda" if name == "<lambda>" else name
    return name.strip("<>").replace("_", "-").lower() or "func"


def new_name(label, *args):
    """``label-token`` with a token of ``args``."""
    from plait.tokenize import tokenize

    return f"{label}-{tokenize(*args)}"


class Collection:
    """The protocol methods Bag and Item share."""

    __plait_scheduler__ = "processes"

    @staticmethod
    def __plait_optimize__(dsk, keys, **kwargs):
        from plait.bag.optimize import optimize

        return optimize(dsk, keys, **kwargs)

    @property
    def dask(self):
        """The task graph (a dict)."""
        return self.__plait_graph__()

    def __plait_tokenize__(self):
        return (type(self).__name__, self.name)

    def compute(self, **kwargs):
        """Compute this collection (keywords as for ``plait.compute``)."""
        from plait.base import compute

        return compute(self, **kwargs)[0]

    def persist(self, **kwargs):
        """The same collection with its pieces computed and held in its graph."""
        from plait.base import persist

        return persist(self, **kwargs)[0]

    def visualize(self, filename="mydask", **kwargs):
        """Draw the graph with Graphviz (see ``plait.visualize``)."""
        from plait.base import visualize

        return visualize(self, filename=filename, **kwargs)
