"""Clipping: `clip_by_value`, `global_norm`, `clip_by_global_norm`, composed as in TF1."""
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.ops.math_ops import add_n, maximum, minimum, multiply, realdiv, subtract, add


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """`t` with values below `clip_value_min` / above `clip_value_max` set to those bounds.

    Built as TF1 does: `maximum(minimum(t, max), min)`, so at a bound the gradient still
    flows to `t` (the ties rule of `minimum`/`maximum`).

    Args:
      t: a numeric tensor of shape `[d0, ..., dn-1]`.
      clip_value_min: a scalar or a tensor broadcastable to `t`'s shape.
      clip_value_max: a scalar or a tensor broadcastable to `t`'s shape.
      name: name scope; the final `Maximum` op is named by it (default "clip_by_value").

    Returns:
      A tensor of `t`'s dtype and shape.

    Raises:
      ValueError: if a bound would broadcast `t` to a larger shape.
    """
    with _graph.name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = _graph.convert_to_tensor(t, name="t")
        t_min = minimum(values, clip_value_max)
        _check_same_shape(values, t_min, "clip_value_max")
        t_max = maximum(t_min, clip_value_min, name=scope)
        _check_same_shape(values, t_max, "clip_value_min")
        return t_max


def _check_same_shape(values, out, what):
    try:
        values.shape.merge_with(out.shape)
    except ValueError:
        raise ValueError("clip_by_value: %s would broadcast %s of shape %s to shape %s"
                         % (what, values.name, _ts.shape_str(values.shape),
                            _ts.shape_str(out.shape)))


def _tensor_list(t_list, what):
    if isinstance(t_list, str) or not isinstance(t_list, (list, tuple)):
        raise TypeError("%s should be a sequence, got %r" % (what, t_list))
    return list(t_list)


def global_norm(t_list, name=None):
    """sqrt(sum of the squares of every element of every tensor in `t_list`).

    Args:
      t_list: a list of float tensors of one dtype (None entries are ignored).
      name: name scope (default "global_norm"); the result op is "<scope>/global_norm".

    Returns:
      A scalar of the tensors' dtype.

    Raises:
      TypeError: if `t_list` is not a sequence.
    """
    from minigraph.ops.reduction_ops import reduce_sum
    from minigraph.ops.unary_ops import sqrt, square
    t_list = _tensor_list(t_list, "t_list")
    with _graph.name_scope(name, "global_norm", [t for t in t_list if t is not None]):
        values = [_graph.convert_to_tensor(t, name="t_%d" % i)
                  for i, t in enumerate(t_list) if t is not None]
        if not values:
            raise ValueError("global_norm needs at least one tensor that is not None")
        squares = add_n([reduce_sum(square(v)) for v in values])
        return sqrt(squares, name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor in `t_list` by clip_norm / max(global_norm, clip_norm).

    Args:
      t_list: a list of float tensors (None entries stay None).
      clip_norm: a positive scalar, the largest allowed global norm.
      use_norm: optional precomputed global norm to use instead of computing it.
      name: name scope (default "clip_by_global_norm").

    Returns:
      `(list_clipped, global_norm)`: the scaled tensors (each an Identity named
      "<scope>/<scope>_<i>", as TF1 names them) and the global norm used. If the norm is
      inf or NaN, every clipped value is NaN, as in TF1.

    Raises:
      TypeError: if `t_list` is not a sequence.
    """
    from minigraph.ops import array_ops
    from minigraph.ops.unary_ops import cast
    t_list = _tensor_list(t_list, "t_list")
    real = [t for t in t_list if t is not None]
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with _graph.name_scope(name, "clip_by_global_norm", real + [clip_norm]) as scope:
        use_norm = _graph.convert_to_tensor(use_norm)
        clip_norm = _graph.convert_to_tensor(clip_norm, dtype=use_norm.dtype, name="clip_norm")
        scale = multiply(clip_norm, minimum(realdiv(1.0, use_norm), realdiv(1.0, clip_norm)))
        # A non-finite norm makes the scale NaN rather than silently passing values through.
        scale = add(scale, subtract(use_norm, use_norm))
        clipped = []
        for i, t in enumerate(t_list):
            if t is None:
                clipped.append(None)
                continue
            t = _graph.convert_to_tensor(t, name="t_%d" % i)
            clipped.append(array_ops.identity(multiply(t, cast(scale, t.dtype)),
                                              name="%s_%d" % (scope, i)))
        return clipped, use_norm
