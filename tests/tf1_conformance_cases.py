"""Small TF1 programs whose results tests/test_tf1_conformance.py checks against TF's.

Every case is `case(tf, tmp) -> dict` written against the module `tf`, so the same code
runs under minigraph (the test) and under TensorFlow's `tf.compat.v1` (the generator,
tests/reference/gen_tf1_literals.py, which printed the expected values stored in the
test). Keep the results small: they are written out as literals.
"""
import os

import numpy as np

# Inputs are fixed arrays (never random draws at run time), so both sides see the same.
_R = np.random.RandomState(1234)
X4 = np.round(_R.randn(1, 5, 4, 2), 2).astype(np.float32)        # NHWC image
DW = np.round(_R.randn(3, 3, 2, 2) * 0.5, 2).astype(np.float32)  # depthwise, multiplier 2
PW = np.round(_R.randn(1, 1, 4, 2) * 0.5, 2).astype(np.float32)  # pointwise 4 -> 2
K = np.round(_R.randn(3, 2, 2, 2) * 0.5, 2).astype(np.float32)   # conv kernel
V = np.array([[0.0, 1.0, -1.0, 2.0], [2.0, 2.0, 0.0, -3.0]], np.float32)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class name is the result
        return type(e).__name__
    return "no error"


def _names(items):
    return [x.name for x in items]


def _shape(t):
    return None if t.shape.ndims is None else t.shape.as_list()


def graph_names(tf, tmp):
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.constant(2.0)
    c = tf.constant(3, name="c")
    c1 = tf.constant(4, name="c")
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    s = [tf.add(a, b), tf.add(a, b, name="sum"), tf.add(a, b, name="sum"), a * b, a - b]
    m = tf.matmul(x, a, name="mm")
    z = tf.reduce_sum(tf.nn.relu(m), axis=1, name="total")
    with tf.name_scope("outer"):
        n1 = tf.identity(a, name="id")
        with tf.name_scope("inner") as scope:
            n2 = tf.identity(a)
        with tf.name_scope("inner"):
            n3 = tf.identity(a)
    with tf.name_scope("outer/inner/"):
        n4 = tf.identity(a)
    v = tf.placeholder(tf.float32, [None, None, 3])
    p, q = tf.split(tf.constant(np.zeros((2, 4), np.float32)), 2, axis=1)
    return {
        "names": _names([a, b, c, c1, x, m, z, n1, n2, n3, n4, p, q] + s),
        "op_types": [t.op.type for t in [a, x, m, z, s[3], s[4], p]],
        "inputs": _names(m.op.inputs) + _names(z.op.inputs),
        "scope": scope,
        "shapes": [_shape(t) for t in [a, b, x, m, z]],
        "partial": [_shape(tf.reduce_mean(v, axis=[0, 1])), _shape(tf.transpose(v)),
                    _shape(tf.reshape(v, [-1, 3])), _shape(tf.shape(v)), _shape(v[:, 1]),
                    _shape(tf.concat([v, v], 0)), _shape(tf.expand_dims(v, 0)),
                    _shape(tf.tile(v, [2, 1, 1])), _shape(v + tf.ones([3]))],
        "dtypes": [tf.constant(1).dtype.name, tf.constant(1.5).dtype.name,
                   tf.constant(np.float64(1)).dtype.name, tf.constant(True).dtype.name,
                   (tf.constant(7) / tf.constant(2)).dtype.name],
    }


