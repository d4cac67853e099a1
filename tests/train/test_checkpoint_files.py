"""The checkpoint file format and the `checkpoint` state file, without graphs."""
import json
import os
import zipfile

import numpy as np
import pytest

import minigraph as mg
from minigraph.train import checkpoint_io
from minigraph.train import checkpoint_management as cm


def test_write_read_round_trip_all_dtypes(tmp_path):
    prefix = str(tmp_path / "model.ckpt-3")
    tensors = {"w": np.arange(6, dtype=np.float32).reshape(2, 3),
               "scope/b": np.array([1.5, -2.0], dtype=np.float64),
               "h": np.array([1, 2], dtype=np.float16),
               "global_step": np.array(7, dtype=np.int64),
               "flags": np.array([True, False]),
               "i": np.array([[3]], dtype=np.int32),
               "empty": np.zeros((0, 4), dtype=np.float32)}
    checkpoint_io.write_checkpoint(prefix, tensors)
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt-3.data-00000-of-00001",
                                            "model.ckpt-3.index"]
    with checkpoint_io.CheckpointReader(prefix) as r:
        assert r.get_variable_to_shape_map() == {k: list(v.shape) for k, v in tensors.items()}
        assert r.get_variable_to_dtype_map()["scope/b"] == mg.float64
        for k, v in tensors.items():
            got = r.get_tensor(k)
            assert got.dtype == v.dtype and got.shape == v.shape
            np.testing.assert_array_equal(got, v)


def test_files_are_plain_npz_and_json_without_pickles(tmp_path):
    prefix = str(tmp_path / "m")
    checkpoint_io.write_checkpoint(prefix, {"a/b": np.ones(3, np.float32)})
    index = json.loads(open(prefix + ".index").read())
    assert index["format"] == "minigraph-checkpoint"
    assert index["tensors"] == [{"name": "a/b", "key": "t0", "dtype": "float32", "shape": [3]}]
    with zipfile.ZipFile(prefix + ".data-00000-of-00001") as z:
        assert sorted(z.namelist()) == ["header.npy", "t0.npy"]
    npz = np.load(prefix + ".data-00000-of-00001", allow_pickle=False)
    np.testing.assert_array_equal(npz["t0"], np.ones(3, np.float32))


def test_reader_errors(tmp_path):
    prefix = str(tmp_path / "m")
    with pytest.raises(mg.errors.NotFoundError, match="m.data-00000-of-00001"):
        checkpoint_io.CheckpointReader(prefix)
    checkpoint_io.write_checkpoint(prefix, {"w": np.ones(2, np.float32)})
    with checkpoint_io.CheckpointReader(prefix) as r:
        with pytest.raises(mg.errors.NotFoundError, match="Key v not found in checkpoint"):
            r.get_tensor("v")
    with open(prefix + ".data-00000-of-00001", "wb") as f:
        f.write(b"not a zip file")
    with pytest.raises(mg.errors.DataLossError, match="not a minigraph checkpoint"):
        checkpoint_io.CheckpointReader(prefix)


def test_overwrite_same_prefix_and_no_temp_files_left(tmp_path):
    prefix = str(tmp_path / "m")
    checkpoint_io.write_checkpoint(prefix, {"w": np.zeros(2, np.float32)})
    checkpoint_io.write_checkpoint(prefix, {"w": np.ones(2, np.float32)})
    assert not [f for f in os.listdir(tmp_path) if ".tmp-" in f]
    with checkpoint_io.CheckpointReader(prefix) as r:
        np.testing.assert_array_equal(r.get_tensor("w"), [1, 1])


def test_failed_write_leaves_old_checkpoint_and_no_temp(tmp_path):
    prefix = str(tmp_path / "m")
    checkpoint_io.write_checkpoint(prefix, {"w": np.zeros(2, np.float32)})
    with pytest.raises(TypeError, match="not numeric"):
        checkpoint_io.write_checkpoint(prefix, {"w": np.array(["x"])})

    def boom(f):
        f.write(b"partial")
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        checkpoint_io.atomic_write(prefix + ".data-00000-of-00001", boom)
    assert not [f for f in os.listdir(tmp_path) if ".tmp-" in f]
    with checkpoint_io.CheckpointReader(prefix) as r:
        np.testing.assert_array_equal(r.get_tensor("w"), [0, 0])


