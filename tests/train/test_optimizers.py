"""Optimizers: update rules (two steps against NumPy), slots, names, global step, errors."""
import numpy as np
import pytest

import minigraph as mg

R = np.random.RandomState(1)
W0 = R.randn(3, 2).astype(np.float32)
X = R.randn(4, 3).astype(np.float32)
T = R.randn(4, 2).astype(np.float32)


def _model(dtype=mg.float32, constraint=None):
    """loss = sum((x @ w - t)^2) / 2, so grad = x^T (x @ w - t)."""
    w = mg.get_variable("w", initializer=W0.astype(dtype.as_numpy_dtype),
                        constraint=constraint)
    x = mg.placeholder(dtype, [4, 3], name="x")
    loss = mg.reduce_sum(mg.square(mg.matmul(x, w) - T.astype(dtype.as_numpy_dtype))) / 2.0
    return w, x, loss


def _grad(w):
    return X.astype(np.float64).T @ (X.astype(np.float64) @ w - T)


def _train(opt, steps=2, dtype=mg.float32, feeds=()):
    w, x, loss = _model(dtype)
    train = opt.minimize(loss)
    values = []
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        for i in range(steps):
            feed = {x: X}
            for ph, vals in feeds:
                feed[ph] = vals[i]
            sess.run(train, feed)
            values.append(sess.run(w))
    return w, values


def _assert_close(got, want, rtol=1e-5):
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=1e-6)


def test_gradient_descent_with_a_fed_learning_rate():
    lr = mg.placeholder(mg.float32, [], name="lr")
    _, got = _train(mg.train.GradientDescentOptimizer(lr), feeds=[(lr, [0.1, 0.05])])
    w, want = W0.astype(np.float64), []
    for rate in (0.1, 0.05):
        w = w - rate * _grad(w)
        want.append(w)
    _assert_close(got, want)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum(nesterov):
    _, got = _train(mg.train.MomentumOptimizer(0.05, 0.9, use_nesterov=nesterov))
    w, acc, want = W0.astype(np.float64), 0.0, []
    for _ in range(2):
        g = _grad(w)
        acc = 0.9 * acc + g
        w = w - 0.05 * (g + 0.9 * acc) if nesterov else w - 0.05 * acc
        want.append(w)
    _assert_close(got, want)


def test_adam_bias_correction_and_beta_powers():
    opt = mg.train.AdamOptimizer(0.1, beta1=0.8, beta2=0.99, epsilon=1e-7)
    w_var, x, loss = _model()
    train = opt.minimize(loss)
    b1p, b2p = opt._get_beta_accumulators()
    assert (b1p.name, b2p.name) == ("beta1_power:0", "beta2_power:0")
    w, m, v = W0.astype(np.float64), 0.0, 0.0
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        for t in (1, 2):
            sess.run(train, {x: X})
            g = _grad(w)
            m = 0.8 * m + 0.2 * g
            v = 0.99 * v + 0.01 * g * g
            m_hat, v_hat = m / (1 - 0.8 ** t), v / (1 - 0.99 ** t)
            # TF1 folds the correction into the step: epsilon is scaled by sqrt(1 - b2^t).
            w = w - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-7 * np.sqrt(1 - 0.99 ** t))
            _assert_close([sess.run(w_var), sess.run(opt.get_slot(w_var, "m")),
                           sess.run(opt.get_slot(w_var, "v"))], [w, m, v])
            np.testing.assert_allclose(sess.run([b1p, b2p]), [0.8 ** (t + 1), 0.99 ** (t + 1)],
                                       rtol=1e-6)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop(centered):
    _, got = _train(mg.train.RMSPropOptimizer(0.01, decay=0.9, momentum=0.5, epsilon=1e-6,
                                              centered=centered))
    w, ms, mg_, mom, want = W0.astype(np.float64), 1.0, 0.0, 0.0, []
    for _ in range(2):
        g = _grad(w)
        ms = 0.9 * ms + 0.1 * g * g
        mg_ = 0.9 * mg_ + 0.1 * g
        denom = ms - mg_ * mg_ if centered else ms
        mom = 0.5 * mom + 0.01 * g / np.sqrt(denom + 1e-6)
        w = w - mom
        want.append(w)
    _assert_close(got, want)


