"""End to end: a small MLP learns a nonlinear 3-class problem with every optimizer."""
import numpy as np
import pytest

import minigraph as mg


def _data(n, seed):
    """Points in [-1, 1]^2: class 0 inside radius 0.5, else class 1/2 by the sign of x*y."""
    x = np.random.RandomState(seed).uniform(-1, 1, size=(n, 2)).astype(np.float32)
    y = np.where(np.hypot(x[:, 0], x[:, 1]) < 0.5, 0, np.where(x[:, 0] * x[:, 1] > 0, 1, 2))
    return x, y.astype(np.int64)


def _dense(x, units, name, activation=None):
    with mg.variable_scope(name):
        w = mg.get_variable("kernel", [x.shape[1].value, units])
        b = mg.get_variable("bias", [units], initializer=mg.zeros_initializer())
        y = mg.matmul(x, w) + b
        return activation(y) if activation is not None else y


OPTIMIZERS = {
    "sgd": lambda: mg.train.GradientDescentOptimizer(0.5),
    "momentum": lambda: mg.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: mg.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: mg.train.AdamOptimizer(0.02),
    "rmsprop": lambda: mg.train.RMSPropOptimizer(0.005, momentum=0.5),
    "rmsprop_centered": lambda: mg.train.RMSPropOptimizer(0.005, centered=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_mlp_reaches_high_accuracy(name):
    mg.set_random_seed(1234)
    x_train, y_train = _data(400, seed=0)
    x_test, y_test = _data(400, seed=1)
    x = mg.placeholder(mg.float32, [None, 2], name="x")
    labels = mg.placeholder(mg.int64, [None], name="labels")
    h = _dense(x, 32, "hidden1", mg.nn.relu)
    h = _dense(h, 32, "hidden2", mg.nn.relu)
    logits = _dense(h, 3, "logits")
    loss = mg.losses.sparse_softmax_cross_entropy(labels, logits)
    step = mg.train.get_or_create_global_step()
    train = OPTIMIZERS[name]().minimize(loss, global_step=step)
    accuracy = mg.reduce_mean(mg.cast(mg.equal(mg.argmax(logits, 1), labels), mg.float32))
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        first = sess.run(loss, {x: x_train, labels: y_train})
        for _ in range(300):
            sess.run(train, {x: x_train, labels: y_train})
        last = sess.run(loss, {x: x_train, labels: y_train})
        acc = sess.run(accuracy, {x: x_test, labels: y_test})
        assert sess.run(step) == 300
    assert last < first / 4, (first, last)
    assert acc > 0.9, "%s: test accuracy %.3f" % (name, acc)
