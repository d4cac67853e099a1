"""Ops that grow a tensor: tile, pad (constant and mirror), broadcast_to.

Re-exported by `array_ops`.
"""
import numpy as np

from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops import array_ops as _a
from minigraph.ops.concat_ops import stack, _is_tensor_like


# -- tile -----------------------------------------------------------------------------------------
class Tile(Op):
    """Its input repeated `multiples[i]` times along each dimension i."""

    def infer(self, op):
        x, m_t = op.inputs
        _a.check_vector(op, m_t, "multiples")
        if x.shape.ndims is not None and m_t.shape.ndims == 1 and m_t.shape[0].value is not None \
                and m_t.shape[0].value != x.shape.ndims:
            raise ValueError("Shape must be rank %d but is rank %d for '%s' (op: '%s') with "
                             "input shapes: %s." % (x.shape.ndims, m_t.shape[0].value, op.name,
                                                    op.type, _a.input_shapes(op)))
        mult = _a.int_vector_value(m_t)
        if x.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape(None if mult is None else len(mult)))]
        dims = x.shape.as_list()
        if mult is None:
            return [(x.dtype, _ts.unknown_shape(len(dims)))]
        out = []
        for d, m in zip(dims, mult):
            if m is not None and m < 0:
                raise ValueError("Expected multiples to be non-negative, got %s for '%s' (op: "
                                 "'%s')" % (mult, op.name, op.type))
            out.append(0 if m == 0 or d == 0 else (None if d is None or m is None else d * m))
        return [(x.dtype, out)]

    def compute(self, op, x, multiples):
        if np.any(multiples < 0):
            raise ValueError("Expected multiples to be non-negative, got %s" % multiples.tolist())
        return np.tile(x, multiples)

    def gradient(self, op, grad):
        from minigraph.ops import math_ops
        x, multiples = op.inputs
        # Row-major [m0, d0, m1, d1, ...] view of the output: summing the m axes undoes tiling.
        dims = _a.shape(x, out_type=multiples.dtype)
        interleaved = _a.reshape(_a.transpose(stack([multiples, dims])), [-1])
        r = x.shape.ndims
        if r is not None:
            axes = list(range(0, 2 * r, 2))
        else:
            axes = _a.range(0, _a.size(interleaved), 2)
        g = math_ops.reduce_sum(_a.reshape(grad, interleaved), axes)
        return [_a.reshape(g, _a.shape(x)), None]