def test_float64_variables_with_adam():
    w, got = _train(mg.train.AdamOptimizer(0.1), steps=1, dtype=mg.float64)
    assert got[0].dtype == np.float64
    g = _grad(W0.astype(np.float64))
    # lr 0.1 is a float32 constant cast to float64, as in TF1.
    lr = float(np.float32(0.1))
    np.testing.assert_allclose(got[0], W0 - lr * g / (np.abs(g) + 1e-8 * np.sqrt(0.001)),
                               rtol=1e-7)


def test_callable_hyperparameters():
    _, got = _train(mg.train.GradientDescentOptimizer(lambda: 0.1), steps=1)
    _assert_close(got, [W0 - 0.1 * _grad(W0.astype(np.float64))])


def test_slots_names_collections_and_initial_values():
    w, x, loss = _model()
    with mg.variable_scope("dense"):
        k = mg.get_variable("kernel", [2], initializer=mg.ones_initializer())
    loss = loss + mg.reduce_sum(k * k)
    with mg.name_scope("outer"):
        adam = mg.train.AdamOptimizer()
        train = adam.minimize(loss)
    rms = mg.train.RMSPropOptimizer(0.1, centered=True)
    rms.minimize(loss)
    mom = mg.train.MomentumOptimizer(0.1, 0.9)
    mom.minimize(loss)
    assert train.name == "outer/Adam" and train.type == "NoOp"
    assert [c.name for c in train.control_inputs] == [
        "outer/Adam/update_w/ApplyAdam", "outer/Adam/update_dense/kernel/ApplyAdam",
        "outer/Adam/Assign", "outer/Adam/Assign_1"]
    assert adam.get_slot_names() == ["m", "v"]
    assert adam.get_slot(w, "m").name == "w/Adam:0"
    assert adam.get_slot(w, "v").name == "w/Adam_1:0"
    assert adam.get_slot(k, "v").name == "dense/kernel/Adam_1:0"
    assert adam.get_slot(w, "nope") is None and adam.get_slot(x, "m") is None
    assert [v.name for v in adam.variables()] == [
        "dense/kernel/Adam:0", "dense/kernel/Adam_1:0", "outer/beta1_power:0",
        "outer/beta2_power:0", "w/Adam:0", "w/Adam_1:0"]
    assert {n: rms.get_slot(w, n).name for n in rms.get_slot_names()} == {
        "rms": "w/RMSProp:0", "mg": "w/RMSProp_1:0", "momentum": "w/RMSProp_2:0"}
    assert mom.get_slot(k, "momentum").name == "dense/kernel/Momentum:0"
    assert mom.get_name() == "Momentum"
    trainable = {v.name for v in mg.trainable_variables()}
    assert trainable == {"w:0", "dense/kernel:0"}
    global_names = {v.name for v in mg.global_variables()}
    assert {"w/Adam:0", "outer/beta1_power:0", "w/RMSProp_2:0", "w/Momentum:0"} <= global_names
    ops = {op.name: op.type for op in mg.get_default_graph().get_operations()}
    assert ops["outer/Adam/learning_rate"] == "Const" and ops["RMSProp/decay"] == "Const"
    assert ops["RMSProp/update_w/ApplyCenteredRMSProp"] == "ApplyCenteredRMSProp"
    assert mg.get_collection(mg.GraphKeys.TRAIN_OP)[0] is train
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(adam.get_slot(w, "m")), np.zeros((3, 2)))
        np.testing.assert_array_equal(sess.run(rms.get_slot(w, "rms")), np.ones((3, 2)))
        assert sess.run(adam.get_slot(w, "m")).dtype == np.float32


