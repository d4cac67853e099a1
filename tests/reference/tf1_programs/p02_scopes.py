"""Name scopes, variable scopes, reuse, AUTO_REUSE, initializer inheritance, collections."""
from _util import error, names


def run(tf, tmp):
    r = {}
    with tf.name_scope("outer"):
        a = tf.constant(1.0, name="a")
        with tf.name_scope("inner") as scope:
            b = tf.constant(2.0, name="b")
            r["scope_string"] = scope
        with tf.name_scope("inner"):
            c = tf.constant(3.0, name="c")
        with tf.name_scope(None):
            d = tf.constant(4.0, name="d")
    with tf.name_scope("outer/inner/"):
        e = tf.constant(5.0, name="e")
    with tf.name_scope("outer"):
        f = tf.constant(6.0, name="f")
    r["name_scope_names"] = names([a, b, c, d, e, f])

    with tf.variable_scope("model", initializer=tf.constant_initializer(0.5)):
        w = tf.get_variable("w", [2, 3])
        with tf.variable_scope("layer"):
            v = tf.get_variable("v", [3], initializer=tf.zeros_initializer())
            op = tf.add(v, 1.0, name="plus")
        r["vs_name"] = tf.get_variable_scope().name
    with tf.variable_scope("model", reuse=True):
        w2 = tf.get_variable("w")
        r["reuse_flag"] = bool(tf.get_variable_scope().reuse)
    with tf.variable_scope("model") as scope:
        scope.reuse_variables()
        w3 = tf.get_variable("w")
        op2 = tf.multiply(w3, 2.0, name="twice")
        r["scope_obj_name"] = scope.name
        r["original_name_scope"] = scope.original_name_scope
    r["same_var"] = [w2 is w, w3 is w]
    r["var_names"] = names([w, v, w2])
    r["op_in_vs"] = [op.name, op2.name]
    error(r, "reuse_missing", lambda: _reuse_missing(tf))
    error(r, "create_twice", lambda: tf.get_variable("model/w", [2, 3]))
    error(r, "shape_mismatch_reuse", lambda: _reuse_shape(tf))
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        p = tf.get_variable("p", [1], initializer=tf.ones_initializer())
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        q = tf.get_variable("p", [1])
    r["auto_reuse_same"] = p is q
    # default_name uniquifies; the name scope follows.
    with tf.variable_scope(None, default_name="block"):
        g1 = tf.get_variable("g", [1])
        t1 = tf.identity(g1, name="t")
    with tf.variable_scope(None, default_name="block"):
        g2 = tf.get_variable("g", [1])
        t2 = tf.identity(g2, name="t")
    r["default_name"] = names([g1, t1, g2, t2])
    # Re-entering a variable scope opens a new name scope (model_1, ...).
    with tf.variable_scope("model"):
        n1 = tf.constant(0.0, name="n")
    with tf.variable_scope("model", auxiliary_name_scope=False):
        n2 = tf.constant(0.0, name="n")
    r["reentry_names"] = names([n1, n2])
    with tf.name_scope("ns"):
        gv = tf.get_variable("gv", [1])
        vv = tf.Variable(1.0, name="vv")
    r["name_scope_vs_get_variable"] = names([gv, vv])
    r["global"] = names(tf.global_variables())
    r["trainable"] = names(tf.trainable_variables())
    r["collection_keys_gv"] = names(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, "model"))
    tf.add_to_collection("mine", a)
    tf.add_to_collection("mine", b)
    ref = tf.get_collection_ref("mine")
    ref.append(c)
    r["mine"] = names(tf.get_collection("mine"))
    r["mine_scoped"] = names(tf.get_collection("mine", scope="outer/inner"))
    r["empty_collection"] = tf.get_collection("nothing")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r["values"] = sess.run([w, v, op, p, op2])
    return r


def _reuse_missing(tf):
    with tf.variable_scope("model", reuse=True):
        tf.get_variable("nope", [1])


def _reuse_shape(tf):
    with tf.variable_scope("model", reuse=True):
        tf.get_variable("w", [3, 3])
