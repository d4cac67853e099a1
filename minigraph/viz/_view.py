"""What a picture of a graph shows: which ops, the boxes they fold into, and the edges.

Both the graphviz drawing and the networkx view start here, so they agree on what
"the ops these fetches need" means (exactly what a `Session.run` would execute, via
`session.needed_ops`) and on how name scopes nest. Nothing here imports graphviz or
networkx.
"""
import collections
import re

from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.session import needed_ops

# `mg.gradients` opens the scope "gradients", made unique as "gradients_1", ... when it is
# called again in the same graph.
GRADIENT_SCOPE = re.compile(r"^gradients(_\d+)?$")

VARIABLE_TYPES = frozenset({"VariableV2", "Variable", "VarHandleOp"})
PLACEHOLDER_TYPES = frozenset({"Placeholder", "PlaceholderWithDefault"})
CONSTANT_TYPES = frozenset({"Const"})
GRADIENT_MODES = ("show", "collapse", "hide")


def is_gradient_op(op):
    """True for ops built by `mg.gradients` (under a top-level `gradients*/` scope)."""
    head, sep, _ = op.name.partition("/")
    return bool(sep) and GRADIENT_SCOPE.match(head) is not None


def parameter_count(op):
    """Number of elements a variable op holds; 0 for other ops or unknown shapes."""
    if op.type not in VARIABLE_TYPES:
        return 0
    shape = op.attrs.get("shape")
    if shape is None and op.outputs:
        shape = op.outputs[0].shape
    try:
        n = _ts.as_shape(shape).num_elements()
    except (TypeError, ValueError):
        return 0
    return n or 0


def _flatten(fetches):
    if isinstance(fetches, dict):
        for v in fetches.values():
            yield from _flatten(v)
    elif isinstance(fetches, (list, tuple)):
        for v in fetches:
            yield from _flatten(v)
    else:
        yield fetches


def _as_element(graph, value, what):
    try:
        return graph.as_graph_element(value, allow_tensor=True, allow_operation=True)
    except TypeError:
        raise TypeError("%s: expected a Graph, or tensors / operations / variables / names "
                        "(or a list or dict of them), got %r of type %s"
                        % (what, value, type(value).__name__))


def resolve(graph_or_fetches, feeds=None, what="mg.viz"):
    """The graph, the ops to show, the fetched elements and the fed tensors.

    Args:
      graph_or_fetches: a `Graph` (every op), None (the default graph), or fetches as
        `Session.run` takes them (a tensor, op, variable, name, or a list/tuple/dict of
        them); fetches show only the ops a run of them would execute.
      feeds: tensors (or names) that would be fed; pruning stops there. Only with fetches.
      what: the caller's name, for error messages.

    Returns:
      `(graph, ops, fetched, fed)`: ops in creation order, a set of fetched tensors and
      operations, and a list of fed tensors.

    Raises:
      TypeError: if an argument is neither a graph nor fetches.
      ValueError: for empty fetches, fetches from several graphs, or feeds without fetches.
      KeyError: for a name that is not in the graph.
    """
    if graph_or_fetches is None or isinstance(graph_or_fetches, _graph.Graph):
        graph = graph_or_fetches or _graph.get_default_graph()
        if feeds:
            raise ValueError("%s: feeds only apply when drawing fetches, not a whole graph "
                             "(got feeds=%r)" % (what, feeds))
        return graph, graph.get_operations(), set(), []
    flat = list(_flatten(graph_or_fetches))
    if not flat:
        raise ValueError("%s: no fetches given (got %r); pass a Graph to see every op"
                         % (what, graph_or_fetches))
    graph = None
    for v in flat:
        g = getattr(v, "graph", None)
        if isinstance(g, _graph.Graph):
            if graph is not None and g is not graph:
                raise ValueError("%s: fetches come from different graphs (%r)" % (what, v))
            graph = g
    graph = graph or _graph.get_default_graph()
    fetched = [_as_element(graph, v, what) for v in flat]
    fed = []
    for f in _flatten(feeds or []):
        try:
            fed.append(graph.as_graph_element(f, allow_tensor=True, allow_operation=False))
        except (TypeError, ValueError) as e:
            raise type(e)("%s: cannot use %r as a feed: %s" % (what, f, e))
    tensors = [e for e in fetched if isinstance(e, _graph.Tensor)]
    targets = [e for e in fetched if isinstance(e, _graph.Operation)]
    ops = needed_ops(tensors, targets, set(fed))
    ops.sort(key=lambda op: op._id)
    return graph, ops, set(fetched), fed


