"""Saver: round trips, fresh graphs, bookkeeping of kept checkpoints, and TF1's errors."""
import json
import os
import time

import numpy as np
import pytest

import minigraph as mg

W = np.arange(6, dtype=np.float32).reshape(2, 3)
B = np.array([0.5, -1.5], dtype=np.float64)


def _variables(w_init=W, b_init=B):
    w = mg.get_variable("w", initializer=w_init)
    with mg.variable_scope("scope"):
        b = mg.get_variable("b", initializer=b_init)
    return w, b


def _initialized_session():
    sess = mg.Session()
    sess.run(mg.global_variables_initializer())
    return sess


def test_save_and_restore_round_trip(tmp_path):
    w, b = _variables()
    step = mg.train.get_or_create_global_step()
    saver = mg.train.Saver()
    prefix = str(tmp_path / "model.ckpt")
    with _initialized_session() as sess:
        sess.run(step.assign(100))
        path = saver.save(sess, prefix, global_step=step)
        assert path == prefix + "-100"
        sess.run([w.assign(np.zeros((2, 3), np.float32)), b.assign([9.0, 9.0]),
                  step.assign(3)])
        assert saver.restore(sess, path) is None
        got_w, got_b, got_step = sess.run([w, b, step])
    np.testing.assert_array_equal(got_w, W)
    np.testing.assert_array_equal(got_b, B)
    assert got_b.dtype == np.float64 and got_step == 100
    files = sorted(os.listdir(tmp_path))
    assert {"checkpoint", "model.ckpt-100.index", "model.ckpt-100.data-00000-of-00001"} <= \
        set(files)
    assert open(tmp_path / "checkpoint").read() == (
        'model_checkpoint_path: "%s-100"\nall_model_checkpoint_paths: "%s-100"\n'
        % (prefix, prefix))
    assert mg.train.list_variables(path) == [("global_step", []), ("scope/b", [2]),
                                             ("w", [2, 3])]
    np.testing.assert_array_equal(mg.train.load_variable(str(tmp_path), "scope/b:0"), B)
    assert mg.train.checkpoint_exists(path) and not mg.train.checkpoint_exists(prefix)


def test_restore_into_a_fresh_graph_counts_as_initialized(tmp_path):
    w, b = _variables()
    with _initialized_session() as sess:
        path = mg.train.Saver().save(sess, str(tmp_path / "m"))
    g = mg.Graph()
    with g.as_default():
        w2, b2 = _variables(np.ones((2, 3), np.float32), np.zeros(2))
        saver = mg.train.Saver()
        with mg.Session() as sess:
            assert len(sess.run(mg.report_uninitialized_variables())) == 2
            saver.restore(sess, mg.train.latest_checkpoint(str(tmp_path)))
            assert len(sess.run(mg.report_uninitialized_variables())) == 0
            np.testing.assert_array_equal(sess.run(w2), W)
            np.testing.assert_array_equal(sess.run(b2 * 2), 2 * B)
            # The restored arrays are the session's own: fetched values do not alias them.
            fetched = sess.run(w2)
            fetched[...] = -1
            np.testing.assert_array_equal(sess.run(w2), W)


def test_max_to_keep_deletes_old_checkpoints(tmp_path):
    _variables()
    saver = mg.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model.ckpt")
    with _initialized_session() as sess:
        for step in range(1, 5):
            saver.save(sess, prefix, global_step=step)
    assert saver.last_checkpoints == [prefix + "-3", prefix + "-4"]
    left = sorted(f for f in os.listdir(tmp_path) if f.startswith("model.ckpt"))
    assert [f for f in left if not f.endswith(".meta")] == [
        "model.ckpt-3.data-00000-of-00001", "model.ckpt-3.index",
        "model.ckpt-4.data-00000-of-00001", "model.ckpt-4.index"]
    state = mg.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == prefix + "-4"
    assert state.all_model_checkpoint_paths == [prefix + "-3", prefix + "-4"]
    assert mg.train.latest_checkpoint(str(tmp_path)) == prefix + "-4"


