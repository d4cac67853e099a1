"""Softmax and cross-entropy ops of `mg.nn`: softmax, log_softmax,
softmax_cross_entropy_with_logits(_v2), sparse_softmax_cross_entropy_with_logits and
sigmoid_cross_entropy_with_logits.

The cross-entropy ops are fused (one stable kernel computes the loss and its gradient
from the logits), and the wrappers build the same ops around them as TF1.15 does (the
reshapes to and from `[batch, num_classes]`), so outputs carry TF1's names, e.g.
`softmax_cross_entropy_with_logits/Reshape_2:0`.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import errors
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_op, make_tensor, static_value
from minigraph.ops import array_ops
from minigraph.ops import math_ops
from minigraph.ops.kernels import softmax as _k
from minigraph.ops.nn_activations import FLOAT_TYPES, check_dtype, merged_shape

_LABEL_TYPES = (dtypes.int32, dtypes.int64)


def _is_zero(t):
    """True when `t` is known to be all zeros (the walker's filler for unused outputs)."""
    if t is None or t.op.type == "ZerosLike":
        return True
    v = static_value(t)
    return v is not None and not np.any(v)


def _rank_at_least_1(op, x):
    if x.shape.ndims == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for '%s' (op: '%s') with "
                         "input shapes: %s." % (op.name, op.type, _ts.shape_str(x.shape)))


# -- softmax / log_softmax -------------------------------------------------------------------------
class _SoftmaxBase(Op):
    """A normalization along attr `axis` (TF1's op always uses the last axis; the wrapper
    transposes when the rank is known, and only an unknown rank uses another `axis`)."""

    abstract = True
    type = None

    def infer(self, op):
        x = op.inputs[0]
        check_dtype(op, x, FLOAT_TYPES, "logits")
        _rank_at_least_1(op, x)
        return [(x.dtype, x.shape)]


class Softmax(_SoftmaxBase):
    """exp(logits) / reduce_sum(exp(logits), axis)."""

    def compute(self, op, x):
        return _k.softmax(x, op.attrs.get("axis", -1))

    def gradient(self, op, grad):
        y, axis = op.outputs[0], op.attrs.get("axis", -1)
        return [(grad - math_ops.reduce_sum(grad * y, axis, keepdims=True)) * y]


class LogSoftmax(_SoftmaxBase):
    """logits - log(reduce_sum(exp(logits), axis))."""

    def compute(self, op, x):
        return _k.log_softmax(x, op.attrs.get("axis", -1))

    def gradient(self, op, grad):
        y, axis = op.outputs[0], op.attrs.get("axis", -1)
        return [grad - math_ops.reduce_sum(grad, axis, keepdims=True) * math_ops.exp(y)]


def _softmax(op_type, logits, axis, name):
    x = _graph.convert_to_tensor(logits)
    ndims = x.shape.ndims
    if axis == -1 or (ndims is not None and axis == ndims - 1):
        return make_tensor(op_type, [x], None, name or op_type)
    if ndims is None:
        return make_tensor(op_type, [x], {"axis": int(axis)}, name or op_type)
    if not -ndims <= axis < ndims:
        # TF1.15 raises InvalidArgumentError here, at graph construction.
        raise errors.InvalidArgumentError(
            None, None, "%s: `axis`/`dim` (%d) must be in the range [%d, %d) where %d is the "
                        "number of dimensions of the input %s of shape %s."
            % (op_type, axis, -ndims, ndims, ndims, x.name, _ts.shape_str(x.shape)))
    # TF1 swaps `axis` with the last axis around the kernel, so the output of a non-last
    # axis is the second transpose (named "transpose_1" by default).
    perm = list(range(ndims))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    y = make_tensor(op_type, [array_ops.transpose(x, perm)], None, op_type)
    return array_ops.transpose(y, perm, name=name or "transpose")


