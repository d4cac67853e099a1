"""The Apply* update ops, each checked for two steps against a NumPy update written here."""
import numpy as np
import pytest

import minigraph as mg
from minigraph.ops import training_ops

R = np.random.RandomState(0)
W0 = R.randn(2, 3).astype(np.float32)
G1 = R.randn(2, 3).astype(np.float32)
G2 = R.randn(2, 3).astype(np.float32)


def _run_two_steps(make_update, slots, dtype=np.float32):
    """Build var + slots, apply make_update(var, slot_vars, grad) twice with G1 then G2.

    Returns the values of [var] + slots after each step.
    """
    var = mg.Variable(W0.astype(dtype), name="w")
    slot_vars = [mg.Variable(v.astype(dtype), name="s%d" % i) for i, v in enumerate(slots)]
    g = mg.placeholder(dtype, [2, 3], name="g")
    update = make_update(var, slot_vars, g)
    out = []
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        for grad in (G1, G2):
            new = sess.run(update, {g: grad.astype(dtype)})
            values = sess.run([var] + slot_vars)
            np.testing.assert_array_equal(new, values[0])
            out.append(values)
    return out


def _check(out, expected, rtol=1e-6):
    for got_step, want_step in zip(out, expected):
        for got, want in zip(got_step, want_step):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-7)


def test_apply_gradient_descent():
    out = _run_two_steps(lambda v, s, g: training_ops.apply_gradient_descent(v, 0.5, g), [])
    w1 = W0 - 0.5 * G1
    _check(out, [[w1], [w1 - 0.5 * G2]])
    assert out[0][0].dtype == np.float32


@pytest.mark.parametrize("nesterov", [False, True])
def test_apply_momentum(nesterov):
    lr, mu = 0.1, 0.9
    out = _run_two_steps(lambda v, s, g: training_ops.apply_momentum(
        v, s[0], lr, g, mu, use_nesterov=nesterov), [np.zeros((2, 3))])
    w, acc, expected = W0.astype(np.float64), np.zeros((2, 3)), []
    for grad in (G1, G2):
        acc = mu * acc + grad
        w = w - (lr * grad + lr * mu * acc if nesterov else lr * acc)
        expected.append([w, acc])
    _check(out, expected)


def test_apply_adam_bias_correction():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    b1p = mg.placeholder(mg.float32, [], name="b1p")
    b2p = mg.placeholder(mg.float32, [], name="b2p")
    var = mg.Variable(W0, name="w")
    m = mg.Variable(np.zeros((2, 3), np.float32), name="m")
    v = mg.Variable(np.zeros((2, 3), np.float32), name="v")
    g = mg.placeholder(mg.float32, [2, 3])
    update = training_ops.apply_adam(var, m, v, b1p, b2p, lr, b1, b2, eps, g)
    assert update.op.type == "ApplyAdam" and [t.name for t in update.op.inputs[:3]] == \
        ["w:0", "m:0", "v:0"]
    wn, mn, vn = W0.astype(np.float64), np.zeros((2, 3)), np.zeros((2, 3))
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        for t, grad in enumerate((G1, G2), 1):
            sess.run(update, {g: grad, b1p: b1 ** t, b2p: b2 ** t})
            mn = b1 * mn + (1 - b1) * grad
            vn = b2 * vn + (1 - b2) * grad * grad
            m_hat, v_hat = mn / (1 - b1 ** t), vn / (1 - b2 ** t)
            wn = wn - lr * m_hat / (np.sqrt(v_hat) + eps * np.sqrt(1 - b2 ** t))
            _check([sess.run([var, m, v])], [[wn, mn, vn]], rtol=2e-5)
    # Step 1 of Adam moves every weight by about lr, whatever the gradient's scale.
    assert np.allclose(np.abs(W0 - (W0 - lr * np.sign(G1))), lr)


def test_apply_adam_nesterov():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    out = _run_two_steps(lambda v, s, g: training_ops.apply_adam(
        v, s[0], s[1], b1, b2, lr, b1, b2, eps, g, use_nesterov=True),
        [np.zeros((2, 3)), np.zeros((2, 3))])
    w, m, v = W0.astype(np.float64), np.zeros((2, 3)), np.zeros((2, 3))
    expected = []
    for grad in (G1, G2):  # beta powers fed as constants b1, b2: same alpha each step
        alpha = lr * np.sqrt(1 - b2) / (1 - b1)
        m = m + (grad - m) * (1 - b1)
        v = v + (grad * grad - v) * (1 - b2)
        w = w - alpha * (grad * (1 - b1) + b1 * m) / (np.sqrt(v) + eps)
        expected.append([w, m, v])
    _check(out, expected, rtol=2e-5)