def test_max_to_keep_none_keeps_everything_and_resave_moves_to_end(tmp_path):
    _variables()
    saver = mg.train.Saver(max_to_keep=None)
    keep2 = mg.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "m")
    with _initialized_session() as sess:
        for step in (1, 2, 3):
            saver.save(sess, prefix, global_step=step)
        keep2.save(sess, prefix, global_step=1)
        keep2.save(sess, prefix, global_step=2)
        keep2.save(sess, prefix, global_step=1)
    assert saver.last_checkpoints == []
    assert keep2.last_checkpoints == [prefix + "-2", prefix + "-1"]
    assert all(mg.train.checkpoint_exists(prefix + "-%d" % s) for s in (1, 2, 3))


def test_keep_checkpoint_every_n_hours_preserves_old_ones(tmp_path):
    _variables()
    saver = mg.train.Saver(max_to_keep=1, keep_checkpoint_every_n_hours=0.001 / 3600)
    prefix = str(tmp_path / "m")
    with _initialized_session() as sess:
        for step in (1, 2, 3):
            time.sleep(0.01)
            saver.save(sess, prefix, global_step=step)
    assert saver.last_checkpoints == [prefix + "-3"]
    assert all(mg.train.checkpoint_exists(prefix + "-%d" % s) for s in (1, 2, 3))


def test_recover_last_checkpoints_resumes_deletion(tmp_path):
    _variables()
    prefix = str(tmp_path / "m")
    with _initialized_session() as sess:
        mg.train.Saver().save(sess, prefix, global_step=1)
        saver = mg.train.Saver(max_to_keep=1)
        saver.recover_last_checkpoints([prefix + "-1", prefix + "-99"])
        assert saver.last_checkpoints == [prefix + "-1"]
        saver.save(sess, prefix, global_step=2)
    assert not mg.train.checkpoint_exists(prefix + "-1")


def test_var_list_dict_and_list(tmp_path):
    w, b = _variables()
    with _initialized_session() as sess:
        path = mg.train.Saver({"renamed": w}).save(sess, str(tmp_path / "a"))
        assert mg.train.list_variables(path) == [("renamed", [2, 3])]
        path = mg.train.Saver([b]).save(sess, str(tmp_path / "b"))
        assert mg.train.list_variables(path) == [("scope/b", [2])]
    g = mg.Graph()
    with g.as_default():
        other = mg.get_variable("other", [2, 3])
        with mg.Session() as sess:
            mg.train.Saver({"renamed": other}).restore(sess, str(tmp_path / "a"))
            np.testing.assert_array_equal(sess.run(other), W)


def test_var_list_errors():
    w, b = _variables()
    with pytest.raises(ValueError, match="At least two variables have the same name: w"):
        mg.train.Saver([w, w])
    with pytest.raises(ValueError, match="The same saveable will be restored with two names"):
        mg.train.Saver({"a": w, "b": w})
    with pytest.raises(TypeError, match="Variable to save is not a Variable: Tensor"):
        mg.train.Saver([mg.constant(1.0)])
    with pytest.raises(TypeError, match="Variables to save should be passed in a dict or a list"):
        mg.train.Saver(w)
    with pytest.raises(ValueError, match="build cannot be deferred"):
        mg.train.Saver([w], defer_build=True)
    g = mg.Graph()
    with g.as_default():
        with pytest.raises(ValueError, match="No variables to save"):
            mg.train.Saver()
        empty = mg.train.Saver(allow_empty=True)
        with mg.Session() as sess:
            assert empty.save(sess, "/nonexistent/x") is None
            assert empty.restore(sess, "/nonexistent/x") is None
        with pytest.raises(TypeError, match="'sess' must be a Session; None"):
            empty.save(None, "x")


