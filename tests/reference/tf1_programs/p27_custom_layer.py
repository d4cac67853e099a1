"""A custom tf.layers.Layer subclass: build/call, add_weight, add_loss, add_update,
compute_output_shape, count_params, trainable, collections."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}

    class Scale(tf.layers.Layer):
        def __init__(self, units, **kwargs):
            super(Scale, self).__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            n = int(input_shape[-1])
            self.kernel = self.add_weight("kernel", [n, self.units],
                                          initializer=tf.constant_initializer(0.5),
                                          regularizer=lambda w: tf.reduce_sum(w) * 0.1)
            self.count = self.add_weight("count", [], initializer=tf.zeros_initializer(),
                                         trainable=False)
            self.built = True

        def call(self, inputs):
            self.add_update(tf.assign_add(self.count, 1.0))
            self.add_loss(tf.reduce_mean(inputs) * 0.0 + 2.0)
            return tf.matmul(inputs, self.kernel)

        def compute_output_shape(self, input_shape):
            return tf.TensorShape(input_shape)[:-1].concatenate([self.units])

    x = tf.placeholder(tf.float32, [None, 3], name="x")
    layer = Scale(2)
    r["before"] = [layer.name, layer.built, layer.trainable, layer.dtype, layer.variables]
    error(r, "count_before_build", lambda: layer.count_params())
    y = layer(x)
    y2 = layer(x * 2.0)
    r["after"] = [layer.name, layer.scope_name, layer.built, names(layer.variables),
                  names(layer.trainable_variables), names(layer.non_trainable_variables),
                  layer.count_params(), len(layer.losses), len(layer.updates),
                  len(layer.get_updates_for(x)), len(layer.get_updates_for(None)),
                  len(layer.get_losses_for(None)), len(layer.get_losses_for(x))]
    r["outputs"] = [y.name, y2.name, shape(y)]
    r["out_shape"] = layer.compute_output_shape(tf.TensorShape([None, 3])).as_list()
    r["collections"] = [names(tf.trainable_variables()), names(tf.global_variables()),
                        names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)),
                        len(tf.get_collection(tf.GraphKeys.UPDATE_OPS))]
    other = Scale(1, name="named", trainable=False)
    other(x)
    r["named"] = [other.name, names(other.trainable_weights), names(other.weights)]
    with tf.variable_scope("outer"):
        inner = Scale(1)
        inner(x)
    r["in_scope"] = [inner.name, inner.scope_name, names(inner.variables)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: np.array([[1.0, 2.0, 3.0]], np.float32)}
        r["values"] = sess.run([y, y2] + layer.losses, feed)
        sess.run(layer.updates, feed)
        r["count"] = sess.run(layer.count)
    error(r, "wrong_input_type", lambda: layer("abc"))
    error(r, "add_weight_bad_init", lambda: Scale(1).add_weight("k", [2], initializer=3))
    return r
