"""Linear-algebra ops: `Qr`, `DiagPart`, `Diag` (what the orthogonal initializer needs)."""
import numpy as np

from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_op, make_tensor


class Qr(Op):
    """QR decomposition of the inner matrices of `input` [..., M, N].

    Outputs q [..., M, K] and r [..., K, N], K = min(M, N) (`full_matrices` False), or
    q [..., M, M] and r [..., M, N]. No gradient is defined (TF1 defines one for M >= N
    only); differentiating through it raises LookupError naming the op.
    """

    def infer(self, op):
        x = op.inputs[0]
        if not x.dtype.is_floating:
            raise TypeError("Qr (op '%s') needs a floating point input, got %s %s"
                            % (op.name, x.name, x.dtype.name))
        shape = x.shape
        if shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape()), (x.dtype, _ts.unknown_shape())]
        if shape.ndims < 2:
            raise ValueError("Shape must be at least rank 2 but is rank %d for '%s' (op: 'Qr') "
                             "with input shape %s." % (shape.ndims, op.name, _ts.shape_str(shape)))
        batch, m, n = shape.as_list()[:-2], shape[-2].value, shape[-1].value
        if op.attrs["full_matrices"]:
            k_q, k_r = m, m
        else:
            k_q = k_r = None if m is None or n is None else min(m, n)
        return [(x.dtype, batch + [m, k_q]), (x.dtype, batch + [k_r, n])]

    def compute(self, op, x):
        mode = "complete" if op.attrs["full_matrices"] else "reduced"
        q, r = np.linalg.qr(x, mode=mode)
        return q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)


def qr(input, full_matrices=False, name=None):  # noqa: A002 - TF1 argument name
    """(q, r) with q orthonormal columns and r upper triangular, `input = q @ r`."""
    x = _graph.convert_to_tensor(input)
    op = make_op("Qr", [x], {"full_matrices": bool(full_matrices)}, name)
    return op.outputs[0], op.outputs[1]


def _half_rank(op, shape, what):
    if shape.ndims is None:
        return None
    if shape.ndims % 2 or shape.ndims == 0:
        raise ValueError("%s (op '%s'): input must have even, nonzero rank, got shape %s"
                         % (what, op.name, _ts.shape_str(shape)))
    return shape.ndims // 2


class DiagPart(Op):
    """The diagonal of `input` [D1..Dk, D1..Dk] -> [D1..Dk]."""

    def infer(self, op):
        x = op.inputs[0]
        k = _half_rank(op, x.shape, "DiagPart")
        if k is None:
            return [(x.dtype, _ts.unknown_shape())]
        dims = x.shape.as_list()
        out = []
        for a, b in zip(dims[:k], dims[k:]):
            if a is not None and b is not None and a != b:
                raise ValueError("Invalid dimensions for DiagPart (op '%s'): input shape %s is "
                                 "not [D1..Dk, D1..Dk]" % (op.name, _ts.shape_str(x.shape)))
            out.append(a if a is not None else b)
        return [(x.dtype, out)]

    def compute(self, op, x):
        k = x.ndim // 2
        n = int(np.prod(x.shape[:k]))
        return np.ascontiguousarray(np.diagonal(x.reshape(n, n))).reshape(x.shape[:k])

    def gradient(self, op, grad):
        return [diag(grad)]


def diag_part(input, name=None):  # noqa: A002
    """The diagonal part of `input` (shape [D1..Dk, D1..Dk] -> [D1..Dk])."""
    return make_tensor("DiagPart", [_graph.convert_to_tensor(input)], None, name)


class Diag(Op):
    """A diagonal tensor [D1..Dk, D1..Dk] with `diagonal` [D1..Dk] on its diagonal."""

    def infer(self, op):
        x = op.inputs[0]
        if x.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape())]
        if x.shape.ndims == 0:
            raise ValueError("Diag (op '%s') needs an input of rank >= 1, got a scalar %s"
                             % (op.name, x.name))
        return [(x.dtype, x.shape.as_list() * 2)]

    def compute(self, op, x):
        n = x.size
        out = np.zeros((n, n), dtype=x.dtype)
        out[np.arange(n), np.arange(n)] = x.ravel()
        return out.reshape(x.shape + x.shape)

    def gradient(self, op, grad):
        return [diag_part(grad)]


def diag(diagonal, name=None):
    """A tensor with `diagonal` [D1..Dk] on the diagonal of shape [D1..Dk, D1..Dk]."""
    return make_tensor("Diag", [_graph.convert_to_tensor(diagonal)], None, name)