@pytest.mark.parametrize("centered", [False, True])
def test_apply_rms_prop(centered):
    lr, rho, mu, eps = 0.01, 0.9, 0.5, 1e-10
    ms0 = np.ones((2, 3))
    if centered:
        out = _run_two_steps(lambda v, s, g: training_ops.apply_centered_rms_prop(
            v, s[0], s[1], s[2], lr, rho, mu, eps, g),
            [np.zeros((2, 3)), ms0, np.zeros((2, 3))])
    else:
        out = _run_two_steps(lambda v, s, g: training_ops.apply_rms_prop(
            v, s[0], s[1], lr, rho, mu, eps, g), [ms0, np.zeros((2, 3))])
    w, mg_, ms, mom, expected = W0.astype(np.float64), np.zeros((2, 3)), ms0, np.zeros((2, 3)), []
    for grad in (G1, G2):
        ms = rho * ms + (1 - rho) * grad * grad
        if centered:
            mg_ = rho * mg_ + (1 - rho) * grad
            mom = mu * mom + lr * grad / np.sqrt(ms - mg_ * mg_ + eps)
        else:
            mom = mu * mom + lr * grad / np.sqrt(ms + eps)
        w = w - mom
        expected.append([w, mg_, ms, mom] if centered else [w, ms, mom])
    _check(out, expected, rtol=2e-5)


def test_float64_updates_stay_float64():
    out = _run_two_steps(lambda v, s, g: training_ops.apply_gradient_descent(
        v, mg.constant(0.5, mg.float64), g), [], dtype=np.float64)
    assert out[1][0].dtype == np.float64
    np.testing.assert_allclose(out[1][0], W0.astype(np.float64) - 0.5 * G1 - 0.5 * G2,
                               rtol=1e-12)


def test_updates_never_alias_state_or_fetches():
    var = mg.Variable(W0, name="w")
    g = mg.placeholder(mg.float32, [2, 3])
    update = training_ops.apply_gradient_descent(var, 1.0, g)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        before = sess.run(var)
        stored = sess._ctx.variables[var.op]
        first = sess.run(update, {g: G1})
        sess.run(update, {g: G2})
        np.testing.assert_array_equal(before, W0)
        np.testing.assert_array_equal(stored, W0)       # the old state array was not mutated
        np.testing.assert_array_equal(first, W0 - G1)   # a fetched result does not change later
        first[...] = 99.0                               # and writing to it changes no state
        np.testing.assert_allclose(sess.run(var), W0 - G1 - G2, rtol=1e-6)


def test_uninitialized_variable_is_a_failed_precondition():
    var = mg.Variable(W0, name="w")
    update = training_ops.apply_gradient_descent(var, 1.0, G1)
    with mg.Session() as sess:
        with pytest.raises(mg.errors.FailedPreconditionError, match="uninitialized value w"):
            sess.run(update)


def test_construction_errors_name_the_op_and_shapes():
    var = mg.Variable(W0, name="w")
    with pytest.raises(ValueError, match=r"'var' and 'delta'.*\[2,3\] and \[3\].*w:0"):
        training_ops.apply_gradient_descent(var, 0.1, np.ones(3, np.float32))
    with pytest.raises(TypeError, match="'delta' of 'ApplyGradientDescent' Op has type float64 "
                                        "that does not match type float32"):
        training_ops.apply_gradient_descent(var, 0.1, mg.constant(np.ones((2, 3))))
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1 for "
                                         "'ApplyGradientDescent' input 'alpha'"):
        training_ops.apply_gradient_descent(var, [0.1, 0.2], G1)
    with pytest.raises(TypeError, match="requires l-value input"):
        training_ops.apply_gradient_descent(mg.constant(W0), 0.1, G1)
    with pytest.raises(ValueError, match="'var' and 'm'"):
        training_ops.apply_adam(var, mg.Variable(np.zeros(3, np.float32)), var,
                                0.9, 0.99, 0.1, 0.9, 0.99, 1e-8, G1)


def test_apply_ops_have_no_gradient():
    var = mg.Variable(W0, name="w")
    x = mg.placeholder(mg.float32, [2, 3])
    update = training_ops.apply_gradient_descent(var, 0.1, x)
    with pytest.raises(LookupError, match="ApplyGradientDescent"):
        mg.gradients(update, x)


def test_locked_updates_from_concurrent_runs_are_never_lost():
    import threading
    var = mg.Variable(np.zeros(1000, np.float32), name="w")
    update = training_ops.apply_gradient_descent(var, 1.0, -np.ones(1000, np.float32),
                                                 use_locking=True)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        sess.run(update)

        def work():
            for _ in range(50):
                sess.run(update)
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        np.testing.assert_array_equal(sess.run(var), np.full(1000, 201.0, np.float32))