def softmax(logits, axis=None, name=None, dim=None):
    """Computes softmax activations: `exp(logits) / reduce_sum(exp(logits), axis)`.

    Op type `Softmax`. For an `axis` other than the last, TF1 (and minigraph) transpose
    `axis` to the end and back around the op, so the output is named `transpose_1`.

    Args:
      logits: a non-empty float tensor, e.g. `[batch, num_classes]`.
      axis: the dimension softmax is computed along (default -1, the last).
      name: op name (default "Softmax").
      dim: deprecated alias for `axis`.

    Returns:
      A tensor of `logits`' dtype and shape.

    Raises:
      InvalidArgumentError: if `axis` is out of range for `logits`' rank (as in TF1).
      TypeError: if `logits` is not a float tensor.
      ValueError: if `logits` is a scalar, or both `axis` and `dim` are given.
    """
    return _softmax("Softmax", logits, _axis_arg(axis, dim), name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """Computes log softmax activations: `logits - log(reduce_sum(exp(logits), axis))`.

    Op type `LogSoftmax`; stable for large logits. A non-last `axis` is transposed as in
    `softmax`.

    Args:
      logits: a non-empty float tensor, e.g. `[batch, num_classes]`.
      axis: the dimension log softmax is computed along (default -1, the last).
      name: op name (default "LogSoftmax").
      dim: deprecated alias for `axis`.

    Returns:
      A tensor of `logits`' dtype and shape.

    Raises:
      InvalidArgumentError: if `axis` is out of range for `logits`' rank (as in TF1).
      TypeError: if `logits` is not a float tensor.
      ValueError: if `logits` is a scalar, or both `axis` and `dim` are given.
    """
    return _softmax("LogSoftmax", logits, _axis_arg(axis, dim), name)


def _axis_arg(axis, dim, default=-1):
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    if axis is None:
        return default
    v = static_value(axis) if isinstance(axis, _graph.Tensor) else axis
    if v is None or np.ndim(v) != 0:
        raise TypeError("axis must be a Python int or a constant scalar tensor, got %r" % (axis,))
    return int(v)


# -- dense softmax cross entropy -------------------------------------------------------------------
def _check_xent_pair(op, logits, labels):
    check_dtype(op, logits, FLOAT_TYPES, "features")
    if logits.dtype != labels.dtype:
        raise TypeError("Input 'labels' of '%s' (op: '%s') has type %s that does not match type "
                        "%s of argument 'features'." % (op.name, op.type, labels.dtype.name,
                                                        logits.dtype.name))


class SoftmaxCrossEntropyWithLogits(Op):
    """(loss, backprop) of a `[batch, num_classes]` logits/labels pair."""

    def infer(self, op):
        logits, labels = op.inputs
        _check_xent_pair(op, logits, labels)
        for t in (logits, labels):
            if t.shape.ndims not in (None, 2):
                raise ValueError("Shape must be rank 2 but is rank %d for '%s' (op: '%s') with "
                                 "input shapes: %s, %s." % (t.shape.ndims, op.name, op.type,
                                                            _ts.shape_str(logits.shape),
                                                            _ts.shape_str(labels.shape)))
        shape = merged_shape(op, logits, labels).with_rank(2)
        return [(logits.dtype, shape[:1]), (logits.dtype, shape)]

    def compute(self, op, logits, labels):
        if logits.shape != labels.shape:
            raise errors.InvalidArgumentError(
                None, op, "logits and labels must be same size: logits_size=%s labels_size=%s "
                          "(op '%s')" % (list(logits.shape), list(labels.shape), op.name))
        return _k.softmax_xent(logits, labels)

    def gradient(self, op, grad_loss, grad_grad):
        logits = op.inputs[0]
        g = array_ops.expand_dims(grad_loss, -1)
        dlogits = g * op.outputs[1]
        dlabels = g * -log_softmax(logits)
        if not _is_zero(grad_grad):
            # A gradient of this op's gradient: backprop = softmax(logits) - labels.
            sm = softmax(logits)
            dlogits = dlogits + (grad_grad - math_ops.reduce_sum(grad_grad * sm, -1,
                                                                 keepdims=True)) * sm
            dlabels = dlabels - grad_grad
        return [dlogits, dlabels]


def _ensure_xent_args(name, sentinel, labels, logits):
    if sentinel is not None:
        raise ValueError("Only call `%s` with named arguments (labels=..., logits=..., ...)"
                         % name)
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided to `%s`." % name)


def _flatten_outer_dims(x):
    """`x` as a matrix `[prod(leading dims), last dim]` (a `Reshape`)."""
    last = x.shape[-1].value if x.shape.ndims else None
    if last is not None:
        return array_ops.reshape(x, [-1, last])
    return array_ops.reshape(x, array_ops.concat([[-1], array_ops.shape(x)[-1:]], 0))


def _xent_v2(labels, logits, axis, scope):
    """The body of TF1's softmax_cross_entropy_with_logits_v2, inside name scope `scope`."""
    logits = _graph.convert_to_tensor(logits, name="logits")
    labels = _graph.convert_to_tensor(labels, name="labels")
    precise = math_ops.cast(logits, dtypes.float32) if logits.dtype == dtypes.float16 else logits
    if labels.dtype != precise.dtype:
        labels = math_ops.cast(labels, precise.dtype)
    shape = logits.shape
    if shape.ndims == 0:
        raise ValueError("softmax_cross_entropy_with_logits '%s': logits %s must have rank >= 1, "
                         "got a scalar." % (scope.rstrip("/"), logits.name))
    if shape.ndims is not None and labels.shape.ndims is not None \
            and not shape.is_compatible_with(labels.shape):
        raise ValueError("softmax_cross_entropy_with_logits '%s': logits %s and labels %s must "
                         "have the same shape, got %s and %s."
                         % (scope.rstrip("/"), logits.name, labels.name,
                            _ts.shape_str(shape), _ts.shape_str(labels.shape)))
    ndims = shape.ndims
    if axis != -1 and not (ndims is not None and axis == ndims - 1):
        if ndims is None:
            raise ValueError("softmax_cross_entropy_with_logits '%s': axis=%d needs logits %s "
                             "of known rank." % (scope.rstrip("/"), axis, logits.name))
        if not -ndims <= axis < ndims:
            raise ValueError("softmax_cross_entropy_with_logits '%s': axis %d is out of range "
                             "for logits %s of shape %s." % (scope.rstrip("/"), axis,
                                                             logits.name, _ts.shape_str(shape)))
        # Move the class axis to the end (TF1 rotates, keeping the other axes in order).
        axis %= ndims
        perm = [i for i in range(ndims) if i != axis] + [axis]
        precise = array_ops.transpose(precise, perm)
        labels = array_ops.transpose(labels, perm)
    out_shape = precise.shape[:-1] if precise.shape.ndims is not None else None
    cost, _ = make_op("SoftmaxCrossEntropyWithLogits",
                      [_flatten_outer_dims(precise), _flatten_outer_dims(labels)], None,
                      scope).outputs
    if out_shape is not None and out_shape.is_fully_defined():
        cost = array_ops.reshape(cost, out_shape.as_list())
    else:
        cost = array_ops.reshape(cost, array_ops.shape(precise)[:-1])
        if out_shape is not None:
            cost.set_shape(out_shape)
    if logits.dtype == dtypes.float16:
        cost = math_ops.cast(cost, dtypes.float16)
    return cost


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """Computes softmax cross entropy between `logits` and `labels`; labels get gradients.

    Each row of `labels` must be a valid probability distribution. The loss is
    `-reduce_sum(labels * log_softmax(logits), axis)`, computed by one fused op of type
    `SoftmaxCrossEntropyWithLogits` on `[batch, num_classes]` reshapes of the inputs;
    the output is named `softmax_cross_entropy_with_logits/Reshape_2` as in TF1.
    Gradients of this op's gradient are exact for both inputs (TF1 drops the labels'
    share of the second derivative).

    Args:
      labels: float tensor of `logits`' shape, e.g. `[batch, num_classes]`.
      logits: float tensor of unscaled log probabilities, e.g. `[batch, num_classes]`.
      axis: the class dimension (default -1, the last).
      name: name scope (default "softmax_cross_entropy_with_logits").
      dim: deprecated alias for `axis`.

    Returns:
      A tensor of `logits`' dtype and shape without `axis`, e.g. `[batch]`.

    Raises:
      ValueError: if the shapes differ, `logits` is a scalar, or `axis` is out of range.
      TypeError: if `logits` is not a float tensor.
    """
    axis = _axis_arg(axis, dim)
    with _graph.name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        return _xent_v2(labels, logits, axis, scope)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """Computes softmax cross entropy between `logits` and `labels` (TF1's deprecated v1).

    Unlike `softmax_cross_entropy_with_logits_v2`, no gradient flows into `labels`
    (they pass through `labels_stop_gradient`). As in TF1, arguments must be named, and
    giving `axis` together with `dim` (whose default is -1) raises ValueError.

    Args:
      _sentinel: guards against positional arguments; leave unset.
      labels: float tensor of `logits`' shape, e.g. `[batch, num_classes]`.
      logits: float tensor of unscaled log probabilities, e.g. `[batch, num_classes]`.
      dim: the class dimension (default -1, the last).
      name: name scope (default "softmax_cross_entropy_with_logits_sg").
      axis: alias for `dim`.

    Returns:
      A tensor of `logits`' dtype and shape without the class dimension, e.g. `[batch]`.

    Raises:
      ValueError: if called with positional arguments, without labels/logits, or with
        mismatched shapes.
    """
    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    axis = _axis_arg(axis, dim)
    with _graph.name_scope(name, "softmax_cross_entropy_with_logits_sg",
                           [logits, labels]) as scope:
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        return _xent_v2(labels, logits, axis, scope)


# -- sparse softmax cross entropy ------------------------------------------------------------------
class SparseSoftmaxCrossEntropyWithLogits(Op):
    """(loss, backprop) of `[batch, num_classes]` logits and `[batch]` integer labels."""

    def infer(self, op):
        logits, labels = op.inputs
        check_dtype(op, logits, FLOAT_TYPES, "features")
        check_dtype(op, labels, _LABEL_TYPES, "labels")
        try:
            lshape = logits.shape.with_rank(2)
            bshape = labels.shape.with_rank(1)
            batch = lshape[:1].merge_with(bshape)
        except ValueError:
            raise ValueError("'%s' (op: '%s') needs logits of shape [batch, num_classes] and "
                             "labels of shape [batch], got %s and %s."
                             % (op.name, op.type, _ts.shape_str(logits.shape),
                                _ts.shape_str(labels.shape)))
        return [(logits.dtype, batch), (logits.dtype, batch.concatenate(lshape[1:]))]

    def compute(self, op, logits, labels):
        if logits.shape[0] != labels.shape[0]:
            raise errors.InvalidArgumentError(
                None, op, "logits and labels must have the same first dimension, got logits "
                          "shape %s and labels shape %s (op '%s')"
                          % (list(logits.shape), list(labels.shape), op.name))
        bad = _k.bad_sparse_label(labels, logits.shape[1])
        if bad is not None:
            raise errors.InvalidArgumentError(
                None, op, "Received a label value of %d which is outside the valid range of "
                          "[0, %d).  Label values: %s (labels %s of op '%s')"
                          % (bad, logits.shape[1], " ".join(str(v) for v in labels[:100]),
                             op.inputs[1].name, op.name))
        return _k.sparse_softmax_xent(logits, labels)

    def gradient(self, op, grad_loss, grad_grad):
        dlogits = array_ops.expand_dims(grad_loss, -1) * op.outputs[1]
        if not _is_zero(grad_grad):
            # TF1.15 refuses second derivatives here; backprop = softmax(logits) - onehot,
            # so its derivative is the softmax Jacobian.
            sm = softmax(op.inputs[0])
            dlogits = dlogits + (grad_grad - math_ops.reduce_sum(grad_grad * sm, -1,
                                                                 keepdims=True)) * sm
        return [dlogits, None]


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    """Computes sparse softmax cross entropy between `logits` and integer class `labels`.

    The loss is `-log_softmax(logits)[..., labels]`, computed by one fused op of type
    `SparseSoftmaxCrossEntropyWithLogits` (output named
    `SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits` for rank-2
    logits, as in TF1). Other ranks are reshaped to `[batch, num_classes]` and back.

    Args:
      _sentinel: guards against positional arguments; leave unset.
      labels: int32/int64 tensor of shape `logits.shape[:-1]`, e.g. `[batch]`, each entry in
        `[0, num_classes)`.
      logits: float tensor, e.g. `[batch, num_classes]`.
      name: op name (default "SparseSoftmaxCrossEntropyWithLogits").

    Returns:
      A tensor of `logits`' dtype and `labels`' shape, e.g. `[batch]`.

    Raises:
      ValueError: if `logits` is a scalar, the ranks or shapes do not match, or the
        arguments were positional.
      TypeError: if `labels` are not int32/int64 or `logits` are not floats.
      InvalidArgumentError: at run time, naming the op, for a label outside
        `[0, num_classes)`.
    """
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with _graph.name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        # TF1 names the op `name` inside the scope `name`: "foo/foo", or the default twice.
        op_name = name or "SparseSoftmaxCrossEntropyWithLogits"
        labels = _graph.convert_to_tensor(labels)
        logits = _graph.convert_to_tensor(logits)
        precise = math_ops.cast(logits, dtypes.float32) if logits.dtype == dtypes.float16 \
            else logits
        lshape, bshape = logits.shape, labels.shape
        if lshape.ndims == 0:
            raise ValueError("Logits cannot be scalars - received shape %s (logits %s)."
                             % (_ts.shape_str(lshape), logits.name))
        if lshape.ndims is not None and bshape.ndims is not None \
                and bshape.ndims != lshape.ndims - 1:
            raise ValueError("Rank mismatch: Rank of labels (received %d) should equal rank of "
                             "logits minus 1 (received %d); labels %s has shape %s and logits "
                             "%s has shape %s." % (bshape.ndims, lshape.ndims, labels.name,
                                                   _ts.shape_str(bshape), logits.name,
                                                   _ts.shape_str(lshape)))
        if lshape.ndims is not None and bshape.ndims is not None \
                and not bshape.is_compatible_with(lshape[:-1]):
            raise ValueError("Shape mismatch: The shape of labels (received %s) should equal the "
                             "shape of logits except for the last dimension (received %s); "
                             "labels %s, logits %s." % (_ts.shape_str(bshape),
                                                        _ts.shape_str(lshape), labels.name,
                                                        logits.name))
        # After the rank/shape checks, as in TF1 (where the op's creation checks dtypes).
        if labels.dtype not in _LABEL_TYPES:
            raise TypeError("sparse_softmax_cross_entropy_with_logits: labels %s have DataType "
                            "%s not in list of allowed values: int32, int64"
                            % (labels.name, labels.dtype.name))
        if lshape.ndims == 2:
            cost = make_op("SparseSoftmaxCrossEntropyWithLogits", [precise, labels], None,
                           op_name).outputs[0]
        else:
            flat = _flatten_outer_dims(precise)
            flat_labels = array_ops.reshape(labels, [-1])
            cost = make_op("SparseSoftmaxCrossEntropyWithLogits", [flat, flat_labels], None,
                           op_name).outputs[0]
            if bshape.is_fully_defined():
                cost = array_ops.reshape(cost, bshape.as_list())
            else:
                cost = array_ops.reshape(cost, array_ops.shape(labels))
                cost.set_shape(bshape)
        if logits.dtype == dtypes.float16:
            cost = math_ops.cast(cost, dtypes.float16)
        return cost


# -- sigmoid cross entropy -------------------------------------------------------------------------
class SigmoidCrossEntropyWithLogits(Op):
    """Elementwise logistic loss of `logits` against `labels` in [0, 1].

    TF1 composes this from ten ops under the name `logistic_loss`; one fused op is faster
    and computes the same stable form.
    """

    def infer(self, op):
        logits, labels = op.inputs
        _check_xent_pair(op, logits, labels)
        return [(logits.dtype, merged_shape(op, logits, labels))]

    def compute(self, op, logits, labels):
        return _k.sigmoid_xent(logits, labels)

    def gradient(self, op, grad):
        logits, labels = op.inputs
        return [grad * (math_ops.sigmoid(logits) - labels), grad * -logits]


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Computes sigmoid cross entropy given `logits`, for independent binary classes.

    With `x = logits`, `z = labels`: `max(x, 0) - x * z + log(1 + exp(-abs(x)))`, the
    stable form of `z * -log(sigmoid(x)) + (1 - z) * -log(1 - sigmoid(x))`.

    Args:
      _sentinel: guards against positional arguments; leave unset.
      labels: tensor of `logits`' dtype and shape, values in [0, 1].
      logits: float tensor of any shape.
      name: op name (default "logistic_loss", as in TF1).

    Returns:
      A tensor of `logits`' dtype and shape: the elementwise logistic losses.

    Raises:
      ValueError: if `logits` and `labels` have different shapes, or the arguments were
        positional.
      TypeError: if the dtypes differ or are not floats.
    """
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with _graph.name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = _graph.convert_to_tensor(logits, name="logits")
        if isinstance(labels, _graph.Tensor) or hasattr(labels, "_as_graph_element"):
            labels = _graph.convert_to_tensor(labels, name="labels")
        else:
            labels = _graph.convert_to_tensor(labels, dtype=logits.dtype, name="labels")
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError("logits and labels must have the same shape (%s vs %s): logits %s, "
                             "labels %s" % (_ts.shape_str(logits.shape),
                                            _ts.shape_str(labels.shape), logits.name,
                                            labels.name))
        return make_tensor("SigmoidCrossEntropyWithLogits", [logits, labels], None, scope)
