"""mg.nn softmax and cross-entropy ops: values vs NumPy references, gradients, names, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigraph as mg
from tests.util import evaluate, gradient_error, rng


def _ref_softmax(x, axis=-1):
    x = np.moveaxis(np.asarray(x, np.float64), axis, -1)
    out = np.empty_like(x)
    for idx in np.ndindex(x.shape[:-1]):
        row = x[idx]
        e = np.exp(row - row.max())
        out[idx] = e / e.sum()
    return np.moveaxis(out, -1, axis)


def _ref_xent(labels, logits):
    """-sum(labels * log(softmax(logits))) per row, one row at a time."""
    logits, labels = np.asarray(logits, np.float64), np.asarray(labels, np.float64)
    out = np.empty(logits.shape[:-1])
    for idx in np.ndindex(logits.shape[:-1]):
        row = logits[idx]
        log_z = row.max() + np.log(np.sum(np.exp(row - row.max())))
        out[idx] = -np.sum(labels[idx] * (row - log_z))
    return out


def _ref_sparse_xent(labels, logits):
    onehot = np.eye(logits.shape[-1])[labels]
    return _ref_xent(onehot, logits)


def _ref_sigmoid_xent(labels, logits):
    flat = [(-z * np.log(1 / (1 + np.exp(-x))) - (1 - z) * np.log(1 - 1 / (1 + np.exp(-x))))
            for x, z in zip(np.ravel(logits), np.ravel(labels))]
    return np.array(flat).reshape(np.shape(logits))


# -- softmax / log_softmax ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_forward(dtype):
    x_np = (rng(0).randn(4, 5) * 3).astype(dtype)
    x = mg.placeholder(mg.as_dtype(dtype), [4, 5])
    sm, lsm = mg.nn.softmax(x), mg.nn.log_softmax(x)
    assert (sm.name, sm.op.type) == ("Softmax:0", "Softmax")
    assert (lsm.name, lsm.op.type) == ("LogSoftmax:0", "LogSoftmax")
    out_sm, out_lsm = evaluate([sm, lsm], {x: x_np})
    assert out_sm.dtype == dtype and out_lsm.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out_sm, _ref_softmax(x_np), rtol=tol, atol=tol)
    np.testing.assert_allclose(out_lsm, np.log(_ref_softmax(x_np)), rtol=tol, atol=tol)


def test_softmax_is_stable_for_huge_logits():
    x = mg.constant([[1000.0, 0.0, -1000.0], [-5e4, -5e4, -5e4]])
    out_sm, out_lsm = evaluate([mg.nn.softmax(x), mg.nn.log_softmax(x)])
    np.testing.assert_allclose(out_sm, [[1, 0, 0], [1 / 3] * 3], rtol=1e-6)
    np.testing.assert_allclose(out_lsm, [[0, -1000, -2000], [-np.log(3)] * 3], rtol=1e-6)


@pytest.mark.parametrize("fn", [mg.nn.softmax, mg.nn.log_softmax])
def test_softmax_gradients(fn):
    x_np = rng(1).randn(3, 4)
    assert gradient_error(fn, x_np) < 1e-8
    assert gradient_error(lambda x: fn(x, axis=0), x_np) < 1e-8
    assert gradient_error(lambda x: fn(x) * fn(x), x_np) < 1e-8


def test_softmax_non_last_axis_transposes_like_tf1():
    x_np = rng(2).randn(2, 3, 4)
    x = mg.placeholder(mg.float64, [2, 3, 4])
    y = mg.nn.softmax(x, axis=1)
    assert y.name == "transpose_1:0" and y.shape.as_list() == [2, 3, 4]
    np.testing.assert_allclose(evaluate(y, {x: x_np}), _ref_softmax(x_np, 1), rtol=1e-12)
    named = mg.nn.log_softmax(x, dim=0, name="lsm")
    assert named.name == "lsm:0"
    np.testing.assert_allclose(evaluate(named, {x: x_np}), np.log(_ref_softmax(x_np, 0)),
                               rtol=1e-12)


def test_softmax_axis_on_unknown_rank_uses_axis_attr():
    x = mg.placeholder(mg.float64)
    y = mg.nn.softmax(x, axis=0)
    x_np = rng(3).randn(3, 2)
    np.testing.assert_allclose(evaluate(y, {x: x_np}), _ref_softmax(x_np, 0), rtol=1e-12)


def test_softmax_errors():
    with pytest.raises(mg.errors.InvalidArgumentError,
                       match=r"\(5\) must be in the range \[-2, 2\)"):
        mg.nn.softmax(mg.zeros([2, 3]), axis=5)
    with pytest.raises(ValueError, match="at least rank 1.*Softmax"):
        mg.nn.softmax(mg.constant(1.0))
    with pytest.raises(TypeError, match="int32 not in list of allowed values"):
        mg.nn.softmax(mg.constant([1, 2]))
    with pytest.raises(ValueError, match="both 'axis' and 'dim'"):
        mg.nn.softmax(mg.zeros([2, 3]), axis=0, dim=0)


# -- dense softmax cross entropy -------------------------------------------------------------------
def _random_labels(shape, seed=4):
    p = rng(seed).uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_xent_v2_forward_and_names(dtype):
    logits_np = (rng(5).randn(4, 3) * 3).astype(dtype)
    labels_np = _random_labels((4, 3)).astype(dtype)
    logits = mg.placeholder(mg.as_dtype(dtype), [4, 3])
    labels = mg.placeholder(mg.as_dtype(dtype), [4, 3])
    loss = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert loss.name == "softmax_cross_entropy_with_logits/Reshape_2:0"
    assert loss.shape.as_list() == [4] and loss.dtype == mg.as_dtype(dtype)
    fused = mg.get_default_graph().get_operation_by_name("softmax_cross_entropy_with_logits")
    assert fused.type == "SoftmaxCrossEntropyWithLogits"
    out = evaluate(loss, {logits: logits_np, labels: labels_np})
    assert out.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, _ref_xent(labels_np, logits_np), rtol=tol, atol=tol)


def test_xent_v2_gradients_reach_logits_and_labels():
    logits_np, labels_np = rng(6).randn(3, 4), _random_labels((3, 4))

    def build(labels, logits):
        return mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)

    assert gradient_error(build, labels_np, logits_np) < 1e-8


def test_xent_second_derivative_for_logits_and_labels():
    # TF1 drops the labels' share of this second derivative; minigraph's is exact.
    logits_np, labels_np = rng(7).randn(2, 3), _random_labels((2, 3))

    def grad_of_loss(labels, logits):
        loss = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
        (g,) = mg.gradients(loss * loss, logits)
        return g

    assert gradient_error(grad_of_loss, labels_np, logits_np) < 1e-7


def test_xent_v1_stops_label_gradients():
    logits = mg.constant(rng(8).randn(2, 3))
    labels = mg.constant(_random_labels((2, 3)))
    loss = mg.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    assert loss.name == "softmax_cross_entropy_with_logits_sg/Reshape_2:0"
    g_labels, g_logits = mg.gradients(loss, [labels, logits])
    assert g_labels is None and g_logits is not None
    v2 = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    a, b = evaluate([loss, v2])
    np.testing.assert_allclose(a, b)


def test_xent_v1_requires_named_arguments_like_tf1():
    with pytest.raises(ValueError, match="named arguments"):
        mg.nn.softmax_cross_entropy_with_logits(mg.zeros([2, 3]), mg.zeros([2, 3]))
    with pytest.raises(ValueError, match="both 'axis' and 'dim'"):
        mg.nn.softmax_cross_entropy_with_logits(labels=mg.zeros([2, 3]),
                                                logits=mg.zeros([2, 3]), axis=1)


def test_xent_axis_and_higher_rank():
    logits_np = rng(9).randn(2, 3, 4)
    labels_np = np.moveaxis(_random_labels((2, 4, 3)), -1, 1)
    logits, labels = mg.constant(logits_np), mg.constant(labels_np)
    loss = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=1)
    assert loss.shape.as_list() == [2, 4]
    expected = _ref_xent(np.moveaxis(labels_np, 1, -1), np.moveaxis(logits_np, 1, -1))
    np.testing.assert_allclose(evaluate(loss), expected, rtol=1e-12)
    loss3 = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels_np.transpose(0, 2, 1),
                                                       logits=logits_np.transpose(0, 2, 1))
    np.testing.assert_allclose(evaluate(loss3), expected, rtol=1e-12)


def test_xent_unknown_shapes():
    logits = mg.placeholder(mg.float64, [None, None])
    labels = mg.placeholder(mg.float64, [None, None])
    loss = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert loss.shape.as_list() == [None]
    logits_np, labels_np = rng(10).randn(5, 2), _random_labels((5, 2))
    np.testing.assert_allclose(evaluate(loss, {logits: logits_np, labels: labels_np}),
                               _ref_xent(labels_np, logits_np), rtol=1e-12)


def test_xent_rank1_logits_give_a_scalar():
    loss = mg.nn.softmax_cross_entropy_with_logits_v2(labels=[0.0, 1.0, 0.0],
                                                      logits=[1.0, 2.0, 3.0])
    assert loss.shape.as_list() == []
    np.testing.assert_allclose(evaluate(loss), _ref_xent([0, 1, 0], [1, 2, 3]), rtol=1e-6)


def test_xent_shape_mismatch_fails_at_construction():
    with pytest.raises(ValueError, match=r"\[2,3\] and \[2,4\]"):
        mg.nn.softmax_cross_entropy_with_logits_v2(labels=mg.zeros([2, 4]),
                                                   logits=mg.zeros([2, 3]))


def test_xent_shape_mismatch_at_run_time_is_invalid_argument():
    logits = mg.placeholder(mg.float32, [None, 3])
    labels = mg.placeholder(mg.float32, [None, 3])
    loss = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    with pytest.raises(mg.errors.InvalidArgumentError, match="same size"):
        evaluate(loss, {logits: np.zeros((2, 3)), labels: np.zeros((3, 3))})


# -- sparse softmax cross entropy ------------------------------------------------------------------
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
def test_sparse_xent_forward_and_names(label_dtype):
    logits_np = rng(11).randn(5, 4).astype(np.float32) * 3
    labels_np = np.array([0, 3, 1, 2, 3], dtype=label_dtype)
    logits = mg.placeholder(mg.float32, [5, 4])
    labels = mg.placeholder(mg.as_dtype(label_dtype), [5])
    loss = mg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    assert loss.name == ("SparseSoftmaxCrossEntropyWithLogits/"
                         "SparseSoftmaxCrossEntropyWithLogits:0")
    assert loss.op.type == "SparseSoftmaxCrossEntropyWithLogits"
    out = evaluate(loss, {logits: logits_np, labels: labels_np})
    assert out.dtype == np.float32 and out.shape == (5,)
    np.testing.assert_allclose(out, _ref_sparse_xent(labels_np, logits_np), rtol=1e-6,
                               atol=1e-6)
    named = mg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                           name="xe")
    assert named.name == "xe/xe:0"


def test_sparse_xent_gradient_and_second_derivative():
    logits_np = rng(12).randn(3, 4)
    labels = mg.constant([1, 0, 3])

    def loss(logits):
        return mg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)

    def grad(logits):
        (g,) = mg.gradients(loss(logits) ** 2, logits)
        return g

    assert gradient_error(loss, logits_np) < 1e-8
    assert gradient_error(grad, logits_np) < 1e-7


def test_sparse_xent_higher_rank_reshapes():
    logits_np = rng(13).randn(2, 3, 4)
    labels_np = np.array([[0, 1, 3], [2, 2, 0]])
    loss = mg.nn.sparse_softmax_cross_entropy_with_logits(labels=mg.constant(labels_np),
                                                          logits=mg.constant(logits_np))
    assert loss.name == "SparseSoftmaxCrossEntropyWithLogits/Reshape_2:0"
    assert loss.shape.as_list() == [2, 3]
    np.testing.assert_allclose(evaluate(loss), _ref_sparse_xent(labels_np, logits_np),
                               rtol=1e-12)
    assert gradient_error(lambda x: mg.nn.sparse_softmax_cross_entropy_with_logits(
        labels=mg.constant(labels_np), logits=x), logits_np) < 1e-8


@pytest.mark.parametrize("bad", [4, -1])
def test_sparse_xent_out_of_range_label_is_invalid_argument(bad):
    logits = mg.placeholder(mg.float32, [2, 4])
    labels = mg.placeholder(mg.int32, [2], name="classes")
    loss = mg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    with pytest.raises(mg.errors.InvalidArgumentError) as info:
        evaluate(loss, {logits: np.zeros((2, 4)), labels: [0, bad]})
    msg = str(info.value)
    assert "label value of %d" % bad in msg and "[0, 4)" in msg
    assert "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits" in msg


def test_sparse_xent_static_errors():
    with pytest.raises(TypeError, match="int32, int64"):
        mg.nn.sparse_softmax_cross_entropy_with_logits(labels=mg.zeros([2]),
                                                       logits=mg.zeros([2, 3]))
    with pytest.raises(ValueError, match="Rank mismatch"):
        mg.nn.sparse_softmax_cross_entropy_with_logits(labels=mg.zeros([1, 2], mg.int32),
                                                       logits=mg.zeros([2, 3]))
    with pytest.raises(ValueError, match="Shape mismatch"):
        mg.nn.sparse_softmax_cross_entropy_with_logits(labels=mg.zeros([3], mg.int32),
                                                       logits=mg.zeros([2, 3]))
    with pytest.raises(ValueError, match="scalar"):
        mg.nn.sparse_softmax_cross_entropy_with_logits(labels=mg.zeros([], mg.int32),
                                                       logits=mg.zeros([]))
    with pytest.raises(ValueError, match="named arguments"):
        mg.nn.sparse_softmax_cross_entropy_with_logits(mg.zeros([2], mg.int32),
                                                       mg.zeros([2, 3]))
    # Float labels of the wrong rank: the rank is checked first, as in TF1 (TF 2.21
    # compat.v1 raises ValueError here too).
    with pytest.raises(ValueError, match="Rank mismatch"):
        mg.nn.sparse_softmax_cross_entropy_with_logits(labels=mg.zeros([2, 3]),
                                                       logits=mg.zeros([2, 3]))


# -- sigmoid cross entropy -------------------------------------------------------------------------
def test_sigmoid_xent_forward_and_name():
    logits_np = rng(14).randn(3, 4).astype(np.float32) * 4
    labels_np = rng(15).uniform(size=(3, 4)).astype(np.float32)
    loss = mg.nn.sigmoid_cross_entropy_with_logits(labels=labels_np, logits=logits_np)
    assert loss.name == "logistic_loss:0" and loss.shape.as_list() == [3, 4]
    out = evaluate(loss)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _ref_sigmoid_xent(labels_np, logits_np), rtol=2e-5,
                               atol=1e-6)


def test_sigmoid_xent_is_stable_for_huge_logits():
    out = evaluate(mg.nn.sigmoid_cross_entropy_with_logits(
        labels=[1.0, 0.0, 1.0, 0.0], logits=[1000.0, -1000.0, -1000.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.0, 1000.0, 1000.0])


def test_sigmoid_xent_gradients_reach_both_inputs():
    logits_np = rng(16).randn(2, 3)
    labels_np = rng(17).uniform(size=(2, 3))

    def build(labels, logits):
        return mg.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)

    assert gradient_error(build, labels_np, logits_np) < 1e-8


def test_sigmoid_xent_shape_mismatch():
    with pytest.raises(ValueError, match=r"same shape \(\[2,3\] vs \[3,2\]\)"):
        mg.nn.sigmoid_cross_entropy_with_logits(labels=mg.zeros([3, 2]), logits=mg.zeros([2, 3]))


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
                  elements=st.floats(-30, 30)),
       st.integers(0, 2**31 - 1))
def test_xent_losses_match_reference_on_random_logits(logits_np, seed):
    mg.reset_default_graph()
    labels_np = _random_labels(logits_np.shape, seed % 1000)
    classes = np.random.RandomState(seed).randint(0, logits_np.shape[1], logits_np.shape[0])
    dense = mg.nn.softmax_cross_entropy_with_logits_v2(labels=labels_np, logits=logits_np)
    sparse = mg.nn.sparse_softmax_cross_entropy_with_logits(labels=classes, logits=logits_np)
    d, s = evaluate([dense, sparse])
    np.testing.assert_allclose(d, _ref_xent(labels_np, logits_np), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(s, _ref_sparse_xent(classes, logits_np), rtol=1e-10, atol=1e-10)
