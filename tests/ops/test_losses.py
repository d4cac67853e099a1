"""mg.losses (TF1's tf.losses): values vs NumPy references, reductions, weights, names,
collections and gradients.

TF1 computes every loss in float32 (float64 inputs are cast down and back), so gradients
are checked with a float32-sized step and tolerance.
"""
import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error

L = mg.losses
R = L.Reduction


def _reduce(losses, weights, reduction):
    """TF1's reductions, written out with NumPy."""
    losses = np.asarray(losses, np.float64)
    w = np.broadcast_to(np.asarray(weights, np.float64), losses.shape)
    weighted = losses * w
    if reduction == R.NONE:
        return weighted
    total = weighted.sum()
    if reduction == R.SUM:
        return total
    if reduction == R.MEAN:
        denom = w.sum()
    elif reduction == R.SUM_OVER_BATCH_SIZE:
        denom = losses.size
    else:
        denom = np.count_nonzero(w)
    return 0.0 if denom == 0 else total / denom


def _xent_rows(labels, logits):
    out = []
    for lab, row in zip(labels, logits):
        log_z = row.max() + np.log(np.exp(row - row.max()).sum())
        out.append(-np.sum(lab * (row - log_z)))
    return np.array(out)


LABELS = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
PREDS = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], np.float32)


def test_reduction_keys_and_validation():
    assert R.NONE == "none" and R.SUM == "weighted_sum" and R.MEAN == "weighted_mean"
    assert R.SUM_OVER_BATCH_SIZE == "weighted_sum_over_batch_size"
    assert R.SUM_BY_NONZERO_WEIGHTS == R.SUM_OVER_NONZERO_WEIGHTS == \
        "weighted_sum_by_nonzero_weights"
    assert set(R.all()) == {R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE,
                            R.SUM_BY_NONZERO_WEIGHTS}
    with pytest.raises(ValueError, match="Invalid Reduction Key foo"):
        L.mean_squared_error(LABELS, PREDS, reduction="foo")


@pytest.mark.parametrize("reduction", [R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE,
                                       R.SUM_BY_NONZERO_WEIGHTS])
@pytest.mark.parametrize("weights", [1.0, 0.0, [[2.0], [0.0]], [[1.0, 0.0, 3.0]],
                                     [[0.5, 1.0, 0.0], [2.0, 0.0, 1.5]]])
def test_mean_squared_error_reductions_and_weights(reduction, weights):
    w = weights if isinstance(weights, float) else mg.constant(np.float32(weights))
    loss = L.mean_squared_error(LABELS, PREDS, weights=w, reduction=reduction)
    expected = _reduce((PREDS.astype(np.float64) - LABELS) ** 2, weights, reduction)
    out = evaluate(loss)
    assert out.dtype == np.float32 and out.shape == np.shape(expected)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


def test_loss_names_and_collection():
    mse = L.mean_squared_error(LABELS, PREDS)
    assert mse.name == "mean_squared_error/value:0" and mse.op.type == "DivNoNan"
    unreduced = L.mean_squared_error(LABELS, PREDS, reduction=R.NONE)
    assert unreduced.name == "mean_squared_error_1/Mul:0"
    summed = L.mean_squared_error(LABELS, PREDS, reduction=R.SUM)
    assert summed.name == "mean_squared_error_2/Sum:0"
    hidden = L.mean_squared_error(LABELS, PREDS, loss_collection=None)
    assert L.get_losses() == [mse, unreduced, summed] and hidden not in L.get_losses()
    assert L.get_losses(scope="mean_squared_error_1") == [unreduced]
    custom = L.absolute_difference(LABELS, PREDS, loss_collection="mine")
    assert mg.get_collection("mine") == [custom]


def test_regression_losses_against_numpy():
    p, y = PREDS.astype(np.float64), LABELS.astype(np.float64)
    err = np.abs(p - y)
    delta = 0.7
    huber = np.where(err <= delta, 0.5 * err ** 2, delta * (err - 0.5 * delta))
    probs = 1 / (1 + np.exp(-p))
    cases = {
        "absolute_difference": (L.absolute_difference(LABELS, PREDS), err),
        "huber_loss": (L.huber_loss(LABELS, PREDS, delta=delta), huber),
        "log_loss": (L.log_loss(LABELS, probs.astype(np.float32)),
                     -y * np.log(probs + 1e-7) - (1 - y) * np.log(1 - probs + 1e-7)),
        "hinge_loss": (L.hinge_loss(LABELS, PREDS), np.maximum(0, 1 - (2 * y - 1) * p)),
    }
    for scope, (loss, per_element) in cases.items():
        assert loss.name == scope + "/value:0"
        np.testing.assert_allclose(evaluate(loss), _reduce(per_element, 1.0,
                                                           R.SUM_BY_NONZERO_WEIGHTS),
                                   rtol=1e-6, err_msg=scope)