def tile(input, multiples, name=None):  # noqa: A002
    """`input` repeated `multiples[i]` times along dimension i (op `Tile`).

    Args:
      input: a tensor of shape `[d0, ..., dn-1]`.
      multiples: int vector of length n, each >= 0.
      name: op name (default "Tile").

    Returns:
      A tensor of shape `[d0 * multiples[0], ..., dn-1 * multiples[n-1]]`.

    Raises:
      ValueError: if `multiples` has the wrong length or a negative entry.
    """
    with _graph.name_scope(name, "Tile", [input, multiples]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        m = _a.int_input(multiples, "multiples", "tile's multiples")
        return make_tensor("Tile", [x, m], None, scope)


# -- pad ------------------------------------------------------------------------------------------
def _pad_shape(op, mode=None):
    x, p_t = op.inputs[0], op.inputs[1]
    if p_t.shape.ndims is not None and p_t.shape.ndims != 2:
        raise ValueError("Shape must be rank 2 but is rank %d for '%s' (op: '%s') with input "
                         "shapes: %s." % (p_t.shape.ndims, op.name, op.type, _a.input_shapes(op)))
    r = x.shape.ndims
    if r is None and p_t.shape.ndims == 2:
        r = p_t.shape[0].value
    p = static_value(p_t)
    if p is None or x.shape.ndims is None:
        return _ts.unknown_shape(r)
    p = np.asarray(p)
    if p.shape != (x.shape.ndims, 2):
        raise ValueError("The first dimension of paddings must be the rank of inputs: paddings "
                         "of shape %s for an input of shape %s in '%s' (op: '%s')"
                         % (list(p.shape), _ts.shape_str(x.shape), op.name, op.type))
    if np.any(p < 0):
        raise ValueError("Paddings must be non-negative, got %s for '%s' (op: '%s') with input "
                         "shapes: %s." % (p.tolist(), op.name, op.type, _a.input_shapes(op)))
    out = []
    for d, (lo, hi) in zip(x.shape.as_list(), p.tolist()):
        if mode is not None and d is not None:
            limit = d - 1 if mode == "REFLECT" else d
            if lo > limit or hi > limit:
                raise ValueError("paddings must be no greater than the dimension size%s: %d, %d "
                                 "greater than %d for '%s' (op: '%s') with input shapes: %s."
                                 % (" minus one" if mode == "REFLECT" else "", lo, hi, limit,
                                    op.name, op.type, _a.input_shapes(op)))
        out.append(None if d is None else d + lo + hi)
    return _ts.TensorShape(out)


def _check_paddings(p):
    if np.any(p < 0):
        raise ValueError("Paddings must be non-negative: %s" % p.tolist())


class Pad(Op):
    """Its input padded with zeros: `paddings[i] = [before, after]` for dimension i."""

    def infer(self, op):
        return [(op.inputs[0].dtype, _pad_shape(op))]

    def compute(self, op, x, paddings):
        _check_paddings(paddings)
        return np.pad(x, paddings, mode="constant")

    def gradient(self, op, grad):
        return [_unpad(op, grad), None]


class PadV2(Op):
    """Its input padded with the scalar `constant_values`."""

    def infer(self, op):
        x, _, c = op.inputs
        _a.check_scalar(op, c, "constant_values")
        if c.dtype != x.dtype:
            raise TypeError("constant_values of dtype %s does not match the input dtype %s in "
                            "'%s' (op: 'PadV2')" % (c.dtype.name, x.dtype.name, op.name))
        return [(x.dtype, _pad_shape(op))]

    def compute(self, op, x, paddings, c):
        _check_paddings(paddings)
        return np.pad(x, paddings, mode="constant", constant_values=c)

    def gradient(self, op, grad):
        return [_unpad(op, grad), None, None]


def _unpad(op, grad):
    """The part of `grad` that lies over the unpadded input of pad op `op`."""
    x, p = op.inputs[0], op.inputs[1]
    begin = _a.reshape(_a.slice(p, [0, 0], _a.stack([_a.rank(x), 1])), [-1])
    return _a.slice(grad, begin, _a.shape(x))


class MirrorPad(Op):
    """Its input padded with its own mirror image (`mode` REFLECT or SYMMETRIC)."""

    def infer(self, op):
        return [(op.inputs[0].dtype, _pad_shape(op, op.attrs["mode"]))]

    def compute(self, op, x, paddings):
        _check_paddings(paddings)
        mode = op.attrs["mode"]
        for d, (lo, hi) in zip(x.shape, paddings):
            limit = d - 1 if mode == "REFLECT" else d
            if lo > limit or hi > limit:
                raise ValueError("paddings must be no greater than the dimension size: %d, %d "
                                 "greater than %d" % (lo, hi, limit))
        return np.pad(x, paddings, mode="reflect" if mode == "REFLECT" else "symmetric")

    def gradient(self, op, grad):
        return [make_tensor("MirrorPadGrad", [grad, op.inputs[1]], {"mode": op.attrs["mode"]}),
                None]


class MirrorPadGrad(Op):
    """The gradient of MirrorPad: each padded border folded back onto the cells it copied."""

    def infer(self, op):
        g, p_t = op.inputs
        p = static_value(p_t)
        if p is None or g.shape.ndims is None:
            return [(g.dtype, _ts.unknown_shape(g.shape.ndims))]
        p = np.asarray(p)
        return [(g.dtype, [None if d is None else d - lo - hi
                           for d, (lo, hi) in zip(g.shape.as_list(), p.tolist())])]

    def compute(self, op, g, paddings):
        shift = 1 if op.attrs["mode"] == "REFLECT" else 0
        out = g
        for axis, (lo, hi) in enumerate(paddings.tolist()):
            out = np.moveaxis(out, axis, 0)
            core = out[lo:out.shape[0] - hi].copy()
            n = core.shape[0]
            for k in range(lo):  # padded row k mirrors core row lo - 1 - k + shift
                core[lo - 1 - k + shift] += out[k]
            for k in range(hi):
                core[n - 1 - k - shift] += out[lo + n + k]
            out = np.moveaxis(core, 0, axis)
        return np.ascontiguousarray(out)

    def gradient(self, op, grad):
        return [make_tensor("MirrorPad", [grad, op.inputs[1]], {"mode": op.attrs["mode"]}), None]


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):  # noqa: A002
    """Pad `tensor`: `paddings[i] = [before_i, after_i]` elements around dimension i.

    Ops: `Pad` (mode CONSTANT with 0), `PadV2` (other constant), `MirrorPad` (REFLECT,
    which does not repeat the border, or SYMMETRIC, which does), as in TF1.

    Args:
      tensor: a tensor of shape `[d0, ..., dn-1]`.
      paddings: int tensor or list of shape `[n, 2]`, entries >= 0 (for REFLECT at most
        `d_i - 1`, for SYMMETRIC at most `d_i`).
      mode: "CONSTANT", "REFLECT" or "SYMMETRIC" (case-insensitive).
      name: op name.
      constant_values: the scalar to pad with in CONSTANT mode (same dtype as `tensor`).

    Returns:
      A tensor of shape `[d0 + before_0 + after_0, ...]`.

    Raises:
      ValueError: for an unknown mode, bad paddings shape, or paddings too large.
    """
    m = str(mode).upper()
    if m == "CONSTANT":
        if not _is_tensor_like(constant_values) and np.all(np.asarray(constant_values) == 0):
            with _graph.name_scope(name, "Pad", [tensor, paddings]) as scope:
                x = _graph.convert_to_tensor(tensor, name="input")
                p = _a.int_input(paddings, "paddings", "pad's paddings")
                return make_tensor("Pad", [x, p], None, scope)
        with _graph.name_scope(name, "PadV2", [tensor, paddings, constant_values]) as scope:
            x = _graph.convert_to_tensor(tensor, name="input")
            p = _a.int_input(paddings, "paddings", "pad's paddings")
            c = _graph.convert_to_tensor(constant_values, dtype=None if _is_tensor_like(
                constant_values) else x.dtype, name="constant_values")
            return make_tensor("PadV2", [x, p, c], None, scope)
    if m not in ("REFLECT", "SYMMETRIC"):
        raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", '
                         'or "SYMMETRIC". Received `mode` = %s' % m)
    with _graph.name_scope(name, "MirrorPad", [tensor, paddings]) as scope:
        x = _graph.convert_to_tensor(tensor, name="input")
        p = _a.int_input(paddings, "paddings", "pad's paddings")
        return make_tensor("MirrorPad", [x, p], {"mode": m}, scope)