def test_state_file_format_matches_tf1(tmp_path):
    d = str(tmp_path)
    cm.update_checkpoint_state(d, os.path.join(d, "model.ckpt-2"),
                               [os.path.join(d, "model.ckpt-1"), os.path.join(d, "model.ckpt-2")])
    text = open(os.path.join(d, "checkpoint")).read()
    assert text == ('model_checkpoint_path: "%s/model.ckpt-2"\n'
                    'all_model_checkpoint_paths: "%s/model.ckpt-1"\n'
                    'all_model_checkpoint_paths: "%s/model.ckpt-2"\n' % (d, d, d))
    state = cm.get_checkpoint_state(d)
    assert state.model_checkpoint_path == os.path.join(d, "model.ckpt-2")
    assert state.all_model_checkpoint_paths == [os.path.join(d, "model.ckpt-1"),
                                                os.path.join(d, "model.ckpt-2")]


def test_state_file_escapes_and_relative_paths(tmp_path):
    d = str(tmp_path)
    odd = os.path.join(d, 'we"ird\\näme')
    cm.update_checkpoint_state(d, odd, save_relative_paths=True)
    text = open(os.path.join(d, "checkpoint")).read()
    assert text.startswith('model_checkpoint_path: "we\\"ird\\\\n\\303\\244me"')
    assert cm.get_checkpoint_state(d).model_checkpoint_path == odd
    assert cm.get_checkpoint_state(d).all_model_checkpoint_paths == [odd]


def test_state_file_tolerates_tf2_fields_and_latest_filename(tmp_path):
    d = str(tmp_path)
    with open(os.path.join(d, "ckstate"), "w") as f:
        f.write('model_checkpoint_path: "a-2"\nall_model_checkpoint_paths: "a-2"\n'
                'all_model_checkpoint_timestamps: 1700000000.5\nlast_preserved_timestamp: 1.0\n')
    state = cm.get_checkpoint_state(d, "ckstate")
    assert state.model_checkpoint_path == os.path.join(d, "a-2")
    assert cm.get_checkpoint_state(d) is None
    # The state names a checkpoint whose files are gone: no latest checkpoint.
    assert cm.latest_checkpoint(d, "ckstate") is None
    checkpoint_io.write_checkpoint(os.path.join(d, "a-2"), {"w": np.ones(1, np.float32)})
    assert cm.latest_checkpoint(d, "ckstate") == os.path.join(d, "a-2")


def test_latest_checkpoint_missing_dir_and_bad_state(tmp_path):
    assert cm.latest_checkpoint(str(tmp_path / "nope")) is None
    with open(tmp_path / "checkpoint", "w") as f:
        f.write("garbage without colon\n")
    assert cm.latest_checkpoint(str(tmp_path)) is None
    with open(tmp_path / "checkpoint", "w") as f:
        f.write('all_model_checkpoint_paths: "x"\n')
    with pytest.raises(ValueError, match="Invalid checkpoint state"):
        cm.get_checkpoint_state(str(tmp_path))


def test_state_path_conflict_and_remove_checkpoint(tmp_path):
    d = str(tmp_path)
    with pytest.raises(RuntimeError, match="conflicts with path used for checkpoint state"):
        cm.update_checkpoint_state(d, os.path.join(d, "checkpoint"))
    prefix = os.path.join(d, "m-1")
    checkpoint_io.write_checkpoint(prefix, {"w": np.ones(1, np.float32)})
    open(prefix + ".meta", "w").close()
    assert cm.checkpoint_exists(prefix)
    assert len(cm.get_checkpoint_mtimes([prefix, prefix + "x"])) == 1
    cm.remove_checkpoint(prefix)
    assert os.listdir(d) == [] and not cm.checkpoint_exists(prefix)
    cm.remove_checkpoint(prefix)  # already gone: no error


def test_meta_graph_filename():
    assert cm.meta_graph_filename("/d/model.ckpt-100") == "/d/model.ckpt-100.meta"
    assert cm.meta_graph_filename("/d/model-00000-of-00002", "mg") == "/d/model.mg"


def test_meta_graph_file_has_the_same_permissions_as_the_data(tmp_path):
    import os
    import stat

    import minigraph as mg
    mg.Variable(1.0, name="v")
    saver = mg.train.Saver()
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "model"))
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)  # noqa: E731
    assert mode(prefix + ".meta") == mode(prefix + ".index")