def variable_scopes(tf, tmp):
    with tf.variable_scope("model", initializer=tf.constant_initializer(0.5)):
        w = tf.get_variable("w", [2, 3])
        with tf.variable_scope("layer"):
            u = tf.get_variable("u", [3], initializer=tf.zeros_initializer())
            op = tf.add(u, 1.0, name="plus")
    with tf.variable_scope("model", reuse=True):
        w2 = tf.get_variable("w")
    with tf.variable_scope("model") as vs:
        vs.reuse_variables()
        op2 = tf.multiply(tf.get_variable("w"), 2.0, name="twice")
        original = vs.original_name_scope
    with tf.variable_scope(None, default_name="block"):
        g1 = tf.identity(tf.get_variable("g", [1]), name="t")
    with tf.variable_scope(None, default_name="block"):
        g2 = tf.identity(tf.get_variable("g", [1]), name="t")
    with tf.variable_scope("model", auxiliary_name_scope=False):
        k = tf.constant(0.0, name="k")
    with tf.name_scope("ns"):
        gv = tf.get_variable("gv", [1])
        vv = tf.Variable(1.0, name="vv")
    nt = tf.Variable(0.0, trainable=False, name="nt")
    loc = tf.Variable(1.0, collections=[tf.GraphKeys.LOCAL_VARIABLES], name="loc")

    def reuse_missing():
        with tf.variable_scope("model", reuse=True):
            tf.get_variable("nope", [1])

    def shape_mismatch():
        with tf.variable_scope("model", reuse=True):
            tf.get_variable("w", [3, 3])
    return {
        "names": _names([w, u, op, op2, g1, g2, k, gv, vv, nt, loc]), "same": w2 is w,
        "original_name_scope": original,
        "global": _names(tf.global_variables()), "trainable": _names(tf.trainable_variables()),
        "local": _names(tf.local_variables()),
        "scoped": _names(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, "model")),
        "errors": [_error(reuse_missing), _error(shape_mismatch),
                   _error(lambda: tf.get_variable("model/w", [2, 3]))],
    }


def gradients(tf, tmp):
    x = tf.placeholder(tf.float32, [2, 4], name="x")
    y = tf.constant([[0.0, 1.0, 1.0, -2.0]] * 2)
    rw = tf.constant(np.arange(1, 9, dtype=np.float32).reshape(2, 4) / 8.0)
    fx = {
        "relu_at_0": tf.nn.relu(x), "abs_at_0": tf.abs(x), "maximum_tie": tf.maximum(x, y),
        "minimum_tie": tf.minimum(x, y), "reduce_max_tie": tf.reduce_max(x, axis=1),
        "reduce_prod_zero": tf.reduce_prod(x, axis=1), "clip_edges": tf.clip_by_value(x, 0., 1.),
        "elu_at_0": tf.nn.elu(x), "leaky_at_0": tf.nn.leaky_relu(x),
        "relu6": tf.nn.relu6(x * 3.0), "where": tf.where(x > 0.0, x * x, -x),
        "l2_normalize": tf.nn.l2_normalize(x, axis=1), "pow_x_0.5": tf.pow(x * x, 0.5),
    }
    grads = {k: tf.gradients(tf.reduce_sum(v * (rw if v.shape.ndims == 2 else rw[:, 0])), x)[0]
             for k, v in fx.items()}
    a = x * 2.0
    stop = tf.gradients(a * x, [x, a], stop_gradients=[a])
    (weighted,) = tf.gradients(x * x, x, grad_ys=rw)
    (g1,) = tf.gradients(tf.reduce_sum(x ** 3), x)
    (g2,) = tf.gradients(g1, x)
    none = tf.gradients(tf.reduce_sum(x), [x, tf.constant(1.0)])[1]
    with tf.Session() as sess:
        out = sess.run({"grads": grads, "stop": stop[0], "weighted": weighted, "second": g2},
                       {x: V})
    out["stop_other_none"] = stop[1] is None
    out["unconnected_none"] = none is None
    out["names"] = [g1.name.split("/")[0], g1.op.type]
    return out


