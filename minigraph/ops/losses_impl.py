"""TF1's `tf.losses`: weighted losses, the `Reduction` rules and the loss collections.

Every loss is built as TF1.15 builds it: inputs are cast to float32 (so float64 losses
are computed in float32 and cast back, as in TF1), the per-element losses go through
`compute_weighted_loss`, and the result lands in `GraphKeys.LOSSES` unless
`loss_collection` is None. The reduced loss is named `<scope>/value`, e.g.
`softmax_cross_entropy_loss/value:0`.

Weights are checked against the losses at graph construction when ranks are static
(TF1's `assert_broadcastable`: a scalar, or the losses' rank with each dimension 1 or
equal); TF1's run-time assert for unknown ranks is not built.
"""
from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.graph import GraphKeys
from minigraph.ops import array_ops
from minigraph.ops import math_ops
from minigraph.ops.nn_activations import relu
from minigraph.ops.nn_math import div_no_nan, squared_difference
from minigraph.ops.losses_util import add_loss
from minigraph.ops.nn_xent import (sigmoid_cross_entropy_with_logits,
                                   softmax_cross_entropy_with_logits_v2,
                                   sparse_softmax_cross_entropy_with_logits)


class Reduction:
    """How `compute_weighted_loss` reduces the weighted per-element losses (TF1 names)."""

    NONE = "none"  # the weighted losses, unreduced
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"  # sum / number of elements
    MEAN = "weighted_mean"  # sum / sum of the weights
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"  # sum / #non-zero weights
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError("Invalid Reduction Key %s. Key should be one of %s."
                             % (key, cls.all()))


# -- weighting and reduction -----------------------------------------------------------------------
def _check_broadcastable(weights, values):
    """TF1's static `assert_broadcastable`: scalar weights, or values' rank with each
    dimension 1 or equal."""
    prefix = "weights can not be broadcast to values."
    ws, vs = weights.shape, values.shape
    if ws.ndims is None or vs.ndims is None or ws.ndims == 0:
        return
    if ws.ndims != vs.ndims:
        raise ValueError("%s values.rank=%d. weights.rank=%d. values.shape=%s. weights.shape=%s. "
                         "(weights %s, values %s)" % (prefix, vs.ndims, ws.ndims,
                                                      _ts.shape_str(vs), _ts.shape_str(ws),
                                                      weights.name, values.name))
    for i, (w, v) in enumerate(zip(ws.as_list(), vs.as_list())):
        if w is not None and v is not None and w not in (1, v):
            raise ValueError("%s Mismatch at dim %d. values.shape=%s weights.shape=%s. "
                             "(weights %s, values %s)" % (prefix, i, _ts.shape_str(vs),
                                                          _ts.shape_str(ws), weights.name,
                                                          values.name))


def _broadcast_weights(weights, values):
    with _graph.name_scope(None, "broadcast_weights", (weights, values)) as scope:
        ws, vs = weights.shape, values.shape
        if ws.is_fully_defined() and vs.is_fully_defined() and ws.is_compatible_with(vs):
            return weights
        return math_ops.multiply(weights, array_ops.ones_like(values), name=scope)


def _num_present(losses, weights):
    """The number of elements of `losses` with a non-zero weight."""
    with _graph.name_scope(None, "num_present", (losses, weights)) as scope:
        weights = math_ops.cast(weights, dtypes.float32)
        present = math_ops.where(math_ops.equal(weights, 0.0), array_ops.zeros_like(weights),
                                 array_ops.ones_like(weights))
        present = _broadcast_weights(present, losses)
        return math_ops.reduce_sum(present, name=scope)


def _num_elements(losses):
    with _graph.name_scope(None, "num_elements", [losses]) as scope:
        return math_ops.cast(array_ops.size(losses, name=scope), losses.dtype)


