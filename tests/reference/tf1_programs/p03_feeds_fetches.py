"""Placeholders and feeds; fetch structures; feed/fetch errors."""
import collections

import numpy as np

from _util import error, shape

Pair = collections.namedtuple("Pair", ["first", "second"])


def run(tf, tmp):
    r = {}
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    n = tf.placeholder(tf.int32, [], name="n")
    d = tf.placeholder_with_default(tf.constant([1.0, 2.0, 3.0]), [3], name="d")
    dd = tf.placeholder_with_default(2.5, [], name="dd")
    y = x * 2.0 + d
    z = tf.reduce_sum(y) * tf.cast(n, tf.float32)
    init_op = tf.no_op(name="noop")
    r["shapes"] = [shape(x), shape(n), shape(d), shape(dd), shape(y), shape(z)]
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session() as sess:
        r["simple"] = sess.run(y, {x: xv})
        r["default_used"] = sess.run(d)
        r["default_fed"] = sess.run(d, {d: [5.0, 6.0, 7.0]})
        r["dd"] = sess.run(dd * 2.0)
        r["list"] = sess.run([y, z], {x: xv, n: 3})
        r["tuple"] = list(sess.run((z, n), {x: xv, n: 2}))
        out = sess.run({"a": z, "b": [y, {"c": n}]}, {x: xv, n: 1})
        r["dict"] = {"a": out["a"], "b0": out["b"][0], "bc": out["b"][1]["c"]}
        pair = sess.run(Pair(z, n), {x: xv, n: 4})
        r["namedtuple"] = [type(pair).__name__, pair.first, pair.second]
        r["op_fetch"] = sess.run(init_op)
        r["mixed"] = sess.run([init_op, z, "x:0"], {x: xv, n: 1})
        r["feed_by_name"] = sess.run(y, {"x:0": xv})
        r["feed_python_list"] = sess.run(y, {x: [[1, 2, 3]]})
        r["feed_intermediate"] = sess.run(z, {y: np.ones((1, 3), np.float32), n: 2})
        r["same_twice"] = sess.run([z, z], {x: xv, n: 1})
        r["fetch_numpy_dtype"] = str(sess.run(n, {n: 7}).dtype)
        error(r, "unfed", lambda: sess.run(y))
        error(r, "feed_bad_shape", lambda: sess.run(y, {x: np.ones((2, 4))}))
        error(r, "feed_bad_rank", lambda: sess.run(y, {x: np.ones(3)}))
        error(r, "feed_scalar_wrong", lambda: sess.run(z, {x: xv, n: [1, 2]}))
        error(r, "fetch_none", lambda: sess.run(None))
        error(r, "fetch_bad_type", lambda: sess.run(3))
        error(r, "fetch_unknown_name", lambda: sess.run("nope:0"))
        error(r, "feed_not_tensor", lambda: sess.run(y, {"nope:0": 1.0}))
        error(r, "feed_float_to_int", lambda: sess.run(n, {n: 1.5}))
    error(r, "closed_session", lambda: _closed(tf, y, x, xv))
    sess = tf.InteractiveSession()
    r["interactive_eval"] = y.eval({x: xv})
    r["default_session"] = tf.get_default_session() is sess
    sess.close()
    return r


def _closed(tf, y, x, xv):
    sess = tf.Session()
    sess.close()
    sess.run(y, {x: xv})
