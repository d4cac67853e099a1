"""Draw a graph with Graphviz: `to_dot` builds the picture, `render` writes it to a file.

Ops are nodes labelled with their name and type; every tensor is an edge labelled with
its static shape and dtype; name scopes (and so layers) are nested clusters; control
dependencies are dashed. Placeholders, variables and constants each have their own
shape and colour, so the inputs, the state and the fixed values of a model stand out.
"""
import html
import os
import warnings

from minigraph.framework import graph as _graph
from minigraph.viz import _view

RANKDIRS = ("TB", "LR", "BT", "RL")
FORMATS = ("svg", "png", "pdf")

INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: `sudo apt-get install graphviz`, "
                "macOS: `brew install graphviz`, conda: `conda install -c conda-forge graphviz`)")

_FONT = "Helvetica"
# Clusters get lighter the deeper they nest, so a layer inside a layer still reads.
_CLUSTER_FILLS = ("#f4f6fb", "#e9eef8")
_GRADIENT_FILL = "#f6efff"

_OP_STYLES = {
    "placeholder": dict(shape="invhouse", style="filled", fillcolor="#cfe3ff", color="#3b6fb6"),
    "variable": dict(shape="cylinder", style="filled", fillcolor="#ffe08a", color="#a07800",
                     margin="0.14,0.12"),
    "constant": dict(shape="box", style="filled", fillcolor="#eeeeee", color="#999999",
                     fontsize="9"),
    "gradient": dict(shape="box", style="rounded,filled", fillcolor="#ead9ff", color="#7b52ab"),
    "op": dict(shape="box", style="rounded,filled", fillcolor="white", color="#444444"),
    "box": dict(shape="box3d", style="filled", fillcolor="#dcefdc", color="#3e7d3e"),
    "gradient_box": dict(shape="box3d", style="filled", fillcolor="#ead9ff", color="#7b52ab"),
    "variable_box": dict(shape="cylinder", style="filled", fillcolor="#ffe08a", color="#a07800",
                         margin="0.14,0.12"),
    "feed": dict(shape="invhouse", style="filled,dashed", fillcolor="#cfe3ff", color="#3b6fb6"),
}


def _shape_text(shape):
    return "(unknown rank)" if shape.ndims is None else str(shape)


def tensor_label(tensors):
    """The edge text for the tensors one edge carries: "(?, 3) float32", or a count."""
    kinds = {(_shape_text(t.shape), t.dtype.name) for t in tensors}
    if len(kinds) == 1:
        shape, dtype = kinds.pop()
        count = "%d× " % len(tensors) if len(tensors) > 1 else ""
        return "%s%s %s" % (count, shape, dtype)
    return "%d tensors" % len(tensors)


def _op_kind(op):
    if op.type in _view.PLACEHOLDER_TYPES:
        return "placeholder"
    if op.type in _view.VARIABLE_TYPES:
        return "variable"
    if op.type in _view.CONSTANT_TYPES:
        return "constant"
    if _view.is_gradient_op(op):
        return "gradient"
    return "op"


def _html(title, *lines):
    # A table, not <br/>: with plain line breaks Graphviz draws the title's underscores
    # over the next line.
    rows = ["<tr><td><b>%s</b></td></tr>" % html.escape(title)]
    rows += ['<tr><td><font point-size="9">%s</font></td></tr>' % html.escape(line)
             for line in lines]
    return '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">%s</table>>' \
        % "".join(rows)


def _params_text(n):
    return "{:,} params".format(n)


def _op_node(op, kind):
    short = op.name.rpartition("/")[2]
    lines = [] if short == op.type else [op.type]
    if kind == "variable":
        lines.append("%s · %s" % (_shape_text(op.outputs[0].shape) if op.outputs else "",
                                  _params_text(_view.parameter_count(op))))
    elif kind == "constant":
        value = op.attrs.get("value")
        if getattr(value, "size", None) == 1:
            # Brackets keep a one-element vector (a reduction axis) apart from a scalar.
            item = value.reshape(())[()]
            lines.append("= %s" % ("[" * value.ndim + str(item) + "]" * value.ndim))
    return _html(short, *lines), dict(_OP_STYLES[kind], tooltip=op.name)


