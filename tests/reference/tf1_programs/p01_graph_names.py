"""Graph building: op/tensor names and uniquification, op types, inputs, shapes, lookup."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.constant(2.0)
    c = tf.constant(3, name="c")
    c1 = tf.constant(4, name="c")
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    s1 = tf.add(a, b)
    s2 = tf.add(a, b, name="sum")
    s3 = tf.add(a, b, name="sum")
    m = tf.matmul(x, a, name="mm")
    m_t = tf.matmul(x, a, transpose_b=True)
    y = tf.nn.relu(m)
    z = tf.reduce_sum(y, axis=1, name="total")
    r["tensor_names"] = names([a, b, c, c1, x, s1, s2, s3, m, m_t, y, z])
    r["op_types"] = [t.op.type for t in [a, x, s1, m, y, z]]
    r["input_names"] = names(m.op.inputs) + names(z.op.inputs)
    r["shapes"] = [shape(t) for t in [a, b, x, m, y, z]]
    r["dtypes"] = [t.dtype.name for t in [a, c, x, z]]
    r["value_index"] = [a.value_index, z.value_index]
    r["op_names"] = [op.name for op in tf.get_default_graph().get_operations()]
    g = tf.get_default_graph()
    r["lookup"] = [g.get_tensor_by_name("sum_1:0").name, g.get_operation_by_name("mm").name]
    r["same_graph"] = z.graph is g and z.op.graph is g
    error(r, "get_tensor_missing", lambda: g.get_tensor_by_name("nope:0"))
    error(r, "get_op_missing", lambda: g.get_operation_by_name("nope"))
    error(r, "get_tensor_bad_name", lambda: g.get_tensor_by_name("sum"))
    # Python scalars and lists are converted with TF1's dtype rules.
    r["converted_dtypes"] = [tf.constant(1).dtype.name, tf.constant(1.5).dtype.name,
                             tf.constant([1, 2]).dtype.name, tf.constant(True).dtype.name,
                             tf.constant(np.float64(1)).dtype.name,
                             tf.constant(1, dtype=tf.float32).dtype.name]
    # A new graph has its own name space.
    g2 = tf.Graph()
    with g2.as_default():
        k = tf.constant(1.0)
        r["g2_name"] = k.name
        r["g2_default"] = tf.get_default_graph() is g2
    r["back_to_default"] = tf.get_default_graph() is g
    with tf.Session() as sess:
        feed = {x: np.array([[1.0, -1.0], [0.5, 2.0]], np.float32)}
        r["values"] = sess.run([s1, m, m_t, y, z], feed)
        r["fetch_by_name"] = sess.run("total:0", feed)
    # Unknown dims: shape inference through ops.
    u = tf.placeholder(tf.float32, name="u")
    r["unknown_rank"] = [shape(u), shape(u + 1.0)]
    v = tf.placeholder(tf.float32, [None, None, 3])
    r["partial"] = [shape(tf.reduce_mean(v, axis=[0, 1])), shape(tf.transpose(v)),
                    shape(tf.reshape(v, [-1, 3])), shape(tf.shape(v))]
    g.finalize()
    error(r, "finalized_add", lambda: tf.constant(1.0))
    return r
