"""Matrix products: `matmul` (ops `MatMul` and `BatchMatMulV2`) and `tensordot`.

As in TF1, `matmul` of two rank-2 tensors is a `MatMul` with transpose attributes; any
operand of higher (or unknown) rank makes it a `BatchMatMulV2` with adjoint attributes,
whose leading (batch) dimensions broadcast.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor
from minigraph.ops.math_ops import (FLOATS, binary_inputs, broadcast_static_shape, check_dtype,
                                    check_same_dtype, sum_to_shape)

_MATMUL_TYPES = FLOATS + (dtypes.int32, dtypes.int64)


def _shapes(op):
    return ", ".join(_ts.shape_str(t.shape) for t in op.inputs)


def _check_inner(op, k_a, k_b):
    if k_a is not None and k_b is not None and k_a != k_b:
        raise ValueError("Dimensions must be equal, but are %d and %d for '%s' (op: '%s') with "
                         "input shapes: %s." % (k_a, k_b, op.name, op.type, _shapes(op)))


class MatMul(Op):
    """a @ b for matrices; attrs `transpose_a`, `transpose_b` transpose an operand first."""

    def infer(self, op):
        a, b = op.inputs
        check_dtype(op, a, "a", _MATMUL_TYPES)
        check_same_dtype(op, a, b, "a", "b")
        for t in (a, b):
            if t.shape.ndims is not None and t.shape.ndims != 2:
                raise ValueError("Shape must be rank 2 but is rank %d for '%s' (op: '%s') with "
                                 "input shapes: %s." % (t.shape.ndims, op.name, op.type,
                                                        _shapes(op)))
        sa = a.shape.as_list() if a.shape.ndims else [None, None]
        sb = b.shape.as_list() if b.shape.ndims else [None, None]
        m, k_a = sa[::-1] if op.attrs["transpose_a"] else sa
        k_b, n = sb[::-1] if op.attrs["transpose_b"] else sb
        _check_inner(op, k_a, k_b)
        return [(a.dtype, [m, n])]

    def compute(self, op, a, b):
        if op.attrs["transpose_a"]:
            a = a.T
        if op.attrs["transpose_b"]:
            b = b.T
        if a.shape[1] != b.shape[0]:
            raise ValueError("Matrix size-incompatible: In[0]: %s, In[1]: %s"
                             % (list(a.shape), list(b.shape)))
        if a.dtype in (np.float32, np.float64):
            # The conv kernels' BLAS path (AVX-512 where NumPy's OpenBLAS picks AVX2, our
            # threads instead of OpenBLAS's spinning pool), so a fused MatMul + BiasAdd
            # and this op give the same numbers.
            from minigraph.ops.kernels import _blas
            out = np.empty((a.shape[0], b.shape[1]), a.dtype)
            return _blas.matmul_into(np.ascontiguousarray(a), b, out)
        return np.asarray(np.matmul(a, b))

    def gradient(self, op, grad):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            return [matmul(grad, b, transpose_b=True), matmul(a, grad, transpose_a=True)]
        if not ta and tb:
            return [matmul(grad, b), matmul(grad, a, transpose_a=True)]
        if ta and not tb:
            return [matmul(b, grad, transpose_b=True), matmul(a, grad)]
        return [matmul(b, grad, transpose_a=True, transpose_b=True),
                matmul(grad, a, transpose_a=True, transpose_b=True)]


class BatchMatMulV2(Op):
    """Batched a @ b over the last two dims; batch dims broadcast; attrs `adj_x`, `adj_y`."""

    def infer(self, op):
        x, y = op.inputs
        check_dtype(op, x, "x", _MATMUL_TYPES)
        check_same_dtype(op, x, y)
        for t in (x, y):
            if t.shape.ndims is not None and t.shape.ndims < 2:
                raise ValueError("Shape must be at least rank 2 but is rank %d for '%s' (op: "
                                 "'%s') with input shapes: %s." % (t.shape.ndims, op.name,
                                                                   op.type, _shapes(op)))
        if x.shape.ndims is None or y.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape())]
        sx, sy = x.shape.as_list(), y.shape.as_list()
        m, k_x = sx[-2:][::-1] if op.attrs["adj_x"] else sx[-2:]
        k_y, n = sy[-2:][::-1] if op.attrs["adj_y"] else sy[-2:]
        _check_inner(op, k_x, k_y)
        try:
            batch = broadcast_static_shape(op, _ts.TensorShape(sx[:-2]),
                                           _ts.TensorShape(sy[:-2]))
        except ValueError:
            raise ValueError("Batch dimensions %s and %s do not broadcast for '%s' (op: '%s') "
                             "with input shapes: %s." % (sx[:-2], sy[:-2], op.name, op.type,
                                                         _shapes(op)))
        return [(x.dtype, batch.as_list() + [m, n])]

    def compute(self, op, x, y):
        if op.attrs["adj_x"]:
            x = np.swapaxes(x, -1, -2)
        if op.attrs["adj_y"]:
            y = np.swapaxes(y, -1, -2)
        if x.shape[-1] != y.shape[-2]:
            raise ValueError("Matrix size-incompatible: In[0]: %s, In[1]: %s"
                             % (list(x.shape), list(y.shape)))
        return np.asarray(np.matmul(x, y))

    def gradient(self, op, grad):
        x, y = op.inputs
        ax, ay = op.attrs["adj_x"], op.attrs["adj_y"]
        if not ax and not ay:
            gx, gy = matmul(grad, y, adjoint_b=True), matmul(x, grad, adjoint_a=True)
        elif not ax and ay:
            gx, gy = matmul(grad, y), matmul(grad, x, adjoint_a=True)
        elif ax and not ay:
            gx, gy = matmul(y, grad, adjoint_b=True), matmul(x, grad)
        else:
            gx = matmul(y, grad, adjoint_a=True, adjoint_b=True)
            gy = matmul(grad, x, adjoint_a=True, adjoint_b=True)
        # Broadcast batch dims are summed back to each operand's own batch shape.
        return [sum_to_shape(gx, x), sum_to_shape(gy, y)]


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None):
    """The matrix product `a @ b`, batched over leading dimensions (TF1's `matmul`).

    Args:
      a: a tensor `[..., m, k]` (`[..., k, m]` if transposed), float or int32/int64.
      b: a tensor `[..., k, n]` (`[..., n, k]` if transposed) of `a`'s dtype.
      transpose_a, transpose_b: transpose the last two dims of an operand first.
      adjoint_a, adjoint_b: the same for real tensors (conjugate transpose).
      a_is_sparse, b_is_sparse: accepted for compatibility; ignored.
      name: op name (default "MatMul").

    Returns:
      `[m, n]` (op `MatMul`) for two matrices; otherwise `[..., m, n]` with the batch
      dimensions broadcast (op `BatchMatMulV2`).

    Raises:
      ValueError: if both transpose and adjoint are set for an operand, a rank is below 2,
        or the inner dimensions differ.
      TypeError: if the dtypes differ or are not supported.
    """
    with _graph.name_scope(name, "MatMul", [a, b]) as scope:
        if transpose_a and adjoint_a:
            raise ValueError("Only one of transpose_a and adjoint_a can be True.")
        if transpose_b and adjoint_b:
            raise ValueError("Only one of transpose_b and adjoint_b can be True.")
        a, b = binary_inputs("MatMul", a, b, names=("a", "b"))
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or ra > 2 or rb is None or rb > 2:
            return make_tensor("BatchMatMulV2", [a, b],
                               {"adj_x": bool(adjoint_a or transpose_a),
                                "adj_y": bool(adjoint_b or transpose_b)}, scope)
        return make_tensor("MatMul", [a, b],
                           {"transpose_a": bool(transpose_a or adjoint_a),
                            "transpose_b": bool(transpose_b or adjoint_b)}, scope)


# -- tensordot ------------------------------------------------------------------------------------
def _tensordot_axes(a, b, axes):
    if isinstance(axes, np.ndarray):
        axes = axes.tolist()
    if isinstance(axes, (int, np.integer)):
        if axes < 0:
            raise ValueError("'axes' must be at least 0, got %d." % axes)
        if a.shape.ndims is None:
            raise ValueError("tensordot(%s, %s, axes=%d) needs the rank of %s to be known"
                             % (a.name, b.name, axes, a.name))
        if axes > a.shape.ndims or (b.shape.ndims is not None and axes > b.shape.ndims):
            raise ValueError("'axes' must not be larger than the number of dimensions of "
                             "tensor %s (%s) or %s (%s), got %d."
                             % (a.name, _ts.shape_str(a.shape), b.name,
                                _ts.shape_str(b.shape), axes))
        r = a.shape.ndims
        return list(range(r - axes, r)), list(range(axes))
    if isinstance(axes, (list, tuple)) and len(axes) == 2:
        a_axes, b_axes = axes
        a_axes = [int(a_axes)] if np.ndim(a_axes) == 0 else [int(i) for i in a_axes]
        b_axes = [int(b_axes)] if np.ndim(b_axes) == 0 else [int(i) for i in b_axes]
        if len(a_axes) != len(b_axes):
            raise ValueError("Different number of contraction axes 'a' and 'b', %d != %d."
                             % (len(a_axes), len(b_axes)))
        return a_axes, b_axes
    raise ValueError("'axes' must be an int or a pair of axis lists, got %r." % (axes,))


def _tensordot_reshape(t, axes, flipped):
    """`t` transposed and reshaped to a matrix [free, contracted] (or flipped), plus the
    free dims (static list) for the final reshape."""
    from minigraph.ops import array_ops
    from minigraph.ops.reduction_ops import reduce_prod
    rank = t.shape.ndims
    if rank is None:
        raise ValueError("tensordot needs the rank of %s to be known" % t.name)
    for i in axes:
        if not -rank <= i < rank:
            raise ValueError("tensordot: axis %d is out of range for %s of shape %s"
                             % (i, t.name, _ts.shape_str(t.shape)))
    axes = [i % rank for i in axes]
    free = [i for i in range(rank) if i not in axes]
    dims = t.shape.as_list()
    free_dims = [dims[i] for i in free]
    perm = axes + free if flipped else free + axes
    if perm != list(range(rank)):
        t = array_ops.transpose(t, perm)
    if t.shape.is_fully_defined():
        n_free = int(np.prod(free_dims, dtype=np.int64))
        n_axes = int(np.prod([dims[i] for i in axes], dtype=np.int64))
        new_shape = [n_axes, n_free] if flipped else [n_free, n_axes]
    else:
        s = array_ops.shape(t)
        k = len(axes) if flipped else len(free)
        lead, trail = reduce_prod(s[:k]), reduce_prod(s[k:])
        new_shape = array_ops.stack([lead, trail])
    if t.shape.as_list() != new_shape:
        t = array_ops.reshape(t, new_shape)
    return t, free_dims, free


def tensordot(a, b, axes, name=None):
    """The sum of products of `a` and `b` over the given axes (TF1's `tensordot`).

    Args:
      a: a float tensor of known rank.
      b: a tensor of `a`'s dtype and known rank.
      axes: an int N (the last N axes of `a` with the first N of `b`), or a pair of axis
        lists `[a_axes, b_axes]` of equal length whose dims must match.
      name: name scope (default "Tensordot").

    Returns:
      A tensor of shape `a`'s free dims + `b`'s free dims, built (as TF1 does) from
      transposes, reshapes and one `MatMul`.

    Raises:
      ValueError: if `axes` is malformed or the contracted dims differ.
    """
    from minigraph.ops import array_ops
    with _graph.name_scope(name, "Tensordot", [a, b, axes]) as scope:
        a, b = binary_inputs("Tensordot", a, b, names=("a", "b"))
        a_axes, b_axes = _tensordot_axes(a, b, axes)
        for ia, ib in zip(a_axes, b_axes):
            da = a.shape[ia].value if a.shape.ndims and -a.shape.ndims <= ia < a.shape.ndims \
                else None
            db = b.shape[ib].value if b.shape.ndims and -b.shape.ndims <= ib < b.shape.ndims \
                else None
            if da is not None and db is not None and da != db:
                raise ValueError("tensordot: contracted dimension %d of %s (%s) has size %d but "
                                 "dimension %d of %s (%s) has size %d"
                                 % (ia, a.name, _ts.shape_str(a.shape), da, ib, b.name,
                                    _ts.shape_str(b.shape), db))
        a_mat, a_free_dims, a_free = _tensordot_reshape(a, a_axes, False)
        b_mat, b_free_dims, b_free = _tensordot_reshape(b, b_axes, True)
        ab = matmul(a_mat, b_mat)
        out_dims = a_free_dims + b_free_dims
        if ab.shape.as_list() == out_dims and None not in out_dims:
            return ab
        if None not in out_dims:
            return array_ops.reshape(ab, out_dims, name=scope)
        sa, sb = array_ops.shape(a), array_ops.shape(b)
        parts = [sa[i] for i in a_free] + [sb[i] for i in b_free]
        target = array_ops.stack(parts) if parts else []
        out = array_ops.reshape(ab, target, name=scope)
        out.set_shape(out_dims)
        return out