def _safe_mean(losses, num_present):
    """sum(losses) / num_present, or 0 when nothing is present."""
    return div_no_nan(math_ops.reduce_sum(losses), num_present, name="value")


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Computes the weighted loss: `losses * weights`, reduced by `reduction`.

    Args:
      losses: a tensor of per-element losses, `[batch, d1, ..., dN]`.
      weights: a scalar, or a tensor of `losses`' rank whose dimensions are 1 or equal
        to the losses' (e.g. `[batch, 1]` weighs whole rows).
      scope: name scope (default "weighted_loss").
      loss_collection: collection the loss is added to; None adds it nowhere.
      reduction: a `Reduction` key (default SUM_BY_NONZERO_WEIGHTS: the weighted sum over
        the number of non-zero weights, 0 when there are none).

    Returns:
      A tensor of `losses`' dtype: a scalar, or `losses`' shape for `Reduction.NONE`.

    Raises:
      ValueError: if `reduction` is unknown or `weights` cannot be broadcast to `losses`.
    """
    Reduction.validate(reduction)
    with _graph.name_scope(scope, "weighted_loss", (losses, weights)):
        losses = _graph.convert_to_tensor(losses)
        input_dtype = losses.dtype
        losses = math_ops.cast(losses, dtypes.float32)
        weights = math_ops.cast(weights, dtypes.float32)
        _check_broadcastable(weights, losses)
        weighted_losses = math_ops.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted_losses
        else:
            loss = math_ops.reduce_sum(weighted_losses)
            if reduction == Reduction.MEAN:
                loss = _safe_mean(loss, math_ops.reduce_sum(
                    array_ops.ones_like(losses) * weights))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                loss = _safe_mean(loss, _num_present(losses, weights))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _safe_mean(loss, _num_elements(losses))
        loss = math_ops.cast(loss, input_dtype)
        add_loss(loss, loss_collection)
        return loss


def _require(what, value):
    if value is None:
        raise ValueError("%s must not be None." % what)


def _float32_pair(loss_name, predictions, labels):
    """`predictions` and `labels` cast to float32 (TF1 losses compute in float32), checked
    to have compatible shapes."""
    predictions = math_ops.cast(predictions, dtypes.float32)
    labels = math_ops.cast(labels, dtypes.float32)
    _check_compatible(loss_name, predictions, labels)
    return predictions, labels


def _check_compatible(loss, a, b):
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError("%s: shapes %s and %s are incompatible (%s and %s)."
                         % (loss, _ts.shape_str(a.shape), _ts.shape_str(b.shape), a.name,
                            b.name))


# -- regression losses -----------------------------------------------------------------------------
def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds a sum-of-squares loss: weighted `(predictions - labels) ** 2`, reduced.

    Args:
      labels: the ground truth, of `predictions`' shape, e.g. `[batch, d]`.
      predictions: the predicted values.
      weights: a scalar, or a tensor broadcastable to the losses (see
        `compute_weighted_loss`).
      scope: name scope (default "mean_squared_error").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A float32 scalar (or `[batch, d]` for `Reduction.NONE`), named
      `mean_squared_error/value`.

    Raises:
      ValueError: if the shapes are incompatible, `weights` does not broadcast, or an
        argument is None.
    """
    _require("labels", labels)
    _require("predictions", predictions)
    with _graph.name_scope(scope, "mean_squared_error",
                           (predictions, labels, weights)) as scope:
        predictions, labels = _float32_pair("mean_squared_error", predictions, labels)
        losses = squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds an absolute-difference loss: weighted `abs(predictions - labels)`, reduced.

    Args:
      labels: the ground truth, of `predictions`' shape.
      predictions: the predicted values.
      weights: a scalar, or a tensor broadcastable to the losses.
      scope: name scope (default "absolute_difference").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A float32 scalar (or the losses' shape for `Reduction.NONE`).

    Raises:
      ValueError: if the shapes are incompatible, `weights` does not broadcast, or an
        argument is None.
    """
    _require("labels", labels)
    _require("predictions", predictions)
    with _graph.name_scope(scope, "absolute_difference",
                           (predictions, labels, weights)) as scope:
        predictions, labels = _float32_pair("absolute_difference", predictions, labels)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds a Huber loss: `0.5 * e**2` where `|e| <= delta`, else `delta * (|e| - 0.5 * delta)`.

    `e = predictions - labels`.

    Args:
      labels: the ground truth, of `predictions`' shape.
      predictions: the predicted values.
      weights: a scalar, or a tensor broadcastable to the losses.
      delta: where the loss changes from quadratic to linear.
      scope: name scope (default "huber_loss").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A float32 scalar (or the losses' shape for `Reduction.NONE`).

    Raises:
      ValueError: if the shapes are incompatible, `weights` does not broadcast, or an
        argument is None.
    """
    _require("labels", labels)
    _require("predictions", predictions)
    with _graph.name_scope(scope, "huber_loss", (predictions, labels, weights)) as scope:
        predictions, labels = _float32_pair("huber_loss", predictions, labels)
        abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        # abs_error - quadratic == max(abs_error - delta, 0), without a second comparison.
        linear = math_ops.subtract(abs_error, quadratic)
        half = _graph.convert_to_tensor(0.5, dtype=quadratic.dtype)
        losses = math_ops.add(math_ops.multiply(half, math_ops.multiply(quadratic, quadratic)),
                              math_ops.multiply(delta, linear))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None):
    """Adds a cosine-distance loss: `1 - sum(predictions * labels, axis)`.

    Both inputs are assumed unit-normalized along `axis`.

    Args:
      labels: the ground truth, of `predictions`' shape.
      predictions: the predicted values.
      axis: the dimension along which the distance is computed (required).
      weights: a scalar, or a tensor broadcastable to the losses (`axis` has size 1).
      scope: name scope (default "cosine_distance_loss").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.
      dim: deprecated alias for `axis`.

    Returns:
      A float32 scalar (or the losses' shape, `axis` of size 1, for `Reduction.NONE`).

    Raises:
      ValueError: if `axis` is missing, the shapes are incompatible, or `weights` does not
        broadcast.
    """
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    _require("labels", labels)
    _require("predictions", predictions)
    with _graph.name_scope(scope, "cosine_distance_loss",
                           (predictions, labels, weights)) as scope:
        predictions, labels = _float32_pair("cosine_distance", predictions, labels)
        radial_diffs = math_ops.multiply(predictions, labels)
        losses = 1 - math_ops.reduce_sum(radial_diffs, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


# -- classification losses -------------------------------------------------------------------------
def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds a log loss: `-labels * log(p + eps) - (1 - labels) * log(1 - p + eps)`.

    Args:
      labels: the ground truth in [0, 1], of `predictions`' shape.
      predictions: predicted probabilities in [0, 1].
      weights: a scalar, or a tensor broadcastable to the losses.
      epsilon: keeps the logarithms finite at 0 and 1.
      scope: name scope (default "log_loss").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A float32 scalar (or the losses' shape for `Reduction.NONE`).

    Raises:
      ValueError: if the shapes are incompatible, `weights` does not broadcast, or an
        argument is None.
    """
    _require("labels", labels)
    _require("predictions", predictions)
    with _graph.name_scope(scope, "log_loss", (predictions, labels, weights)) as scope:
        predictions, labels = _float32_pair("log_loss", predictions, labels)
        losses = -math_ops.multiply(labels, math_ops.log(predictions + epsilon)) - \
            math_ops.multiply((1 - labels), math_ops.log(1 - predictions + epsilon))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds a hinge loss: `relu(1 - (2 * labels - 1) * logits)`.

    Args:
      labels: the ground truth, 0 or 1, of `logits`' shape (mapped to -1/+1).
      logits: the unscaled scores.
      weights: a scalar, or a tensor broadcastable to the losses.
      scope: name scope (default "hinge_loss").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A float32 scalar (or the losses' shape for `Reduction.NONE`).

    Raises:
      ValueError: if the shapes are incompatible, `weights` does not broadcast, or an
        argument is None.
    """
    _require("labels", labels)
    _require("logits", logits)
    with _graph.name_scope(scope, "hinge_loss", (logits, labels, weights)) as scope:
        logits, labels = _float32_pair("hinge_loss", logits, labels)
        all_ones = array_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, all_ones)
        losses = relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds a softmax cross-entropy loss (`tf.nn.softmax_cross_entropy_with_logits_v2`).

    With `label_smoothing > 0` the labels become
    `onehot_labels * (1 - label_smoothing) + label_smoothing / num_classes`. No gradient
    flows into the labels (`labels_stop_gradient`).

    Args:
      onehot_labels: `[batch, num_classes]` one-hot (or probability) labels.
      logits: `[batch, num_classes]` unscaled log probabilities.
      weights: a scalar, or `[batch]` per-example weights.
      label_smoothing: a Python float in [0, 1].
      scope: name scope (default "softmax_cross_entropy_loss").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A scalar of `logits`' dtype (`[batch]` for `Reduction.NONE`), named
      `softmax_cross_entropy_loss/value`.

    Raises:
      ValueError: if the shapes are incompatible, `weights` does not broadcast, or an
        argument is None.
    """
    _require("onehot_labels", onehot_labels)
    _require("logits", logits)
    with _graph.name_scope(scope, "softmax_cross_entropy_loss",
                           (logits, onehot_labels, weights)) as scope:
        logits = _graph.convert_to_tensor(logits)
        onehot_labels = math_ops.cast(onehot_labels, logits.dtype)
        _check_compatible("softmax_cross_entropy", logits, onehot_labels)
        if label_smoothing > 0:
            num_classes = math_ops.cast(array_ops.shape(onehot_labels)[-1], logits.dtype)
            smooth_positives = 1.0 - label_smoothing
            smooth_negatives = label_smoothing / num_classes
            onehot_labels = onehot_labels * smooth_positives + smooth_negatives
        onehot_labels = array_ops.stop_gradient(onehot_labels, name="labels_stop_gradient")
        losses = softmax_cross_entropy_with_logits_v2(labels=onehot_labels, logits=logits,
                                                      name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def _remove_squeezable_dimensions(labels, logits, weights):
    """TF1's static rank fix-up: drop a trailing size-1 axis of labels `[batch, 1]`, and
    of weights one rank above the labels."""
    with _graph.name_scope(None, "remove_squeezable_dimensions", [labels, logits]):
        logits = _graph.convert_to_tensor(logits)
        labels = _graph.convert_to_tensor(labels)
        lr, pr = labels.shape.ndims, logits.shape.ndims
        if lr is not None and pr is not None:
            if pr - lr == 2 and logits.shape[-1].is_compatible_with(1):
                logits = array_ops.squeeze(logits, [-1])
            elif pr - lr == 0 and labels.shape[-1].is_compatible_with(1):
                labels = array_ops.squeeze(labels, [-1])
    weights = _graph.convert_to_tensor(weights)
    lr, wr = labels.shape.ndims, weights.shape.ndims
    if lr is not None and wr is not None and wr - lr == 1:
        weights = array_ops.squeeze(weights, [-1])
    return labels, logits, weights


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds a sparse softmax cross-entropy loss (integer class labels).

    Args:
      labels: `[batch]` (or `[batch, 1]`) int32/int64 class indices in
        `[0, num_classes)`.
      logits: `[batch, num_classes]` unscaled log probabilities.
      weights: a scalar, or `[batch]` (or `[batch, 1]`) per-example weights.
      scope: name scope (default "sparse_softmax_cross_entropy_loss").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A scalar of `logits`' dtype (`[batch]` for `Reduction.NONE`), named
      `sparse_softmax_cross_entropy_loss/value`.

    Raises:
      ValueError: if the shapes do not fit, `weights` does not broadcast, or an argument
        is None.
      InvalidArgumentError: at run time, for a label outside `[0, num_classes)`.
    """
    _require("labels", labels)
    _require("logits", logits)
    with _graph.name_scope(scope, "sparse_softmax_cross_entropy_loss",
                           (logits, labels, weights)) as scope:
        labels, logits, weights = _remove_squeezable_dimensions(labels, logits, weights)
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                          name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Adds a sigmoid cross-entropy loss (`tf.nn.sigmoid_cross_entropy_with_logits`).

    With `label_smoothing > 0` the labels become
    `multi_class_labels * (1 - label_smoothing) + 0.5 * label_smoothing`.

    Args:
      multi_class_labels: `[batch, num_classes]` targets in [0, 1].
      logits: `[batch, num_classes]` unscaled scores.
      weights: a scalar, or a tensor broadcastable to the losses.
      label_smoothing: a Python float in [0, 1].
      scope: name scope (default "sigmoid_cross_entropy_loss").
      loss_collection: collection the loss is added to.
      reduction: a `Reduction` key.

    Returns:
      A scalar of `logits`' dtype (the losses' shape for `Reduction.NONE`).

    Raises:
      ValueError: if the shapes are incompatible, `weights` does not broadcast, or an
        argument is None.
    """
    _require("multi_class_labels", multi_class_labels)
    _require("logits", logits)
    with _graph.name_scope(scope, "sigmoid_cross_entropy_loss",
                           (logits, multi_class_labels, weights)) as scope:
        logits = _graph.convert_to_tensor(logits)
        multi_class_labels = math_ops.cast(multi_class_labels, logits.dtype)
        _check_compatible("sigmoid_cross_entropy", logits, multi_class_labels)
        if label_smoothing > 0:
            multi_class_labels = (multi_class_labels * (1 - label_smoothing) +
                                  0.5 * label_smoothing)
        losses = sigmoid_cross_entropy_with_logits(labels=multi_class_labels, logits=logits,
                                                   name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)