def optimizers(tf, tmp):
    cases = {
        "sgd": lambda: tf.train.GradientDescentOptimizer(0.5),
        "momentum": lambda: tf.train.MomentumOptimizer(0.1, 0.9),
        "nesterov": lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
        "adam": lambda: tf.train.AdamOptimizer(0.05),
        "rmsprop": lambda: tf.train.RMSPropOptimizer(0.01),
        "rmsprop_centered": lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5,
                                                              centered=True),
    }
    out = {}
    for key, make in cases.items():
        with tf.Graph().as_default():
            w = tf.get_variable("w", initializer=tf.constant([[0.5, -0.3], [0.2, 0.8]]))
            b = tf.get_variable("b", [2], initializer=tf.constant_initializer([0.1, -0.2]))
            xs = tf.constant([[1.0, -1.0], [0.5, 2.0], [-1.5, 0.5]])
            t = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
            loss = tf.reduce_mean(tf.square(tf.tanh(tf.matmul(xs, w) + b) - t))
            step = tf.train.get_or_create_global_step()
            train = make().minimize(loss, global_step=step)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                losses = [sess.run([train, loss])[1] for _ in range(4)]
                out[key] = {"losses": losses, "final": sess.run([w, b, step]),
                            "globals": _names(tf.global_variables())}
    return out


