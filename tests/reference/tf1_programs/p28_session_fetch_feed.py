"""Session.run corner cases: op-name strings, variables in fetches and feeds, OrderedDict,
keyword arguments, feeding constants and intermediates, numpy scalar feeds."""
import collections

import numpy as np

from _util import error


def run(tf, tmp):
    r = {}
    v = tf.Variable([1.0, 2.0], name="v")
    c = tf.constant(3.0, name="c")
    x = tf.placeholder(tf.float32, [], name="x")
    y = v * c + x
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        r["init_by_name"] = sess.run(init.name)
        r["fetch_variable"] = sess.run(v)
        r["fetch_var_name"] = sess.run("v:0")
        r["feed_variable"] = sess.run(y, {v: [10.0, 20.0], x: 1.0})
        r["feed_constant"] = sess.run(y, {c: 0.5, x: 0.0})
        r["numpy_scalar_feed"] = sess.run(y, feed_dict={x: np.float64(2.5)})
        r["int_feed_to_float"] = sess.run(y, feed_dict={x: np.int64(2)})
        od = sess.run(collections.OrderedDict([("b", y), ("a", c)]), {x: 0.0})
        r["ordered"] = [type(od).__name__, list(od.keys())]
        r["kwargs"] = sess.run(fetches=[c], feed_dict=None, options=None, run_metadata=None)
        r["nested"] = sess.run({"t": (c, [c, {"d": c}])})
        r["ops_tuple"] = sess.run((init, tf.no_op()))
        r["empty_list"] = sess.run([])
        r["empty_dict"] = sess.run({})
        r["after_feed_variable_unchanged"] = sess.run(v)
        error(r, "feed_wrong_shape_variable", lambda: sess.run(y, {v: [1.0], x: 0.0}))
        error(r, "fetch_op_name_with_colon", lambda: sess.run("c:1"))
        error(r, "feed_op_not_tensor", lambda: sess.run(y, {init: 1.0, x: 0.0}))
        error(r, "fetch_set", lambda: sess.run({c}))
    return r
