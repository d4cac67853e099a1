"""tf.layers Dense/Flatten/Dropout/pooling/BatchNormalization: names, collections, values."""
import numpy as np

from _util import names, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(6)
    X = rs.randn(4, 6, 6, 2).astype(np.float32)
    K = rs.randn(18, 3).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 6, 6, 2], name="x")
    training = tf.placeholder_with_default(False, [], name="training")
    const = tf.constant_initializer
    mp = tf.layers.MaxPooling2D(2, 2)
    p1 = mp(x)
    p2 = tf.layers.average_pooling2d(x, 3, 2, padding="same")
    p3 = tf.layers.max_pooling2d(x, (3, 2), (1, 2), padding="valid", name="mp")
    p4 = tf.layers.AveragePooling2D(2, 1)(x)
    r["pool"] = [mp.name, names([p1, p2, p3, p4]), [shape(t) for t in [p1, p2, p3, p4]]]
    bn = tf.layers.BatchNormalization(momentum=0.9, epsilon=1e-3,
                                      beta_initializer=const([0.1, -0.1]),
                                      gamma_initializer=const([1.5, 0.5]))
    b1 = bn(p1, training=training)
    b2 = tf.layers.batch_normalization(p2, training=True, center=False, name="bn2")
    r["bn_vars"] = names(bn.variables)
    r["bn_trainable"] = names(bn.trainable_variables)
    r["bn_updates_collection"] = names(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    r["bn_updates"] = len(bn.updates)
    flat = tf.layers.Flatten()(b1)
    flat2 = tf.layers.flatten(p3)
    r["flatten"] = [flat.name, shape(flat), flat2.name, shape(flat2)]
    dense = tf.layers.Dense(3, activation=tf.nn.relu, kernel_initializer=const(K),
                            bias_initializer=const([0.1, 0.2, 0.3]),
                            kernel_regularizer=lambda w: 0.01 * tf.reduce_sum(w * w))
    d1 = dense(flat)
    d2 = tf.layers.dense(d1, 2, kernel_initializer=tf.ones_initializer(), use_bias=False)
    d3 = tf.layers.dense(tf.reshape(x, [-1, 6, 12]), 2,
                         kernel_initializer=tf.constant_initializer(0.1), name="d3")
    drop = tf.layers.Dropout(0.5)
    o1 = drop(d1, training=False)
    o2 = tf.layers.dropout(d1, rate=0.3, training=training)
    r["dense"] = [dense.name, names(dense.variables), names([d1, d2, d3, o1, o2]),
                  [shape(t) for t in [d1, d2, d3, o1, o2]]]
    r["global"] = names(tf.global_variables())
    r["trainable"] = names(tf.trainable_variables())
    r["reg_losses"] = names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: X}
        r["infer"] = sess.run([p1, p2, p3, p4, b1, flat2, d1, d2, d3, o1, o2], feed)
        feed[training] = True
        r["train"] = sess.run([b1, b2, d1, d2] + updates, feed)[:4]
        r["moving"] = sess.run([v for v in bn.variables if "moving" in v.name])
        r["infer_after"] = sess.run(b1, {x: X})
    return r
