"""The graph as a `networkx.DiGraph`, and analyses that teach how a graph runs.

`to_networkx` turns ops into nodes (keyed by op name) and tensors / control dependencies
into edges, so any networkx algorithm applies. The helpers below answer the questions a
picture raises: in which order do ops run, which ops does a fetch need, how deep is the
graph (its longest chain of dependent ops), and where do the parameters live.
"""
import collections

from minigraph.viz import _view


def _shape_list(shape):
    return None if shape.ndims is None else shape.as_list()


def to_networkx(graph=None, feeds=None):
    """A `networkx.DiGraph` with one node per op and one edge per dependency.

    Node attributes: `type` (op type), `scope` (name scope, "" at the root),
    `output_shapes` (one list per output, None entries for unknown dimensions, None for
    unknown rank), `dtypes` (dtype names), `params` (elements of a variable, else 0),
    `index` (creation order). Edge attributes: `tensors` (names of the tensors flowing
    from the source op to the destination op, empty for a pure control dependency) and
    `control` (True if the destination waits on the source through a control input).

    Args:
      graph: a `Graph` (None: the default graph), or fetches as `Session.run`
        takes them; then only the ops a run of them executes are included.
      feeds: tensors (or names) that would be fed; only with fetches.

    Returns:
      A `networkx.DiGraph`.

    Raises:
      TypeError, ValueError, KeyError: as `mg.viz.to_dot` for bad fetches or feeds.
    """
    import networkx as nx  # lazily: `import minigraph` must stay fast

    graph, ops, _, fed = _view.resolve(graph, feeds, "mg.viz.to_networkx")
    fed = set(fed)
    g = nx.DiGraph(name=repr(graph))
    for i, op in enumerate(ops):
        g.add_node(op.name, type=op.type, scope=_view.scope_of(op),
                   output_shapes=[_shape_list(t.shape) for t in op.outputs],
                   dtypes=[t.dtype.name for t in op.outputs],
                   params=_view.parameter_count(op), index=i)
    for op in ops:
        for t in op.inputs:
            if t in fed or t.op.name not in g:
                continue
            if g.has_edge(t.op.name, op.name):
                data = g.edges[t.op.name, op.name]
                if t.name not in data["tensors"]:
                    data["tensors"].append(t.name)
            else:
                g.add_edge(t.op.name, op.name, tensors=[t.name], control=False)
        for c in op.control_inputs:
            if c.name not in g:
                continue
            if g.has_edge(c.name, op.name):
                g.edges[c.name, op.name]["control"] = True
            else:
                g.add_edge(c.name, op.name, tensors=[], control=True)
    return g


def _as_nx(graph_or_fetches, feeds=None):
    if hasattr(graph_or_fetches, "succ") and hasattr(graph_or_fetches, "nodes"):
        return graph_or_fetches  # already a networkx graph
    return to_networkx(graph_or_fetches, feeds)


def topological_order(graph_or_fetches=None, feeds=None):
    """Op names in an order a session could run them: every op after its inputs.

    Ties are broken by creation order, so the result is deterministic.

    Args:
      graph_or_fetches: a `Graph`, fetches, or a DiGraph from `to_networkx`.
      feeds: tensors that would be fed; only with fetches.

    Returns:
      A list of op names.
    """
    import networkx as nx

    g = _as_nx(graph_or_fetches, feeds)
    return list(nx.lexicographical_topological_sort(g, key=lambda n: g.nodes[n].get("index", 0)))


def subgraph_for(fetches, feeds=None):
    """The DiGraph of exactly the ops a `Session.run(fetches)` executes.

    Pruning is the session's own (`needed_ops`): a fetch pulls in its inputs and control
    inputs, transitively, and stops at fed tensors.

    Args:
      fetches: as `Session.run` takes them.
      feeds: tensors (or names) that would be fed.

    Returns:
      A `networkx.DiGraph` as from `to_networkx`.
    """
    return to_networkx(fetches, feeds)


def longest_path(graph_or_fetches=None, feeds=None):
    """The longest chain of ops that must run one after another (the graph's depth).

    Each op on it needs the previous one (through a tensor or a control dependency), so
    no schedule can run the graph in fewer sequential steps.

    Args:
      graph_or_fetches: a `Graph`, fetches, or a DiGraph from `to_networkx`.
      feeds: tensors that would be fed; only with fetches.

    Returns:
      A list of op names, from a source op to a sink op.
    """
    import networkx as nx

    return list(nx.dag_longest_path(_as_nx(graph_or_fetches, feeds)))


def parameter_counts(graph_or_fetches=None, depth=None):
    """Number of variable elements (parameters) per name scope.

    Each variable counts toward every scope it is nested in, so "" holds the total and
    "sep1" the sum of everything created under "sep1/".

    Args:
      graph_or_fetches: a `Graph`, fetches, or a DiGraph from `to_networkx`.
      depth: only list scopes at most this many levels deep (None: all).

    Returns:
      An ordered dict {scope: parameter count}, sorted by scope name, "" first.

    Raises:
      ValueError: if depth is negative or not an integer.
    """
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError("parameter_counts: depth must be None or an integer >= 0, got %r"
                         % (depth,))
    g = _as_nx(graph_or_fetches)
    counts = collections.Counter({"": 0})
    for _, data in g.nodes(data=True):
        n = data.get("params", 0)
        if not n:
            continue
        parts = data["scope"].split("/") if data["scope"] else []
        counts[""] += n
        for i in range(1, len(parts) + 1):
            if depth is None or i <= depth:
                counts["/".join(parts[:i])] += n
    return collections.OrderedDict(sorted(counts.items()))


def ops_by_type(graph_or_fetches=None):
    """How many ops of each type the graph holds, most frequent first.

    Returns:
      A list of (op type, count) pairs.
    """
    g = _as_nx(graph_or_fetches)
    counts = collections.Counter(data["type"] for _, data in g.nodes(data=True))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