def _box_node(node):
    path = node.id[len("[scope] "):]
    ops = node.ops
    params = sum(_view.parameter_count(op) for op in ops)
    title = path.rpartition("/")[2]
    var = [op for op in ops if op.name == path and op.type in _view.VARIABLE_TYPES]
    if var:
        # A variable folded with its Assign/read/initializer ops still reads as a variable.
        kind = "variable_box"
        lines = [var[0].type, "%s · %s" % (_shape_text(var[0].outputs[0].shape),
                                           _params_text(params))]
    else:
        kind = "gradient_box" if all(_view.is_gradient_op(op) for op in ops) else "box"
        lines = ["%d op%s" % (len(ops), "" if len(ops) == 1 else "s") + (" · " + _params_text(params) if params else "")]
        types = list(dict.fromkeys(op.type for op in ops))
        if len(types) <= 3:
            # A small box says what it computes ("DepthwiseConv2dNative, Conv2D").
            lines.append(", ".join(types))
    return _html(title, *lines), dict(_OP_STYLES[kind], tooltip="%s (%d ops)" % (path, len(ops)))


def to_dot(graph_or_fetches=None, feeds=None, collapse_depth=None, gradients="show",
           rankdir="TB", show_shapes=True, name="minigraph"):
    """A Graphviz picture of a graph, or of the part of it that some fetches need.

    Args:
      graph_or_fetches: a `Graph` (every op; None means the default graph), or fetches
        as `Session.run` takes them (tensor, op, variable, name, or a list/dict of them):
        then only the ops a run of those fetches executes are drawn, fetches in bold.
      feeds: tensors (or names) that would be fed: pruning stops there, as in a session,
        and each fed tensor is drawn as an input node. Only with fetches.
      collapse_depth: how many levels of name scopes are drawn open; each deeper scope
        becomes a single box ("12 ops · 291 params"). 0 folds every top-level scope
        (every layer) into a box; None (default) opens everything.
      gradients: "show" the `gradients/` subgraph op by op (in purple), "collapse" each
        `gradients*` scope into one box, or "hide" it.
      rankdir: "TB" (top to bottom, default), "LR" (left to right), "BT" or "RL".
      show_shapes: label every tensor edge with its static shape and dtype.
      name: the Graphviz graph name.

    Returns:
      A `graphviz.Digraph`; `.source` is the DOT text, and Jupyter shows it inline.

    Raises:
      TypeError: if `graph_or_fetches` is neither a graph nor fetches.
      ValueError: for an unknown option value, empty fetches or feeds without fetches.
      KeyError: for a fetch or feed name that is not in the graph.
    """
    import graphviz  # lazily: `import minigraph` must stay fast

    if rankdir not in RANKDIRS:
        raise ValueError("to_dot: rankdir must be one of %s, got %r"
                         % (", ".join(RANKDIRS), rankdir))
    _, ops, fetched, fed = _view.resolve(graph_or_fetches, feeds, "mg.viz.to_dot")
    view = _view.View(ops, fed, collapse_depth=collapse_depth, gradients=gradients)
    fetched_ops = {e.op if isinstance(e, _graph.Tensor) else e for e in fetched}

    dot = graphviz.Digraph(name=name)
    dot.attr(rankdir=rankdir, fontname=_FONT, newrank="true", nodesep="0.25", ranksep="0.35")
    dot.attr("node", fontname=_FONT, fontsize="11", margin="0.12,0.04", height="0.3")
    dot.attr("edge", fontname=_FONT, fontsize="8", color="#555555", fontcolor="#333333",
             arrowsize="0.6")

    by_cluster = {}
    for node in view.nodes.values():
        by_cluster.setdefault(node.cluster, []).append(node)
    children = {}
    for path in view.clusters():
        children.setdefault(path[:-1], []).append(path)

    def emit(sub, path):
        for node in by_cluster.get(path, ()):
            if node.kind == "op":
                op = node.ops[0]
                label, attrs = _op_node(op, _op_kind(op))
                if op in fetched_ops:
                    attrs.update(penwidth="2.5")
            elif node.kind == "box":
                label, attrs = _box_node(node)
            else:
                t = node.ops[0]
                label = _html("feed " + t.name, tensor_label([t]))
                attrs = dict(_OP_STYLES["feed"])
            sub.node(node.id, label=label, **attrs)
        for child in children.get(path, ()):
            scope = "/".join(child)
            fill = (_GRADIENT_FILL if _view.GRADIENT_SCOPE.match(child[0])
                    else _CLUSTER_FILLS[(len(child) - 1) % len(_CLUSTER_FILLS)])
            with sub.subgraph(name="cluster_" + scope) as c:
                c.attr(label=child[-1], tooltip=scope, style="rounded,filled", fillcolor=fill,
                       color="#9aa7bd", fontname=_FONT, fontsize="11", labeljust="l")
                emit(c, child)

    emit(dot, ())
    folded = {n.id for n in view.nodes.values()
              if n.kind == "box" and all(_view.is_gradient_op(op) for op in n.ops)}
    for e in view.edges:
        if e.control:
            dot.edge(e.src, e.dst, style="dashed", color="#999999", arrowhead="odot",
                     tooltip="control dependency")
            continue
        text = tensor_label(e.tensors)
        attrs = {"tooltip": ", ".join(t.name for t in e.tensors) + ": " + text}
        if e.src in folded or e.dst in folded:
            # Backprop reads many forward tensors; thin unlabelled edges keep the forward
            # pass readable (the tooltip still names each tensor and its shape).
            attrs.update(color="#c4b2dd", arrowsize="0.4")
        elif show_shapes:
            attrs["label"] = text
        dot.edge(e.src, e.dst, **attrs)
    return dot