def losses(tf, tmp):
    P = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], np.float32)
    T = np.array([[0.0, -1.5, 1.0], [1.0, 1.0, 0.0]], np.float32)
    pred, tgt = tf.constant(P), tf.constant(T)
    onehot = tf.constant([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    sparse = tf.constant([2, 0])
    wts = tf.constant([[2.0], [0.0]])
    R = tf.losses.Reduction
    out = {
        "mse": tf.losses.mean_squared_error(tgt, pred),
        "mse_w": tf.losses.mean_squared_error(tgt, pred, weights=wts),
        "mse_sum": tf.losses.mean_squared_error(tgt, pred, weights=wts, reduction=R.SUM),
        "mse_mean": tf.losses.mean_squared_error(tgt, pred, weights=wts, reduction=R.MEAN),
        "mse_sobs": tf.losses.mean_squared_error(tgt, pred, weights=wts,
                                                 reduction=R.SUM_OVER_BATCH_SIZE),
        "softmax": tf.losses.softmax_cross_entropy(onehot, pred),
        "softmax_smooth": tf.losses.softmax_cross_entropy(onehot, pred, label_smoothing=0.1),
        "sparse_w": tf.losses.sparse_softmax_cross_entropy(sparse, pred, weights=[1.0, 3.0]),
        "sigmoid_smooth": tf.losses.sigmoid_cross_entropy(onehot, pred, label_smoothing=0.2),
    }
    none = tf.losses.mean_squared_error(tgt, pred, reduction=R.NONE, loss_collection=None)
    tf.get_variable("w", initializer=tf.constant([1.0, -2.0]),
                    regularizer=lambda t: 0.1 * tf.reduce_sum(tf.abs(t)))
    total = tf.losses.get_total_loss()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = sess.run(out)
        values["none"] = sess.run(none)
        values["total"] = sess.run(total)
    values["names"] = {k: v.name for k, v in out.items()}
    values["collection"] = _names(tf.get_collection(tf.GraphKeys.LOSSES))
    values["reg_collection"] = _names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    values["total_name"] = total.name
    return values


def conv_pool(tf, tmp):
    x = tf.constant(X4, name="x")
    k, dw, pw = tf.constant(K), tf.constant(DW), tf.constant(PW)
    nn = tf.nn
    out = {
        "conv_same_s2": nn.conv2d(x, k, [1, 2, 2, 1], "SAME"),
        "conv_valid": nn.conv2d(x, k, [1, 1, 1, 1], "VALID"),
        "conv_dilated": nn.conv2d(x, k, [1, 1, 1, 1], "SAME", dilations=[1, 2, 1, 1]),
        "dw_valid": nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "VALID"),
        "sep_same_s2": nn.separable_conv2d(x, dw, pw, [1, 2, 2, 1], "SAME"),
        "max_same_s2": nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
        "avg_same_s2": nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
        "avg_valid": nn.avg_pool(x, [1, 2, 2, 1], [1, 1, 2, 1], "VALID"),
    }
    grads = {key: tf.gradients(tf.reduce_sum(v * v), x)[0] for key, v in out.items()}
    grads["sep_dw"], grads["sep_pw"] = tf.gradients(tf.reduce_sum(out["sep_same_s2"] ** 2),
                                                    [dw, pw])
    p = tf.placeholder(tf.float32, [None, None, None, 2])
    with tf.Session() as sess:
        values = sess.run({"out": out, "grads": grads})
    values["names"] = {key: v.name for key, v in out.items()}
    values["shapes"] = {key: _shape(v) for key, v in out.items()}
    values["unknown"] = [_shape(nn.conv2d(p, k, [1, 2, 2, 1], "SAME")),
                         _shape(nn.max_pool(p, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"))]
    values["errors"] = [
        _error(lambda: nn.conv2d(x, tf.ones([3, 3, 4, 2]), [1, 1, 1, 1], "SAME")),
        _error(lambda: nn.conv2d(x, k, [1, 1, 1, 1], "FULL")),
        _error(lambda: nn.conv2d(x, tf.ones([9, 9, 2, 1]), [1, 1, 1, 1], "VALID")),
        _error(lambda: nn.max_pool(x, [2, 2], [1, 1, 1, 1], "VALID")),
        _error(lambda: nn.depthwise_conv2d(x, tf.ones([3, 3, 3, 1]), [1, 1, 1, 1], "SAME"))]
    return values


def separable_layer(tf, tmp):
    const = tf.constant_initializer
    x = tf.placeholder(tf.float32, [None, 5, 4, 2], name="x")
    layer = tf.layers.SeparableConv2D(
        2, 3, padding="same", depth_multiplier=2, activation=tf.nn.relu,
        depthwise_initializer=const(DW), pointwise_initializer=const(PW),
        bias_initializer=const([0.1, -0.1]),
        depthwise_regularizer=lambda w: 0.1 * tf.reduce_sum(w * w))
    y = layer(x)
    y2 = tf.layers.separable_conv2d(x, 2, (3, 2), strides=(2, 1), padding="valid",
                                    depthwise_initializer=const(DW[:, :2, :, :1]),
                                    pointwise_initializer=const(PW[:, :, :2]),
                                    use_bias=False)
    y3 = tf.layers.separable_conv2d(x, 2, 3, padding="same", depth_multiplier=2,
                                    name="separable_conv2d", reuse=True)
    grads = tf.gradients(tf.reduce_sum(y * y), layer.trainable_variables)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = sess.run({"y": y, "y2": y2, "y3": y3, "reg": layer.losses,
                           "grad_pw": grads[1], "grad_b": grads[2]}, {x: X4})
    values.update({
        "layer_name": layer.name, "outputs": _names([y, y2, y3]),
        "variables": _names(layer.variables), "shapes": [_shape(v) for v in layer.variables],
        "out_shapes": [_shape(y), _shape(y2)], "global": _names(tf.global_variables()),
        "reg_collection": _names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)),
        "count_params": layer.count_params(),
        "errors": [_error(lambda: tf.layers.separable_conv2d(x, 2, 3, padding="full")),
                   _error(lambda: tf.layers.separable_conv2d(x, 2, 3, name="nope", reuse=True)),
                   _error(lambda: layer(tf.ones([2, 5, 3]))),
                   _error(lambda: layer(tf.ones([2, 5, 4, 3])))],
    })
    return values


def core_layers(tf, tmp):
    const = tf.constant_initializer
    x = tf.placeholder(tf.float32, [None, 5, 4, 2], name="x")
    training = tf.placeholder_with_default(False, [], name="training")
    p = tf.layers.max_pooling2d(x, 2, 2, padding="same")
    b = tf.layers.batch_normalization(p, momentum=0.9, training=training,
                                      beta_initializer=const([0.1, -0.1]),
                                      gamma_initializer=const([1.5, 0.5]))
    f = tf.layers.flatten(b)
    d = tf.layers.dense(f, 2, kernel_initializer=const(np.linspace(-1, 1, 24).reshape(12, 2)),
                        bias_initializer=const([0.5, -0.5]), activation=tf.nn.tanh)
    o = tf.layers.dropout(d, 0.5, training=False)
    a = tf.layers.average_pooling2d(x, 3, 1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        infer = sess.run([d, o], {x: X4})
        train = sess.run([b, d] + tf.get_collection(tf.GraphKeys.UPDATE_OPS),
                         {x: X4, training: True})[:2]
        moving = sess.run([v for v in tf.global_variables() if "moving" in v.name])
        pooled = sess.run([p, a], {x: X4})
    return {
        # (b's name is left out: with a tensor `training` TF builds a cond, minigraph a Select)
        "outputs": _names([p, f, d, o, a]), "shapes": [_shape(t) for t in [p, b, f, d, a]],
        "global": _names(tf.global_variables()), "trainable": _names(tf.trainable_variables()),
        "update_ops": _names(tf.get_collection(tf.GraphKeys.UPDATE_OPS)),
        "infer": infer, "train": train, "moving": moving, "pooled": pooled,
    }


def saver(tf, tmp):
    w = tf.get_variable("w", initializer=tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    b = tf.Variable([0.5, -0.5], name="b")
    step = tf.train.get_or_create_global_step()
    update = tf.group(tf.assign_add(step, 1), tf.assign(w, w * 2.0), tf.assign_sub(b, [1., 1.]))
    s = tf.train.Saver(max_to_keep=2)
    paths = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(update)
            paths.append(s.save(sess, os.path.join(tmp, "model.ckpt"), global_step=step))
        files = sorted(f for f in os.listdir(tmp) if f.endswith(".index"))
    with tf.Session() as sess:
        s.restore(sess, paths[1])
        mid = sess.run([w, b, step])
    with tf.Graph().as_default():
        other = tf.Variable([9.0, 9.0], name="other")
        with tf.Session() as sess:
            tf.train.Saver({"b": other}).restore(sess, tf.train.latest_checkpoint(tmp))
            restored = sess.run(other)
        missing = _error(lambda: tf.train.Saver([other]).restore(tf.Session(), paths[-1]))
        no_file = _error(lambda: tf.train.Saver({"b": other}).restore(
            tf.Session(), os.path.join(tmp, "nothing")))
    return {"paths": [os.path.basename(p) for p in paths], "index_files": files,
            "latest": os.path.basename(tf.train.latest_checkpoint(tmp)),
            "last": [os.path.basename(p) for p in s.last_checkpoints], "mid": mid,
            "restored": restored, "errors": [missing, no_file]}


def numeric_edges(tf, tmp):
    out = {
        "cast_trunc": tf.cast(tf.constant([1.7, -1.7, 2.5, -0.5]), tf.int32),
        "int_floordiv": tf.constant([7, -7, 8, -9]) // tf.constant([2, 2, -3, 4]),
        "int_mod": tf.constant([7, -7, 8, -9]) % tf.constant([2, 2, -3, 4]),
        "float_mod": tf.mod(tf.constant([-3.5, 3.5, -0.5]), 2.0),
        "truediv_int": tf.truediv(tf.constant([7, -7]), tf.constant([2, 4])),
        "softplus_big": tf.nn.softplus(tf.constant([-100.0, 0.0, 100.0, 30.0])),
        "softmax_big": tf.nn.softmax(tf.constant([[1000.0, 0.0, -1000.0]])),
        "xent_big": tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.constant([[0.0, 0.0, 1.0]]), logits=tf.constant([[1000.0, 0.0, -1000.0]])),
        "sigmoid_xent_big": tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.constant([1.0, 0.0, 0.5]), logits=tf.constant([100.0, -100.0, 50.0])),
        "one_hot": tf.one_hot([-1, 2, 1], 3), "argmax_nan": tf.argmax(
            tf.constant([np.nan, np.inf, 1.0])),
        "empty_sum": tf.reduce_sum(tf.zeros([0, 2]), 0),
        "empty_mean": tf.reduce_mean(tf.zeros([0, 2]), 0),
        "empty_max": tf.reduce_max(tf.zeros([0, 2]), 0),
        "range": tf.range(1.0, 2.0, 0.25), "constant_fill": tf.constant([1, 2], shape=[2, 2]),
    }
    with tf.Session() as sess:
        values = sess.run(out)
    values["dtypes"] = {k: v.dtype.name for k, v in out.items()}
    return values


def errors(tf, tmp):
    a = tf.constant(np.ones((3, 4), np.float32))
    i = tf.constant([1, 2])
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    n = tf.placeholder(tf.int32, [], name="n")
    v = tf.Variable(1.0, name="v")
    g = tf.get_default_graph()
    sess = tf.Session()
    checks = {
        "broadcast": lambda: a + tf.constant([1.0, 2.0]),
        "matmul": lambda: tf.matmul(a, a),
        "dtype_mix": lambda: tf.add(a, i),
        "python_float_to_int": lambda: i + 1.5,
        "reduce_axis": lambda: tf.reduce_sum(a, axis=2),
        "reshape": lambda: tf.reshape(a, [5, -1]),
        "concat": lambda: tf.concat([a, i], 0),
        "split": lambda: tf.split(a, 3, axis=1),
        "squeeze": lambda: tf.squeeze(a, axis=[0]),
        "index": lambda: a[5],
        "transpose": lambda: tf.transpose(a, [0]),
        "tensor_name": lambda: g.get_tensor_by_name("nope:0"),
        "op_name": lambda: g.get_operation_by_name("nope"),
        "bad_tensor_name": lambda: g.get_tensor_by_name("nope"),
        "unfed": lambda: sess.run(x * 2.0),
        "feed_shape": lambda: sess.run(x, {x: np.ones((2, 3))}),
        "feed_scalar": lambda: sess.run(n, {n: [1, 2]}),
        "fetch_none": lambda: sess.run(None),
        "fetch_int": lambda: sess.run(3),
        "fetch_name": lambda: sess.run("nope:0"),
        "uninitialized": lambda: sess.run(v),
        "gather_range": lambda: sess.run(tf.gather(a, [0, 7])),
        "runtime_reshape": lambda: sess.run(tf.reshape(x, [5, -1]), {x: np.ones((2, 4))}),
        "runtime_broadcast": lambda: sess.run(x + tf.ones([3, 1]), {x: np.ones((2, 4))}),
        "int_div_zero": lambda: sess.run(tf.constant(7) // tf.constant(0)),
        "constant_too_many": lambda: tf.constant([1, 2, 3], shape=[2]),
        "other_graph": lambda: v + _other_graph_constant(tf),
        "variable_no_value": lambda: tf.Variable(name="x"),
        "get_variable_no_shape": lambda: tf.get_variable("noshape"),
        "empty_saver": lambda: tf.train.Saver(var_list=[]),
        "sparse_rank": lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.zeros([2, 3]), logits=tf.zeros([2, 3])),
        "sparse_dtype": lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.zeros([2]), logits=tf.zeros([2, 3])),
        "softmax_int": lambda: tf.nn.softmax(i),
        "bias_add": lambda: tf.nn.bias_add(a, tf.ones([3])),
        "dropout_keep": lambda: tf.nn.dropout(a, keep_prob=1.5),
        "concat_empty": lambda: tf.concat([], 0),
        "stack_empty": lambda: tf.stack([]),
        "add_n_empty": lambda: tf.add_n([]),
    }
    out = {k: _error(fn) for k, fn in checks.items()}
    g.finalize()
    out["finalized"] = _error(lambda: tf.constant(1.0))
    sess.close()
    out["closed"] = _error(lambda: sess.run(a))
    return out


def _other_graph_constant(tf):
    with tf.Graph().as_default():
        return tf.constant(1.0)


def tensor_shape(tf, tmp):
    TS, D = tf.TensorShape, tf.Dimension
    a, b, u = TS([None, 3, 4]), TS([2, None, 4]), TS(None)

    def s(shape):
        return None if shape.ndims is None else shape.as_list()
    return {
        "merge": [s(a.merge_with(b)), s(u.merge_with(a))],
        "compatible": [a.is_compatible_with(b), a.is_compatible_with(TS([2, 3, 5])),
                       u.is_compatible_with(a), a.is_compatible_with(TS([None, 3]))],
        "concat": [s(a.concatenate([5])), s(a.concatenate(u))],
        "index": [a[1].value, a[0].value, s(a[1:]), s(u[1:])],
        "ndims": [a.ndims, u.ndims, TS([]).ndims],
        "eq": [TS([1, 2]) == TS([1, 2]), TS([1, 2]) == [1, 2], TS([1, 2]) != TS([1, 3])],
        "dims": [(D(3) + 2).value, (D(None) + 2).value, (D(6) // D(4)).value,
                 D(None) == 3, D(3) == 3, D(None).merge_with(3).value],
        "str": [str(a), str(u), str(TS([]))],
        "errors": [_error(lambda: a.merge_with(TS([2, 3, 5]))), _error(lambda: a.with_rank(2)),
                   _error(lambda: u.as_list()), _error(lambda: D(3).merge_with(4)),
                   _error(lambda: D(-1))],
    }


def layer_scoping(tf, tmp):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    init = tf.constant_initializer(np.linspace(-1, 1, 12).reshape(4, 3))
    with tf.variable_scope("block"):
        h1 = tf.layers.dense(x, 3, kernel_initializer=init, name="fc")
    with tf.variable_scope("block", reuse=True):
        h2 = tf.layers.dense(x, 3, name="fc")
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a1 = tf.layers.dense(x, 3, kernel_initializer=init)
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a2 = tf.layers.dense(x, 3, kernel_initializer=init)
    with tf.name_scope("ns"):
        n1 = tf.layers.dense(x, 2, kernel_initializer=tf.ones_initializer())
    shared = tf.layers.Dense(2, kernel_initializer=tf.ones_initializer(), name="shared")
    s1, s2 = shared(x), shared.apply(x * 2.0)
    frozen = tf.layers.Dense(2, trainable=False, name="frozen")
    frozen(x)
    return {"outputs": _names([h1, h2, a1, a2, n1, s1, s2]),
            "global": _names(tf.global_variables()),
            "trainable": _names(tf.trainable_variables()),
            "shared": [shared.name, shared.scope_name, shared.count_params()],
            "frozen": [_names(frozen.trainable_weights), _names(frozen.non_trainable_weights)]}


def gradient_checker(tf, tmp):
    X = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]])
    x = tf.placeholder(tf.float64, [2, 3], name="x")
    y = tf.tanh(tf.matmul(x, tf.constant(np.arange(6.0).reshape(3, 2) / 5.0)))
    x2 = tf.constant(X, name="x2")
    w = tf.constant(np.zeros(3), name="w")
    u = tf.reduce_sum(x2 * w, axis=1)
    with tf.Session():
        single = tf.test.compute_gradient(x, [2, 3], y, [2, 2], x_init_value=X)
        both = tf.test.compute_gradient([x2, w], [[2, 3], [3]], u, [2],
                                        x_init_value=[X, np.array([1.0, -2.0, 0.5])])
    return {"single": list(single), "both": [list(pair) for pair in both]}


CASES = [graph_names, variable_scopes, gradients, optimizers, losses, conv_pool,
         separable_layer, core_layers, saver, numeric_edges, errors, tensor_shape,
         layer_scoping, gradient_checker]