# -- broadcast_to --------------------------------------------------------------------
class BroadcastTo(Op):
    """Its input broadcast (NumPy rules) to the shape given by its second input."""

    aliases_input = True

    def infer(self, op):
        x, s_t = op.inputs
        _a.check_vector(op, s_t, "shape")
        target = _a.constant_value_as_shape(s_t)
        if target.ndims is None or x.shape.ndims is None:
            return [(x.dtype, target)]
        if x.shape.ndims > target.ndims:
            raise ValueError("Shape must be at most rank %d but is rank %d for '%s' (op: '%s') "
                             "with input shapes: %s." % (target.ndims, x.shape.ndims, op.name,
                                                         op.type, _a.input_shapes(op)))
        xs = [1] * (target.ndims - x.shape.ndims) + x.shape.as_list()
        out = []
        for a, b in zip(xs, target.as_list()):
            if a is not None and a != 1 and b is not None and a != b:
                raise ValueError("Dimensions must be equal, but are %d and %d for '%s' (op: "
                                 "'%s') with input shapes: %s; cannot broadcast %s to %s."
                                 % (a, b, op.name, op.type, _a.input_shapes(op),
                                    _ts.shape_str(x.shape), _ts.shape_str(target)))
            out.append(b if b is not None else (a if a != 1 else None))
        return [(x.dtype, out)]

    def compute(self, op, x, shape):
        return np.broadcast_to(x, tuple(int(d) for d in shape))

    def gradient(self, op, grad):
        from minigraph.ops import math_ops
        return [math_ops.sum_to_shape(grad, op.inputs[0]), None]


def broadcast_to(input, shape, name=None):  # noqa: A002
    """`input` broadcast to `shape` with NumPy rules (op `BroadcastTo`).

    Args:
      input: a tensor whose shape broadcasts to `shape`.
      shape: int vector, the target shape.
      name: op name (default "BroadcastTo").

    Returns:
      A tensor of shape `shape`.

    Raises:
      ValueError: if `input`'s static shape cannot broadcast to `shape`.
    """
    with _graph.name_scope(name, "BroadcastTo", [input, shape]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        s = _a.int_input(shape, "shape", "broadcast_to's shape")
        return make_tensor("BroadcastTo", [x, s], None, scope)