def test_cosine_distance():
    a = np.array([[0.6, 0.8], [1.0, 0.0]], np.float32)
    b = np.array([[0.8, 0.6], [0.0, 1.0]], np.float32)
    loss = L.cosine_distance(a, b, axis=1, reduction=R.NONE)
    assert loss.shape.as_list() == [2, 1]
    np.testing.assert_allclose(evaluate(loss), [[1 - 0.96], [1.0]], rtol=1e-6)
    assert L.cosine_distance(a, b, dim=1).name == "cosine_distance_loss_1/value:0"
    with pytest.raises(ValueError, match="must specify 'axis'"):
        L.cosine_distance(a, b)


def test_float64_inputs_are_computed_in_float32_like_tf1():
    loss = L.mean_squared_error(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    assert loss.dtype == mg.float32
    np.testing.assert_allclose(evaluate(loss), 0.5)
    xent = L.softmax_cross_entropy(LABELS.astype(np.float64), PREDS.astype(np.float64))
    assert xent.dtype == mg.float64


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_softmax_cross_entropy(smoothing):
    loss = L.softmax_cross_entropy(LABELS, PREDS, label_smoothing=smoothing)
    assert loss.name == "softmax_cross_entropy_loss/value:0"
    fused = mg.get_default_graph().get_operation_by_name("softmax_cross_entropy_loss/xentropy")
    assert fused.type == "SoftmaxCrossEntropyWithLogits"
    smoothed = LABELS * (1 - smoothing) + smoothing / 3
    expected = _xent_rows(smoothed.astype(np.float64), PREDS.astype(np.float64)).mean()
    np.testing.assert_allclose(evaluate(loss), expected, rtol=1e-6)


def test_softmax_cross_entropy_weights_and_labels_get_no_gradient():
    labels = mg.constant(LABELS)
    logits = mg.constant(PREDS)
    loss = L.softmax_cross_entropy(labels, logits, weights=[3.0, 0.0])
    expected = 3.0 * _xent_rows(LABELS.astype(np.float64), PREDS.astype(np.float64))[0]
    np.testing.assert_allclose(evaluate(loss), expected, rtol=1e-6)
    g_labels, g_logits = mg.gradients(loss, [labels, logits])
    assert g_labels is None and g_logits is not None
    none = L.softmax_cross_entropy(labels, logits, reduction=R.NONE)
    assert none.name == "softmax_cross_entropy_loss_1/Mul:0" and none.shape.as_list() == [2]


@pytest.mark.parametrize("labels", [[2, 0], [[2], [0]]])
def test_sparse_softmax_cross_entropy(labels):
    loss = L.sparse_softmax_cross_entropy(labels, PREDS, weights=[[1.0], [2.0]])
    assert loss.name == "sparse_softmax_cross_entropy_loss/value:0"
    op = mg.get_default_graph().get_operation_by_name(
        "sparse_softmax_cross_entropy_loss/xentropy/xentropy")
    assert op.type == "SparseSoftmaxCrossEntropyWithLogits"
    onehot = np.eye(3)[np.reshape(labels, -1)]
    rows = _xent_rows(onehot, PREDS.astype(np.float64))
    np.testing.assert_allclose(evaluate(loss), (rows[0] + 2 * rows[1]) / 2, rtol=1e-6)


def test_sparse_softmax_cross_entropy_bad_label_at_run_time():
    labels = mg.placeholder(mg.int32, [2])
    loss = L.sparse_softmax_cross_entropy(labels, PREDS)
    with pytest.raises(mg.errors.InvalidArgumentError, match="label value of 7"):
        evaluate(loss, {labels: [0, 7]})


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_sigmoid_cross_entropy(smoothing):
    loss = L.sigmoid_cross_entropy(LABELS, PREDS, label_smoothing=smoothing)
    assert loss.name == "sigmoid_cross_entropy_loss/value:0"
    z = LABELS.astype(np.float64) * (1 - smoothing) + 0.5 * smoothing
    x = PREDS.astype(np.float64)
    per = -z * np.log(1 / (1 + np.exp(-x))) - (1 - z) * np.log(1 - 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(evaluate(loss), per.mean(), rtol=1e-6)


def test_compute_weighted_loss_default_scope():
    loss = L.compute_weighted_loss(PREDS, weights=2.0)
    assert loss.name == "weighted_loss/value:0" and L.get_losses() == [loss]
    np.testing.assert_allclose(evaluate(loss), 2 * PREDS.astype(np.float64).mean(), rtol=1e-6)


def test_weights_that_cannot_broadcast_fail_at_construction():
    with pytest.raises(ValueError, match="values.rank=2. weights.rank=1"):
        L.mean_squared_error(LABELS, PREDS, weights=mg.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="Mismatch at dim 1"):
        L.mean_squared_error(LABELS, PREDS, weights=mg.zeros([2, 2]))
    with pytest.raises(ValueError, match="incompatible"):
        L.mean_squared_error(LABELS, mg.zeros([3, 2]))
    with pytest.raises(ValueError, match="labels must not be None"):
        L.mean_squared_error(None, PREDS)


def test_unknown_batch_size_and_placeholder_weights():
    p = mg.placeholder(mg.float32, [None, 3])
    y = mg.placeholder(mg.float32, [None, 3])
    w = mg.placeholder(mg.float32, [None, 1])
    loss = L.mean_squared_error(y, p, weights=w)
    out = evaluate(loss, {p: PREDS, y: LABELS, w: [[1.0], [0.0]]})
    expected = _reduce((PREDS.astype(np.float64) - LABELS) ** 2, [[1.0], [0.0]],
                       R.SUM_BY_NONZERO_WEIGHTS)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_add_loss_and_get_total_loss():
    a = L.mean_squared_error(LABELS, PREDS)
    extra = mg.constant(2.0, name="extra")
    L.add_loss(extra)
    L.add_loss(mg.constant(5.0), loss_collection=None)
    assert L.get_losses() == [a, extra]
    total = L.get_total_loss()
    assert total.name == "total_loss:0"
    np.testing.assert_allclose(evaluate(total), evaluate(a) + 2.0, rtol=1e-6)


def test_regularization_losses():
    zero = L.get_regularization_loss()
    assert zero.op.type == "Const" and evaluate(zero) == 0.0
    r1 = mg.constant(1.5, name="r1")
    r2 = mg.constant(0.25, name="layer/r2")
    mg.add_to_collection(mg.GraphKeys.REGULARIZATION_LOSSES, r1)
    mg.add_to_collection(mg.GraphKeys.REGULARIZATION_LOSSES, r2)
    assert L.get_regularization_losses() == [r1, r2]
    assert L.get_regularization_losses(scope="layer") == [r2]
    total_reg = L.get_regularization_loss()
    assert total_reg.name == "total_regularization_loss:0" and total_reg.op.type == "AddN"
    assert evaluate(total_reg) == 1.75
    assert evaluate(L.get_regularization_loss(scope="layer", name="layer_reg")) == 0.25
    data = L.absolute_difference(LABELS, PREDS)
    np.testing.assert_allclose(evaluate(L.get_total_loss()), evaluate(data) + 1.75, rtol=1e-6)
    np.testing.assert_allclose(evaluate(L.get_total_loss(add_regularization_losses=False,
                                                         name="data_only")),
                               evaluate(data), rtol=1e-6)


def test_get_total_loss_without_losses_is_a_clear_error():
    with pytest.raises(ValueError, match="no losses"):
        L.get_total_loss()


LOSS_BUILDERS = {
    "mean_squared_error": lambda y, p: L.mean_squared_error(y, p),
    "absolute_difference": lambda y, p: L.absolute_difference(y, p, weights=[[1.0], [2.0]]),
    "huber_loss": lambda y, p: L.huber_loss(y, p, delta=0.5, reduction=R.MEAN),
    "log_loss": lambda y, p: L.log_loss(y, mg.sigmoid(p)),
    "hinge_loss": lambda y, p: L.hinge_loss(y, p, reduction=R.SUM),
    "softmax_cross_entropy": lambda y, p: L.softmax_cross_entropy(y, p, label_smoothing=0.1),
    "sigmoid_cross_entropy": lambda y, p: L.sigmoid_cross_entropy(
        y, p, reduction=R.SUM_OVER_BATCH_SIZE),
    "sparse_softmax_cross_entropy": lambda y, p: L.sparse_softmax_cross_entropy(
        mg.constant([1, 0]), p, weights=[0.5, 2.0]),
}


@pytest.mark.parametrize("name", sorted(LOSS_BUILDERS))
def test_loss_gradient_wrt_predictions(name):
    # Kinks (|error| = delta, margin = 1) are kept away from the evaluation points.
    preds = np.array([[0.3, 1.7, -0.6], [2.2, -1.3, 0.45]])
    labels = mg.constant(LABELS)
    err = gradient_error(lambda p: LOSS_BUILDERS[name](labels, p), preds, delta=1e-3)
    assert err < 2e-3, name
