"""The `minigraph` command line: draw and summarize graphs saved as JSON meta graphs.

    minigraph draw GRAPH.json -o graph.svg [--collapse-depth N] [--fetch NAME]...
    minigraph summary GRAPH.json [--depth N]

GRAPH.json is a file written by `mg.train.export_meta_graph` (or the `.meta` file a
`Saver` writes next to each checkpoint). Exit codes: 0 success, 1 the graph could not
be read or drawn, 2 bad command-line usage.
"""
import argparse
import difflib
import os
import sys
import warnings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Failure(Exception):
    """A problem to report on stderr with exit code 1 (no traceback: not a bug)."""


def _load_graph(path):
    import minigraph as mg
    from minigraph.framework import meta_graph

    graph = mg.Graph()
    try:
        meta_graph.import_scoped_meta_graph(path, graph)
    except FileNotFoundError:
        raise _Failure("%s: no such file" % path)
    except IsADirectoryError:
        raise _Failure("%s: is a directory, not a graph file" % path)
    except (ValueError, OSError) as e:
        raise _Failure(str(e))
    return graph


def _resolve(graph, names, what):
    """Graph elements for --fetch/--feed names ("op" or "op:0"), with suggestions."""
    out = []
    for name in names:
        if what == "feed" and ":" not in name:
            name += ":0"  # a feed is a tensor; "x" means the op's first output
        try:
            out.append(graph.as_graph_element(name, allow_tensor=True, allow_operation=(
                what == "fetch")))
        except (KeyError, ValueError):
            ops = [op.name for op in graph.get_operations()]
            close = difflib.get_close_matches(name.partition(":")[0], ops, n=3)
            hint = "; did you mean %s?" % ", ".join(close) if close else ""
            raise _Failure("--%s %s: the graph has no such %s%s"
                           % (what, name, "op or tensor" if what == "fetch" else "tensor", hint))
    return out


def _cmd_draw(args):
    import minigraph as mg

    graph = _load_graph(args.graph)
    output = args.output or os.path.splitext(args.graph)[0] + "." + (args.format or "svg")
    target = _resolve(graph, args.fetch, "fetch") if args.fetch else graph
    feeds = _resolve(graph, args.feed, "feed") if args.feed else None
    if feeds and not args.fetch:
        raise _Failure("--feed needs --fetch: feeds only stop the pruning of fetches")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            written = mg.viz.render(target, output, format=args.format, feeds=feeds,
                                    collapse_depth=args.collapse_depth,
                                    gradients=args.gradients, rankdir=args.rankdir)
        except (ValueError, RuntimeError, OSError) as e:
            raise _Failure(str(e))
    if written != output:
        raise _Failure("; ".join(str(w.message) for w in caught) or
                       "no picture drawn; the DOT source is in %s" % written)
    print("wrote %s" % written)
    return EXIT_OK


def _table(rows, header, align):
    """Text table lines; `align` has one "<" (left) or ">" (right) per column."""
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join("%%%s%ds" % ("-" if a == "<" else "", w) for a, w in zip(align, widths))
    return [(line % tuple(r)).rstrip() for r in [header] + rows]


def _cmd_summary(args):
    import minigraph as mg
    from minigraph.viz import _view

    graph = _load_graph(args.graph)
    ops = graph.get_operations()
    out = ["%s: %d ops" % (args.graph, len(ops)), "", "Ops by type:"]
    out += ["  " + line for line in _table(mg.viz.ops_by_type(graph), ("type", "count"), "<>")]

    trainable = {v.op for v in graph.get_collection(mg.GraphKeys.TRAINABLE_VARIABLES)}
    rows, total = [], 0
    for op in ops:
        if op.type in _view.VARIABLE_TYPES:
            n = _view.parameter_count(op)
            total += n
            rows.append((op.name, str(op.outputs[0].shape), op.outputs[0].dtype.name,
                         "{:,}".format(n), "yes" if op in trainable else "no"))
    out += ["", "Variables: %d, %s parameters" % (len(rows), "{:,}".format(total))]
    if rows:
        out += ["  " + line for line in
                _table(rows, ("name", "shape", "dtype", "params", "trainable"), "<<<><")]
        out += ["", "Parameters per scope:"]
        counts = mg.viz.parameter_counts(graph, depth=args.depth)
        scope_rows = [("  " * scope.count("/") + (scope.rpartition("/")[2] if scope
                                                  else "(all)"), "{:,}".format(n))
                      for scope, n in counts.items()]
        out += ["  " + line for line in _table(scope_rows, ("scope", "params"), "<>")]
    print("\n".join(out))
    return EXIT_OK


def _non_negative(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number >= 0, got %r" % text)
    if value < 0:
        raise argparse.ArgumentTypeError("expected a whole number >= 0, got %d" % value)
    return value


def build_parser():
    """The argparse parser of the `minigraph` command."""
    from minigraph import __version__
    from minigraph.viz.dot import FORMATS, RANKDIRS

    parser = argparse.ArgumentParser(
        prog="minigraph",
        description="Draw and summarize minigraph graphs saved as JSON meta graphs "
                    "(mg.train.export_meta_graph, or the .meta file next to a checkpoint).")
    parser.add_argument("--version", action="version", version="minigraph " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    draw = sub.add_parser("draw", help="draw a graph to SVG, PNG or PDF with Graphviz",
                          description="Draw a graph: ops as nodes, tensors as edges labelled "
                                      "with shapes, name scopes as boxes.")
    draw.add_argument("graph", metavar="GRAPH.json", help="a meta graph file")
    draw.add_argument("-o", "--output", metavar="FILE",
                      help="picture to write (default: GRAPH with the format's suffix)")
    draw.add_argument("--format", choices=FORMATS,
                      help="picture format (default: from the output suffix, else svg)")
    draw.add_argument("--collapse-depth", type=_non_negative, metavar="N",
                      help="draw N levels of name scopes open, deeper scopes as one box each")
    draw.add_argument("--fetch", action="append", metavar="NAME", default=[],
                      help="draw only what computing this op or tensor needs (repeatable)")
    draw.add_argument("--feed", action="append", metavar="NAME", default=[],
                      help="a tensor that would be fed: pruning stops there (with --fetch)")
    draw.add_argument("--gradients", choices=("show", "collapse", "hide"), default="show",
                      help="the gradients/ subgraph: op by op, as one box, or left out")
    draw.add_argument("--rankdir", choices=RANKDIRS, default="TB",
                      help="layout direction: TB (top to bottom) or LR (left to right)")
    draw.set_defaults(run=_cmd_draw)

    summary = sub.add_parser("summary", help="print op counts, variables and parameters",
                             description="Print ops by type, variables with shapes and "
                                         "parameter counts, and parameters per name scope.")
    summary.add_argument("graph", metavar="GRAPH.json", help="a meta graph file")
    summary.add_argument("--depth", type=_non_negative, metavar="N",
                         help="list scopes at most N levels deep (default: all)")
    summary.set_defaults(run=_cmd_summary)
    return parser


def main(argv=None):
    """Run the command line; returns the exit code (0 ok, 1 failed, 2 usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits for --help, --version and usage errors
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        return args.run(args)
    except _Failure as e:
        print("minigraph %s: error: %s" % (args.command, e), file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
