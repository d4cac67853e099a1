"""Reverse-mode automatic differentiation over the graph (`mg.gradients`).

The walker only knows the op contract (`registry.Op.gradient`): it visits the ops between
`xs` and `ys` in reverse creation order (creation order is a topological order, since an
op's inputs exist before it), hands each op the summed gradients of its outputs, and
collects the gradients of its inputs. Every gradient is a graph tensor under a
`gradients/` name scope, so gradients can be fetched, drawn and differentiated again.
"""
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _to_tensor(v, what):
    if isinstance(v, _graph.Tensor):
        return v
    conv = getattr(v, "_as_graph_element", None)
    if conv is not None:
        t = conv()
        if isinstance(t, _graph.Tensor):
            return t
    if v is None:
        raise TypeError("%s must be tensors or variables, got None" % what)
    return _graph.convert_to_tensor(v)


def _differentiable(t):
    return t.dtype.is_floating


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """Symbolic partial derivatives of sum(ys) with respect to each of `xs`.

    Args:
      ys: a tensor or list of tensors to differentiate.
      xs: a tensor/variable or list of them.
      grad_ys: optional initial gradients, one per y (default: ones of y's shape).
      name: name scope for the gradient ops.
      stop_gradients: tensors treated as constants (no gradient flows through them).
      unconnected_gradients: "none" (None for an x that ys do not depend on) or "zero".

    Returns:
      A list with one tensor (or None) per x: the sum of the gradients over every path.

    Raises:
      LookupError: if an op on a path from xs to ys has no gradient defined.
      ValueError: if `grad_ys` does not match `ys` in length or shape.
      TypeError: for non-tensor arguments.
    """
    from minigraph.ops import array_ops, math_ops

    ys = [_to_tensor(y, "ys") for y in _as_list(ys)]
    xs = [_to_tensor(x, "xs") for x in _as_list(xs)]
    stops = {_to_tensor(s, "stop_gradients") for s in _as_list(stop_gradients or [])}
    if unconnected_gradients not in ("none", "zero"):
        raise ValueError("Unknown value for unconnected_gradients: %r" % (unconnected_gradients,))
    if grad_ys is not None:
        grad_ys = _as_list(grad_ys)
        if len(grad_ys) != len(ys):
            raise ValueError("Passed %d grad_ys for %d ys" % (len(grad_ys), len(ys)))
    graph = _graph.get_graph_from_inputs(ys + xs)

    with graph.as_default(), _graph.name_scope(name, "gradients", ys + xs):
        # Ops on some path from an x to a y.
        reach_fwd = set()
        frontier = list(xs)
        while frontier:
            t = frontier.pop()
            for c in t._consumers:
                if c not in reach_fwd:
                    reach_fwd.add(c)
                    frontier.extend(c._outputs)
        between = set()
        stack = [y.op for y in ys]
        seen = set()
        while stack:
            op = stack.pop()
            if op in seen:
                continue
            seen.add(op)
            if op in reach_fwd:
                between.add(op)
                stack.extend(t.op for t in op._inputs)

        grads = {}
        for i, y in enumerate(ys):
            if grad_ys is not None and grad_ys[i] is not None:
                gy = _graph.convert_to_tensor(grad_ys[i], dtype=y.dtype, name="grad_ys_%d" % i)
                if not gy.shape.is_compatible_with(y.shape):
                    raise ValueError("grad_ys[%d] has shape %s, incompatible with y %s of shape %s"
                                     % (i, _ts.shape_str(gy.shape), y.name, _ts.shape_str(y.shape)))
            else:
                if not _differentiable(y):
                    raise TypeError("gradients: y %s has dtype %s; only floating-point tensors "
                                    "can be differentiated" % (y.name, y.dtype.name))
                gy = array_ops.ones_like(y, name="grad_ys_%d" % i)
            grads.setdefault(y, []).append(gy)

        for op in sorted(between, key=lambda o: o._id, reverse=True):
            out_grads = [_aggregate(grads.get(t), math_ops) for t in op._outputs]
            if all(g is None for g in out_grads):
                continue
            if any(t in stops for t in op._outputs):
                continue
            op_def = op._op_def
            if op_def.not_differentiable:
                continue
            if op_def.gradient is None:
                raise LookupError("No gradient defined for operation '%s' (op type: %s)"
                                  % (op.name, op.type))
            for k, t in enumerate(op._outputs):
                if out_grads[k] is None and _differentiable(t):
                    out_grads[k] = array_ops.zeros_like(t)
            with graph.name_scope(op.name + "_grad"):
                in_grads = op_def.gradient(op, *out_grads)
            in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
            if len(in_grads) != len(op._inputs):
                raise ValueError("Gradient function of %s (%s) returned %d gradients for %d "
                                 "inputs" % (op.name, op.type, len(in_grads), len(op._inputs)))
            for t, g in zip(op._inputs, in_grads):
                if g is None or not _differentiable(t):
                    continue
                g = _graph.convert_to_tensor(g)
                if not g.shape.is_compatible_with(t.shape):
                    raise ValueError("Gradient of %s (%s) for input %s has shape %s, but the "
                                     "input has shape %s" % (op.name, op.type, t.name,
                                                             _ts.shape_str(g.shape),
                                                             _ts.shape_str(t.shape)))
                grads.setdefault(t, []).append(g)

        result = []
        for x in xs:
            g = _aggregate(grads.get(x), math_ops)
            if g is None and unconnected_gradients == "zero":
                g = array_ops.zeros_like(x)
            result.append(g)
        return result


def _aggregate(contribs, math_ops):
    if not contribs:
        return None
    if len(contribs) == 1:
        return contribs[0]
    return math_ops.add_n(contribs)
