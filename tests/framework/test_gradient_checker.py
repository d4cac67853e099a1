"""mg.test.compute_gradient with a list of xs, as TF1 (checked against TF 2.21 compat.v1)."""
import numpy as np
import pytest

import minigraph as mg


def test_list_of_xs_varies_each_alone_keeping_the_others_graph_values():
    # TF1 feeds only the x being varied: with w a constant of zeros, d(sum(x*w))/dx is 0
    # even though w's x_init_value is nonzero (TF 2.21 tf.compat.v1.test.compute_gradient).
    X = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]])
    x = mg.constant(X, name="x")
    w = mg.constant(np.zeros(3), name="w")
    u = mg.reduce_sum(x * w, axis=1)
    with mg.Session():
        (tx, nx), (tw, nw) = mg.test.compute_gradient(
            [x, w], [[2, 3], [3]], u, [2], x_init_value=[X, np.array([1.0, -2.0, 0.5])])
    np.testing.assert_array_equal(tx, np.zeros((6, 2)))
    np.testing.assert_allclose(nx, np.zeros((6, 2)), atol=1e-12)
    want_w = np.array([[0.3, 1.5], [-1.2, 0.1], [0.8, -0.4]])
    np.testing.assert_allclose(tw, want_w, rtol=1e-12)
    np.testing.assert_allclose(nw, want_w, rtol=1e-8)


def test_list_of_placeholders_feeds_the_others_where_tf1_would_fail():
    # TF1 leaves the other placeholders unfed (InvalidArgumentError); minigraph feeds them
    # their x_init_value.
    a = mg.placeholder(mg.float64, [2], name="a")
    b = mg.placeholder(mg.float64, [2], name="b")
    y = a * b
    with mg.Session():
        (ta, _), (tb, _) = mg.test.compute_gradient(
            [a, b], [[2], [2]], y, [2], x_init_value=[np.array([1.0, 2.0]),
                                                     np.array([3.0, 4.0])])
    np.testing.assert_allclose(ta, np.diag([3.0, 4.0]))
    np.testing.assert_allclose(tb, np.diag([1.0, 2.0]))


def test_needs_a_default_session():
    x = mg.constant([1.0])
    with pytest.raises(ValueError, match="default session"):
        mg.test.compute_gradient(x, [1], x * 2.0, [1])