def test_rmsprop_plain_slot_names_and_op():
    w, x, loss = _model()
    opt = mg.train.RMSPropOptimizer(0.1)
    train = opt.minimize(loss, name="train")
    assert opt.get_slot(w, "rms").name == "w/RMSProp:0"
    assert opt.get_slot(w, "momentum").name == "w/RMSProp_1:0"
    assert train.name == "train"
    assert mg.get_default_graph().get_operation_by_name(
        "train/update_w/ApplyRMSProp").type == "ApplyRMSProp"


def test_global_step_creation_and_lookup():
    assert mg.train.get_global_step() is None
    gs = mg.train.get_or_create_global_step()
    assert gs.name == "global_step:0" and gs.dtype == mg.int64 and gs.shape.as_list() == []
    assert mg.train.get_or_create_global_step() is gs
    assert mg.train.get_global_step() is gs
    assert mg.get_collection(mg.GraphKeys.GLOBAL_STEP) == [gs]
    assert gs in mg.global_variables() and gs not in mg.trainable_variables()
    with pytest.raises(ValueError, match='"global_step" already exists.'):
        mg.train.create_global_step()
    g = mg.Graph()
    with g.as_default(), mg.variable_scope("vs"), mg.name_scope("ns"):
        assert mg.train.create_global_step().name == "vs/global_step:0"
    assert mg.train.get_global_step(g).name == "vs/global_step:0"


def test_global_step_found_by_name_and_checked():
    g = mg.Graph()
    with g.as_default():
        step = mg.Variable(0, name="global_step", trainable=False)
        assert mg.train.get_global_step() is step.value() or \
            mg.train.get_global_step().name == "global_step:0"
    g = mg.Graph()
    with g.as_default():
        mg.Variable(0.0, name="global_step", trainable=False)
        with pytest.raises(TypeError, match='Existing "global_step" does not have integer type'):
            mg.train.get_global_step()
    g = mg.Graph()
    with g.as_default():
        mg.add_to_collection(mg.GraphKeys.GLOBAL_STEP, mg.Variable([1, 2], name="steps"))
        with pytest.raises(TypeError, match='Existing "global_step" is not scalar'):
            mg.train.get_global_step()


def test_minimize_increments_global_step_after_the_update():
    w, x, loss = _model()
    gs = mg.train.get_or_create_global_step()
    opt = mg.train.GradientDescentOptimizer(0.1)
    train = opt.minimize(loss, global_step=gs)
    assert train.name == "GradientDescent" and train.type == "AssignAdd"
    # As in TF1 the increment's constant operand carries the dependency on the updates.
    (one,) = train.inputs
    assert [c.name for c in one.op.control_inputs] == ["GradientDescent/update"]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        assert mg.train.global_step(sess, gs) == 0
        for i in range(3):
            sess.run(train, {x: X})
        step = mg.train.global_step(sess, gs)
        assert step == 3 and isinstance(step, int)
        assert sess.run(gs).dtype == np.int64
        with pytest.raises(TypeError, match="must be a scalar"):
            mg.train.global_step(sess, w)


def test_constraint_is_applied_after_the_update():
    # Clipping before the update would leave w - lr*g outside [-0.3, 0.3].
    w, x, loss = _model(constraint=lambda t: mg.clip_by_value(t, -0.3, 0.3))
    train = mg.train.GradientDescentOptimizer(0.5).minimize(loss)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        sess.run(train, {x: X})
        got = sess.run(w)
    want = np.clip(W0 - 0.5 * _grad(W0.astype(np.float64)), -0.3, 0.3)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert np.abs(got).max() <= 0.3
    update = mg.get_default_graph().get_operation_by_name("GradientDescent/update_w/Assign")
    assert update.type == "Assign"
    assert [c.name for c in train.control_inputs] == ["GradientDescent/update_w/Assign"]