def test_restore_errors_change_nothing(tmp_path):
    w, b = _variables()
    with _initialized_session() as sess:
        path = mg.train.Saver().save(sess, str(tmp_path / "m"))
    g = mg.Graph()
    with g.as_default():
        w2 = mg.get_variable("w", [2, 3])
        missing = mg.get_variable("zz", [2])
        with mg.Session() as sess:
            with pytest.raises(mg.errors.NotFoundError, match="Key zz not found in checkpoint"):
                mg.train.Saver().restore(sess, path)
            assert len(sess.run(mg.report_uninitialized_variables())) == 2
            with pytest.raises(ValueError, match="not a valid checkpoint: .*nope"):
                mg.train.Saver([w2]).restore(sess, str(tmp_path / "nope"))
            with pytest.raises(ValueError, match="Can't load save_path when it is None."):
                mg.train.Saver([w2]).restore(sess, None)
            with pytest.raises(TypeError, match="'sess' must be a Session"):
                mg.train.Saver([missing]).restore("sess", path)
    g = mg.Graph()
    with g.as_default():
        mg.get_variable("w", [3, 2])
        with mg.variable_scope("scope"):
            mg.get_variable("b", [2], dtype=mg.float32)
        with mg.Session() as sess:
            with pytest.raises(mg.errors.InvalidArgumentError,
                               match=r"variable w .*has shape \[3,2\] but the checkpoint holds "
                                     r"shape \[2, 3\]"):
                mg.train.Saver([v for v in mg.global_variables() if v.name == "w:0"]).restore(
                    sess, path)
            with pytest.raises(mg.errors.InvalidArgumentError,
                               match="tensor_name = scope/b; expected dtype float32 does not "
                                     "equal original dtype float64"):
                mg.train.Saver(mg.global_variables()[1:]).restore(sess, path)
            # reshape=True accepts the same number of elements.
            saver = mg.train.Saver(mg.global_variables()[:1], reshape=True)
            saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run(mg.global_variables()[0]), W.reshape(3, 2))
    os.remove(path + ".data-00000-of-00001")
    g = mg.Graph()
    with g.as_default():
        w3 = mg.get_variable("w", [2, 3])
        with mg.Session() as sess:
            with pytest.raises(mg.errors.NotFoundError, match="Failed to find any matching files"):
                mg.train.Saver([w3]).restore(sess, path)


def test_save_errors(tmp_path):
    w, b = _variables()
    saver = mg.train.Saver()
    with mg.Session() as sess:
        with pytest.raises(mg.errors.FailedPreconditionError, match="uninitialized value"):
            saver.save(sess, str(tmp_path / "m"))
        assert os.listdir(tmp_path) == []
        with pytest.raises(ValueError, match="'latest_filename' must not contain path components"):
            saver.save(sess, str(tmp_path / "m"), latest_filename="a/b")
        with pytest.raises(ValueError, match="'latest_filename' collides with 'save_path'"):
            saver.save(sess, str(tmp_path / "checkpoint"))
    with pytest.raises(TypeError, match="'sess' must be a Session; notasession"):
        saver.save("notasession", str(tmp_path / "m"))
    sess = _initialized_session()
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        saver.save(sess, str(tmp_path / "m"))
    g = mg.Graph()
    with g.as_default(), mg.Session() as other:
        with pytest.raises(ValueError, match="not in the graph of the given session"):
            saver.save(other, str(tmp_path / "m"))


def test_save_creates_missing_directories_and_pads_steps(tmp_path):
    _variables()
    saver = mg.train.Saver(pad_step_number=True)
    with _initialized_session() as sess:
        path = saver.save(sess, str(tmp_path / "a" / "b" / "m"), global_step=7)
        assert path == str(tmp_path / "a" / "b" / "m-00000007")
        assert mg.train.latest_checkpoint(str(tmp_path / "a" / "b")) == path
        path = mg.train.Saver().save(sess, str(tmp_path / "s"), global_step=np.int64(3))
        assert path.endswith("s-3")


def test_relative_paths_and_latest_filename(tmp_path, monkeypatch):
    _variables()
    monkeypatch.chdir(tmp_path)
    with _initialized_session() as sess:
        path = mg.train.Saver(save_relative_paths=True).save(
            sess, str(tmp_path / "m"), latest_filename="latest", write_meta_graph=False)
        assert open(tmp_path / "latest").read().startswith('model_checkpoint_path: "m"')
        assert mg.train.latest_checkpoint(str(tmp_path), "latest") == path
        rel = mg.train.Saver().save(sess, "rel.ckpt", write_meta_graph=False)
        assert rel == "rel.ckpt" and os.path.exists(tmp_path / "rel.ckpt.index")
        assert mg.train.latest_checkpoint(".") == "./rel.ckpt"
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "latest", "m.data-00000-of-00001",
                                            "m.index", "rel.ckpt.data-00000-of-00001",
                                            "rel.ckpt.index"]


