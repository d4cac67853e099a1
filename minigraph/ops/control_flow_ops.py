"""Ordering ops: `no_op`, `group`, `tuple`."""
import builtins

from minigraph.framework import graph as _graph
from minigraph.framework.registry import Op, make_op


class NoOp(Op):
    """Does nothing; useful as a target that carries control dependencies."""

    not_differentiable = True

    def infer(self, op):
        return []

    def compute(self, op):
        return None


def no_op(name=None):
    """An op that does nothing (run it to trigger its control dependencies)."""
    return make_op("NoOp", [], None, name)


def _as_op(x):
    if isinstance(x, _graph.Operation):
        return x
    if isinstance(x, _graph.Tensor):
        return x.op
    if hasattr(x, "_as_control_input"):
        return x._as_control_input()
    if hasattr(x, "op"):
        return x.op
    raise TypeError("Expected an Operation, Tensor or Variable, got %r" % (x,))


def group(*inputs, **kwargs):
    """An op that runs all of `inputs` (ops or tensors) when run.

    Raises:
      TypeError: on unknown keyword arguments.
    """
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError("Unknown keyword arguments: %s" % ", ".join(kwargs))
    flat = []
    for x in inputs:
        if isinstance(x, (list, builtins.tuple)):
            flat.extend(x)
        else:
            flat.append(x)
    ops = [_as_op(x) for x in flat if x is not None]
    graph = _graph.get_graph_from_inputs(ops)
    with graph.as_default(), _graph.name_scope(name, "group_deps", ops) as scope:
        with graph.control_dependencies(ops):
            return no_op(name=scope)


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF1 name
    """Identities of `tensors` that are only available once all of them are computed."""
    from minigraph.ops import array_ops
    tensors = list(tensors)
    real = [t for t in tensors if t is not None]
    with _graph.name_scope(name, "tuple", real) as scope:
        deps = [_as_op(t) for t in real] + list(control_inputs or [])
        gate = group(*deps)
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            with _graph.control_dependencies([gate]):  # TF1's with_dependencies names
                out.append(array_ops.identity(t, name="control_dependency"))
        return out