def test_variables_without_gradient_are_skipped():
    w, x, loss = _model()
    other = mg.get_variable("other", [2], initializer=mg.ones_initializer())
    opt = mg.train.AdamOptimizer(0.1)
    grads_and_vars = opt.compute_gradients(loss)
    assert [(g is None, v.name) for g, v in grads_and_vars] == [(False, "w:0"),
                                                               (True, "other:0")]
    train = opt.apply_gradients(grads_and_vars)
    assert opt.get_slot(other, "m") is None
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        sess.run(train, {x: X})
        np.testing.assert_array_equal(sess.run(other), [1, 1])


def test_no_gradients_errors():
    w = mg.get_variable("w", [2], initializer=mg.ones_initializer())
    loss = mg.reduce_sum(mg.constant([1.0, 2.0]))
    opt = mg.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match=r"No gradients provided for any variable, check your "
                                         r"graph for ops that do not support gradients, between "
                                         r"variables \[\"<tf.Variable 'w:0' shape=\(2,\) "
                                         r"dtype=float32_ref>\"\] and loss Tensor\(\"Sum"):
        opt.minimize(loss)
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \[\"<tf."):
        opt.apply_gradients([(None, w)])
    with pytest.raises(ValueError, match="No variables provided."):
        opt.apply_gradients([])
    with pytest.raises(ValueError, match="No variables to optimize"):
        opt.compute_gradients(loss, var_list=[])


def test_dtype_and_argument_errors():
    i = mg.get_variable("i", [2], dtype=mg.int32, initializer=mg.zeros_initializer())
    w = mg.get_variable("w", [2], initializer=mg.ones_initializer())
    opt = mg.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match=r"Invalid type tf.int32 for Sum:0, expected: "
                                         r"\[tf.float16, tf.float32, tf.float64\]"):
        opt.minimize(mg.reduce_sum(i), var_list=[i])
    with pytest.raises(TypeError, match="variable i:0 of dtype int32"):
        opt.apply_gradients([(mg.constant([1, 1]), i)])
    # An int variable gets no gradient, so only w is trained.
    loss = mg.reduce_sum(w) + mg.cast(mg.reduce_sum(i), mg.float32)
    assert [g is None for g, _ in opt.compute_gradients(loss, var_list=[w, i])] == [False, True]
    with pytest.raises(ValueError, match="gate_gradients must be one of"):
        opt.compute_gradients(loss, gate_gradients=5)
    with pytest.raises(NotImplementedError, match="not a tf.Variable"):
        opt.apply_gradients([(mg.constant([1.0, 1.0]), mg.constant([1.0, 2.0]))])
    with pytest.raises(ValueError, match=r"'var' and 'delta'.*\[2\] and \[3\]"):
        opt.apply_gradients([(mg.constant([1.0, 2.0, 3.0]), w)])
    with pytest.raises(TypeError, match="'delta' of 'ApplyGradientDescent' Op has type float64"):
        opt.apply_gradients([(mg.constant([1.0, 2.0], mg.float64), w)])
    with pytest.raises(ValueError, match="Must specify the optimizer name"):
        mg.train.GradientDescentOptimizer(0.1, name="")


def test_gate_graph_and_grad_loss():
    w, x, loss = _model()
    opt = mg.train.GradientDescentOptimizer(0.1)
    (g, v), = opt.compute_gradients(loss, gate_gradients=opt.GATE_GRAPH,
                                    grad_loss=mg.constant(2.0))
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        np.testing.assert_allclose(sess.run(g, {x: X}), 2 * _grad(W0.astype(np.float64)),
                                   rtol=1e-5)


def test_update_inside_control_dependencies_and_while_finalized():
    w, x, loss = _model()
    marker = mg.get_variable("marker", [], initializer=mg.zeros_initializer())
    bump = marker.assign_add(1.0)
    with mg.control_dependencies([bump]):
        train = mg.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())  # slots need no `bump`
        mg.get_default_graph().finalize()
        sess.run(train, {x: X})
        assert sess.run(marker) == 1.0