def test_meta_graph_is_written_when_available(tmp_path):
    _variables()
    with _initialized_session() as sess:
        path = mg.train.Saver().save(sess, str(tmp_path / "m"))
        path2 = mg.train.Saver().save(sess, str(tmp_path / "n"), write_meta_graph=False)
    from minigraph.train import saver as saver_module
    if saver_module._meta_graph_exporter() is None:
        assert not os.path.exists(path + ".meta")
    else:
        doc = json.loads(open(path + ".meta").read())
        assert doc["saver_def"]["max_to_keep"] == 5
    assert not os.path.exists(path2 + ".meta")


def test_partitioned_variables_are_saved_whole(tmp_path):
    w = mg.get_variable("w", [6, 2], partitioner=mg.fixed_size_partitioner(3))
    assert [v.name for v in mg.global_variables()] == ["w/part_0:0", "w/part_1:0", "w/part_2:0"]
    with _initialized_session() as sess:
        full = sess.run(mg.convert_to_tensor(w))
        path = mg.train.Saver().save(sess, str(tmp_path / "default"))
        path2 = mg.train.Saver([w]).save(sess, str(tmp_path / "list"))
        path3 = mg.train.Saver({"full": w}).save(sess, str(tmp_path / "dict"))
    assert mg.train.list_variables(path) == [("w", [6, 2])]
    assert mg.train.list_variables(path2) == [("w", [6, 2])]
    np.testing.assert_array_equal(mg.train.load_variable(path3, "full"), full)
    for make in (lambda: mg.get_variable("w", [6, 2]),
                 lambda: mg.get_variable("w", [6, 2], partitioner=mg.fixed_size_partitioner(2))):
        g = mg.Graph()
        with g.as_default():
            w2 = make()
            with mg.Session() as sess:
                mg.train.Saver().restore(sess, path)
                value = sess.run(mg.convert_to_tensor(w2))
            np.testing.assert_array_equal(value, full)


def test_resuming_adam_from_a_checkpoint_matches_uninterrupted_training(tmp_path):
    x_val = np.random.RandomState(0).randn(8, 3).astype(np.float32)

    def build():
        w = mg.get_variable("w", initializer=np.ones((3, 1), np.float32))
        loss = mg.reduce_mean(mg.square(mg.matmul(x_val, w) - 1.0))
        step = mg.train.get_or_create_global_step()
        return w, step, mg.train.AdamOptimizer(0.1).minimize(loss, global_step=step)

    w, step, train = build()
    with _initialized_session() as sess:
        for _ in range(3):
            sess.run(train)
        path = mg.train.Saver().save(sess, str(tmp_path / "m"), global_step=step)
        for _ in range(2):
            sess.run(train)
        want = sess.run(w)
    assert path.endswith("m-3")
    g = mg.Graph()
    with g.as_default():
        w, step, train = build()
        with mg.Session() as sess:
            mg.train.Saver().restore(sess, path)  # weights, Adam slots, beta powers, step
            for _ in range(2):
                sess.run(train)
            np.testing.assert_array_equal(sess.run(w), want)
            assert sess.run(step) == 5


def test_slots_of_partitioned_variables_are_saved_whole_too(tmp_path):
    w = mg.get_variable("w", [6, 2], partitioner=mg.fixed_size_partitioner(3))
    train = mg.train.AdamOptimizer(0.1).minimize(mg.reduce_sum(mg.square(
        mg.convert_to_tensor(w))))
    with _initialized_session() as sess:
        sess.run(train)
        path = mg.train.Saver().save(sess, str(tmp_path / "m"))
    assert mg.train.list_variables(path) == [("beta1_power", []), ("beta2_power", []),
                                             ("w", [6, 2]), ("w/Adam", [6, 2]),
                                             ("w/Adam_1", [6, 2])]
