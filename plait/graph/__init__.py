"""The graph layer: the task-graph spec and pure functions over graphs."""
from plait.graph.core import KEY_TYPES, get_dependencies, iskey, istask, key_str, quote
from plait.graph.optimize import cull, fuse, inline, inline_functions, key_split, subs
from plait.graph.order import CycleError, order, order_indices
from plait.graph.toposort import getcycle, toposort
from plait.graph.validate import validate
from plait.graph.visualize import to_graphviz, visualize

__all__ = [
    "KEY_TYPES", "CycleError", "cull", "fuse", "get_dependencies", "getcycle",
    "inline", "inline_functions", "iskey", "istask", "key_split", "key_str",
    "order", "order_indices", "quote", "subs", "to_graphviz", "toposort",
    "validate", "visualize",
]
