"""End to end: a small separable convnet + batch norm + dense trained with Adam."""
import numpy as np

from _util import names


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(11)
    X = rs.randn(8, 8, 8, 2).astype(np.float32)
    Y = rs.randint(0, 3, size=8)
    DW = (rs.randn(3, 3, 2, 2) * 0.3).astype(np.float32)
    PW = (rs.randn(1, 1, 4, 4) * 0.3).astype(np.float32)
    DW2 = (rs.randn(3, 3, 4, 1) * 0.3).astype(np.float32)
    PW2 = (rs.randn(1, 1, 4, 6) * 0.3).astype(np.float32)
    K = (rs.randn(6, 3) * 0.5).astype(np.float32)
    const = tf.constant_initializer
    x = tf.placeholder(tf.float32, [None, 8, 8, 2], name="images")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    training = tf.placeholder_with_default(False, [], name="training")
    h = tf.layers.separable_conv2d(x, 4, 3, padding="same", depth_multiplier=2,
                                   depthwise_initializer=const(DW),
                                   pointwise_initializer=const(PW),
                                   depthwise_regularizer=lambda w: 1e-3 * tf.nn.l2_loss(w),
                                   activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.batch_normalization(h, training=training)
    h = tf.layers.separable_conv2d(h, 6, 3, strides=2, padding="valid",
                                   depthwise_initializer=const(DW2),
                                   pointwise_initializer=const(PW2), activation=tf.nn.elu)
    h = tf.layers.flatten(h)
    logits = tf.layers.dense(h, 3, kernel_initializer=const(K))
    xent = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    loss = tf.losses.get_total_loss()
    step = tf.train.get_or_create_global_step()
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
    acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), labels),
                                 tf.float32))
    r["globals"] = names(tf.global_variables())
    r["trainable"] = names(tf.trainable_variables())
    r["logits"] = logits.name
    r["loss_names"] = [xent.name, loss.name]
    hist = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(6):
            _, lv = sess.run([train, loss], {x: X, labels: Y, training: True})
            hist.append(lv)
        r["losses"] = hist
        r["eval"] = sess.run([loss, acc, step], {x: X, labels: Y})
        r["weights"] = sess.run(tf.trainable_variables())
        r["moving"] = sess.run([v for v in tf.global_variables() if "moving" in v.name])
    return r
