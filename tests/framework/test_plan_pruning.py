"""Plans skip ops whose results only feed values known before running (TF's constant
folding of shapes)."""
import numpy as np

import minigraph as mg
from minigraph.framework.plan import needed_ops


def _plan_op_types(sess):
    return [op.type for entry in sess._cache.values() for op in entry[0].ops]


def test_gradient_of_mean_square_does_not_run_square():
    x = mg.placeholder(mg.float32, [4, 5])
    w = mg.Variable(np.ones((5, 3), np.float32))
    y = mg.matmul(x, w)
    loss = mg.reduce_mean(mg.square(y))
    train = mg.train.GradientDescentOptimizer(0.1).minimize(loss)
    xv = np.arange(20, dtype=np.float32).reshape(4, 5) / 20
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        sess._cache.clear()
        sess.run(train, {x: xv})
        types = _plan_op_types(sess)
        # Mean's gradient needs the shape of square(y) only; Square's gradient needs y.
        assert "Square" not in types and "Mean" not in types
        w1 = sess.run(w)
    # Same update as by hand: d/dw mean((xw)^2) = 2 x^T (x w) / n.
    yv = xv @ np.ones((5, 3), np.float32)
    want = np.ones((5, 3)) - 0.1 * 2 * xv.T @ yv / yv.size
    np.testing.assert_allclose(w1, want, rtol=1e-5)


def test_shape_of_unfed_placeholder_with_static_shape():
    # TF1 returns the static shape without a feed (grappler folds the Shape op).
    p = mg.placeholder(mg.float32, [2, 3])
    with mg.Session() as sess:
        np.testing.assert_array_equal(sess.run(mg.shape(p)), [2, 3])


def test_shape_of_partly_unknown_placeholder_still_needs_the_feed():
    p = mg.placeholder(mg.float32, [None, 3])
    with mg.Session() as sess:
        try:
            sess.run(mg.shape(p))
        except mg.errors.InvalidArgumentError as e:
            assert "You must feed a value for placeholder tensor" in str(e)
        else:
            raise AssertionError("expected InvalidArgumentError")
        np.testing.assert_array_equal(sess.run(mg.shape(p), {p: np.zeros((5, 3))}), [5, 3])


def test_viz_pruning_matches_the_plan():
    x = mg.placeholder(mg.float32, [4, 5])
    sq = mg.square(x)
    s = mg.shape(sq)
    ops = needed_ops([s])
    assert [op.type for op in ops] == ["Shape"]
