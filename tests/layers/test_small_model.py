"""Done-when: separable_conv2d -> batch_normalization -> max_pooling2d -> flatten -> dense
trains with `minimize` under `control_dependencies(get_collection(UPDATE_OPS))`."""
import numpy as np

import minigraph as mg


def bar_images(n, seed=0):
    """8x8 one-channel images: class 0 holds a vertical bar, class 1 a horizontal one."""
    r = np.random.RandomState(seed)
    x = r.normal(0, 0.3, (n, 8, 8, 1)).astype(np.float32)
    y = r.randint(0, 2, n).astype(np.int32)
    pos = r.randint(1, 7, n)
    for i in range(n):
        if y[i] == 0:
            x[i, :, pos[i], 0] += 1.5
        else:
            x[i, pos[i], :, 0] += 1.5
    return x, y


def build_model(x, training):
    h = mg.layers.separable_conv2d(
        x, 4, 3, padding="same", depthwise_initializer=mg.glorot_uniform_initializer(seed=1),
        pointwise_initializer=mg.glorot_uniform_initializer(seed=2))
    h = mg.nn.relu(mg.layers.batch_normalization(h, momentum=0.9, training=training))
    h = mg.layers.max_pooling2d(h, 2, 2)
    h = mg.layers.flatten(h)
    return mg.layers.dense(h, 2, kernel_initializer=mg.glorot_uniform_initializer(seed=3))


def test_small_model_trains_and_updates_moving_statistics():
    mg.set_random_seed(0)
    xv, yv = bar_images(64)
    x = mg.placeholder(mg.float32, [None, 8, 8, 1])
    labels = mg.placeholder(mg.int32, [None])
    training = mg.placeholder(mg.bool, [])
    logits = build_model(x, training)
    assert logits.shape.as_list() == [None, 2]
    loss = mg.losses.sparse_softmax_cross_entropy(labels, logits)
    update_ops = mg.get_collection(mg.GraphKeys.UPDATE_OPS)
    assert [op.name for op in update_ops] == ["batch_normalization/AssignMovingAvg",
                                              "batch_normalization/AssignMovingAvg_1"]
    with mg.control_dependencies(update_ops):
        train_op = mg.train.AdamOptimizer(0.05).minimize(loss)
    assert [v.name for v in mg.trainable_variables()] == [
        "separable_conv2d/depthwise_kernel:0", "separable_conv2d/pointwise_kernel:0",
        "separable_conv2d/bias:0", "batch_normalization/gamma:0",
        "batch_normalization/beta:0", "dense/kernel:0", "dense/bias:0"]
    accuracy = mg.reduce_mean(mg.cast(mg.equal(mg.argmax(logits, 1, output_type=mg.int32),
                                               labels), mg.float32))
    train_feed = {x: xv, labels: yv, training: True}
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        stats = lambda: sess.run(  # noqa: E731
            mg.get_default_graph().get_tensor_by_name("batch_normalization/moving_mean:0"))
        initial_mean = stats()
        first = sess.run(loss, train_feed)
        for _ in range(40):
            sess.run(train_op, train_feed)
        final = sess.run(loss, train_feed)
        moved = stats()
        xt, yt = bar_images(64, seed=1)
        test_acc = sess.run(accuracy, {x: xt, labels: yt, training: False})
        sess.run(update_ops, {x: xt, training: False})  # inference: statistics stay put
        np.testing.assert_array_equal(stats(), moved)
    assert final < 0.5 * first, (first, final)
    assert np.abs(moved - initial_mean).max() > 1e-3
    assert test_acc >= 0.9, test_acc