def scope_of(op):
    """The name scope an op was created in ("" at the root)."""
    return op.name.rpartition("/")[0]


Node = collections.namedtuple("Node", "id kind cluster ops")
Node.__doc__ = """One drawn node: an op, a collapsed scope ("box"), or a fed tensor ("feed").

`cluster` is the scope path (tuple of names) of the cluster drawn around the node; `ops`
the operations the node stands for (one for "op"; for "feed", the fed tensor)."""

Edge = collections.namedtuple("Edge", "src dst tensors control")


class View:
    """The nodes, clusters and edges of one picture of a graph.

    Args:
      ops: the operations to show (creation order).
      fed: tensors that are fed; they get a node of their own.
      collapse_depth: number of name-scope levels drawn open; deeper scopes become one
        box each. None opens every scope.
      gradients: "show" the `gradients/` subgraph op by op, "collapse" each gradients
        scope into one box, or "hide" it.

    Raises:
      ValueError: for a negative or non-integer collapse_depth, or an unknown gradients mode.
    """

    def __init__(self, ops, fed=(), collapse_depth=None, gradients="show"):
        if collapse_depth is not None and (isinstance(collapse_depth, bool)
                                           or not isinstance(collapse_depth, int)
                                           or collapse_depth < 0):
            raise ValueError("collapse_depth must be None or an integer >= 0, got %r"
                             % (collapse_depth,))
        if gradients not in GRADIENT_MODES:
            raise ValueError("gradients must be one of %s, got %r"
                             % (", ".join(repr(m) for m in GRADIENT_MODES), gradients))
        if gradients == "hide":
            ops = [op for op in ops if not is_gradient_op(op)]
        self.ops = ops
        # An op whose name is also a scope (a variable "w" with "w/read", "w/Assign") is
        # drawn inside that scope's cluster, next to the ops named after it.
        scopes = set()
        for op in ops:
            parts = op.name.split("/")
            for i in range(1, len(parts)):
                scopes.add("/".join(parts[:i]))
        self.nodes = collections.OrderedDict()
        self.node_of = {}
        for op in ops:
            parts = op.name.split("/")
            path = tuple(parts if op.name in scopes else parts[:-1])
            if gradients == "collapse" and is_gradient_op(op):
                box = path[:1]
            elif collapse_depth is not None and len(path) > collapse_depth:
                box = path[:collapse_depth + 1]
            else:
                box = None
            if box is None:
                node = self.nodes[op.name] = Node(op.name, "op", path, [op])
            else:
                node_id = "[scope] " + "/".join(box)
                node = self.nodes.get(node_id)
                if node is None:
                    node = self.nodes[node_id] = Node(node_id, "box", box[:-1], [])
                node.ops.append(op)
            self.node_of[op] = node.id
        self._add_edges(fed)

    def _add_edges(self, fed):
        fed = set(fed)
        edges = collections.OrderedDict()
        for op in self.ops:
            dst = self.node_of[op]
            for t in op.inputs:
                if t in fed:
                    # Graphviz reads ":" in a node id as a port, so fed tensors use "#".
                    src = "[feed] %s#%d" % (t.op.name, t.value_index)
                    if src not in self.nodes:
                        self.nodes[src] = Node(src, "feed", (), [t])
                else:
                    src = self.node_of.get(t.op)
                if src is None or src == dst:
                    continue
                e = edges.setdefault((src, dst, False), Edge(src, dst, [], False))
                if t not in e.tensors:
                    e.tensors.append(t)
            for c in op.control_inputs:
                src = self.node_of.get(c)
                if src is not None and src != dst:
                    edges.setdefault((src, dst, True), Edge(src, dst, [], True))
        self.edges = list(edges.values())

    def clusters(self):
        """Every cluster path that holds a node, with all of its ancestors, sorted."""
        paths = set()
        for node in self.nodes.values():
            for i in range(1, len(node.cluster) + 1):
                paths.add(node.cluster[:i])
        return sorted(paths)
