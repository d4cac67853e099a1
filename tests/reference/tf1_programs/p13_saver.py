"""Saver: save/restore round trip, var_list as list/dict, max_to_keep, latest_checkpoint."""
import os

import numpy as np

from _util import error, names


def run(tf, tmp):
    r = {}
    w = tf.get_variable("w", initializer=tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    b = tf.Variable([0.5, -0.5], name="b")
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    upd = tf.group(tf.assign(w, w * 2.0), tf.assign_sub(b, [1.0, 1.0]))
    saver = tf.train.Saver(max_to_keep=2)
    prefix = os.path.join(tmp, "model.ckpt")
    paths = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run([inc, upd])
            paths.append(saver.save(sess, prefix, global_step=step))
        r["saved_paths"] = [os.path.basename(p) for p in paths]
        r["latest"] = os.path.basename(tf.train.latest_checkpoint(tmp))
        r["last_checkpoints"] = [os.path.basename(p) for p in saver.last_checkpoints]
        r["index_files"] = sorted(f for f in os.listdir(tmp) if f.endswith(".index"))
        r["has_state_file"] = os.path.exists(os.path.join(tmp, "checkpoint"))
        saved = sess.run([w, b, step])
        plain = tf.train.Saver().save(sess, os.path.join(tmp, "plain"))
        r["plain_path"] = os.path.basename(plain)
    r["saved"] = saved
    with tf.Session() as sess:
        saver.restore(sess, paths[1])
        r["restored_mid"] = sess.run([w, b, step])
        saver.restore(sess, tf.train.latest_checkpoint(tmp))
        r["restored_latest"] = sess.run([w, b, step])
    # A subset by dict with another name; restoring into a new graph.
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sub = tf.train.Saver({"renamed_b": b})
        p = sub.save(sess, os.path.join(tmp, "sub"))
    with tf.Graph().as_default():
        b2 = tf.Variable([9.0, 9.0], name="other")
        w2 = tf.get_variable("w", [2, 2])
        restorer = tf.train.Saver({"renamed_b": b2})
        full = tf.train.Saver([w2])
        with tf.Session() as sess:
            restorer.restore(sess, p)
            full.restore(sess, paths[-1])
            r["restored_other_graph"] = sess.run([b2, w2])
            r["other_graph_vars"] = names(tf.global_variables())
        error(r, "restore_missing_file", lambda: full.restore(tf.Session(),
                                                              os.path.join(tmp, "nothing")))
        missing = tf.Variable(1.0, name="not_in_ckpt")
        error(r, "restore_missing_var", lambda: tf.train.Saver([missing]).restore(
            tf.Session(), paths[-1]))
        shaped = tf.Variable(np.zeros(3, np.float32), name="b")
        error(r, "restore_bad_shape", lambda: tf.train.Saver([shaped]).restore(
            tf.Session(), paths[-1]))
    error(r, "empty_saver", lambda: _empty_saver(tf))
    error(r, "duplicate_names", lambda: tf.train.Saver({"x": w, "y": w}))
    r["latest_none"] = tf.train.latest_checkpoint(os.path.join(tmp, "nowhere"))
    return r


def _empty_saver(tf):
    with tf.Graph().as_default():
        tf.train.Saver()