def render(graph_or_fetches, path, format=None, **options):  # noqa: A002 - graphviz's name
    """Draw a graph (see `to_dot`) into an SVG, PNG or PDF file with Graphviz's `dot`.

    When `dot` is not installed, writes the DOT source next to `path` (suffix ".gv")
    instead and warns with the command that installs Graphviz.

    Args:
      graph_or_fetches: as for `to_dot`.
      path: the file to write.
      format: "svg", "png" or "pdf"; None takes it from the suffix of `path` (else svg).
      **options: any option of `to_dot` (collapse_depth, gradients, feeds, rankdir, ...).

    Returns:
      The path written: `path`, or the ".gv" source file when `dot` is missing.

    Raises:
      ValueError: for an unknown format (or a bad `to_dot` option).
      RuntimeError: if `dot` fails on the picture.
    """
    import subprocess

    import graphviz

    path = os.fspath(path)
    if format is None:
        suffix = os.path.splitext(path)[1].lstrip(".").lower()
        format = suffix if suffix in FORMATS else "svg"  # noqa: A001
    if format not in FORMATS:
        raise ValueError("render: format must be one of %s, got %r" % (", ".join(FORMATS), format))
    dot = to_dot(graph_or_fetches, **options)
    try:
        data = dot.pipe(format=format)
    except graphviz.ExecutableNotFound:
        gv_path = os.path.splitext(path)[0] + ".gv"
        with open(gv_path, "w", encoding="utf-8") as f:
            f.write(dot.source)
        warnings.warn("Graphviz's `dot` program was not found, so no %s was drawn; the DOT "
                      "source is in %s instead. To draw pictures, %s, then run "
                      "`dot -T%s %s -o %s`." % (format.upper(), gv_path, INSTALL_HINT, format,
                                                gv_path, path), RuntimeWarning, stacklevel=2)
        return gv_path
    except subprocess.CalledProcessError as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        raise RuntimeError("Graphviz's `dot` failed to draw %s: %s" % (path, err)) from e
    with open(path, "wb") as f:
        f.write(data)
    return path
