"""Each numbered example runs (with small sizes) and demonstrates what it says it does."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minigraph as mg

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                        "examples")


def test_01_graphs_and_sessions(load_example, capsys):
    r = load_example("01_graphs_and_sessions").main(["--rows", "3"])
    assert r["y_name"] == "y:0" and r["y_shape"] == [None, 3]
    # Pruning: y ran although the placeholder 'scale' was never fed; only b and y ran.
    np.testing.assert_array_equal(r["y"], np.tile([2.0, 3.0, 4.0], (3, 1)))
    assert r["ops_for_y"] == ["b", "y"]
    np.testing.assert_array_equal(r["doubled_b"], [2.0, 4.0, 6.0])
    assert "must feed a value for placeholder tensor 'scale'" in r["unfed_error"]
    np.testing.assert_array_equal(r["y_overridden"][0], [11.0, 21.0, 31.0])
    assert set(r["nested"]) == {"y", "pair"} and isinstance(r["nested"]["pair"], tuple)
    assert "nothing" in capsys.readouterr().out


def test_02_variables_and_scopes(load_example):
    r = load_example("02_variables_and_scopes").main(["--units", "2"])
    assert r["reused"] is True
    assert r["duplicate_error"].startswith("Variable model/step already exists")
    assert r["names"] == ("v:0", "ns/c:0")
    assert r["GLOBAL_VARIABLES"] == ["shared/w:0", "shared/b:0", "model/step:0", "v:0",
                                     "reg/r:0"]
    assert "model/step:0" not in r["TRAINABLE_VARIABLES"]
    assert len(r["REGULARIZATION_LOSSES"]) == 1
    assert r["uninitialized_error"] == "FailedPreconditionError"
    assert r["uninitialized"] == ["shared/w", "shared/b", "model/step", "v", "reg/r"]
    assert r["step"] == 3
    np.testing.assert_array_equal(r["r"], [0.5, 0.5])
    assert r["reg_loss"] == pytest.approx(0.1 * 2 * 0.25)
    np.testing.assert_array_equal(r["y2"], [[4.0, 4.0]])  # ones(1,2) @ ones @ ones


def test_03_autodiff(load_example, tmp_path):
    r = load_example("03_autodiff").main(["--x", "0.3", "--out", str(tmp_path)])
    assert r["grad_ops"] and all(name.startswith("gradients/") for name in r["grad_ops"])
    assert any(name.startswith("gradients/t_grad/") for name in r["grad_ops"])
    assert r["dy_dx"] == pytest.approx(r["numeric_dy_dx"], rel=1e-6)
    assert r["d2y_dx2"] == pytest.approx(r["numeric_d2y_dx2"], rel=1e-3)
    assert r["gradient_error"] < 1e-6
    assert r["none_grad"] is None
    assert r["blocked"] == pytest.approx(0.09)
    if shutil.which("dot"):
        assert r["picture"].endswith(".svg")
        with open(r["picture"]) as f:
            svg = f.read()
        assert "<svg" in svg and "t_grad" in svg


def test_04_layers_and_inbound_nodes(load_example):
    r = load_example("04_layers_and_inbound_nodes").main(
        ["--filters", "4", "--depth-multiplier", "2"])
    assert r["weights"] == {"sep/depthwise_kernel:0": [3, 3, 3, 2],
                            "sep/pointwise_kernel:0": [1, 1, 6, 4], "sep/bias:0": [4],
                            "sep/images_seen:0": []}
    assert r["count_params"] == 54 + 24 + 4 + 1
    assert r["n_weights_after_second_call"] == 4
    assert r["output_shapes"] == [(None, 8, 8, 4), (None, 16, 16, 4)]
    assert "multiple inbound nodes" in r["input_error"]
    assert "multiple inbound nodes" in r["output_shape_error"]
    assert r["losses_for_none"] == ["sep/depthwise_kernel/Regularizer/add:0"]
    assert len(r["losses_for_small"]) == 1
    assert r["losses_for_small"][0].startswith("sep/ActivityRegularizer")
    assert len(r["regularization_losses"]) == 3
    assert len(r["updates_for_small"]) == 1
    assert r["quirk"] == ("separable_conv2d_1", "separable_conv2d")
    assert r["images_seen"] == 7.0


def test_05_separable_vs_regular_conv(load_example):
    r = load_example("05_separable_vs_regular_conv").main(
        ["--batch", "2", "--size", "6", "--channels", "4", "--filters", "8", "--repeats", "1"])
    assert r["params"] == r["formula_params"] == {"regular": 3 * 3 * 4 * 8 + 8,
                                                  "separable": 3 * 3 * 4 + 4 * 8 + 8}
    assert r["macs"]["separable"] < r["macs"]["regular"]
    assert r["mac_ratio"] == pytest.approx(1 / 8 + 1 / 9)
    assert r["max_abs_diff"] < 1e-5
    assert set(r["timing"]) == {"regular", "separable"}


def test_05_with_depth_multiplier(load_example):
    r = load_example("05_separable_vs_regular_conv").main(
        ["--batch", "1", "--size", "4", "--channels", "3", "--filters", "5",
         "--depth-multiplier", "2", "--kernel", "5", "--repeats", "1"])
    assert r["params"]["separable"] == 5 * 5 * 3 * 2 + 3 * 2 * 5 + 5
    assert r["max_abs_diff"] < 1e-5


def test_06_checkpoints_and_graph_export(load_example, tmp_path):
    r = load_example("06_checkpoints_and_graph_export").main(
        ["--steps", "3", "--out", str(tmp_path)])
    assert r["latest"] == r["prefix"] == os.path.join(str(tmp_path), "model-3")
    for suffix in (".index", ".data-00000-of-00001", ".meta"):
        assert "model-3" + suffix in r["files"]
    assert "checkpoint" in r["files"] and "graph.meta.json" in r["files"]
    assert r["same_op_names"]
    assert r["max_abs_diff"] == 0.0  # restored values give bit-identical outputs
    assert r["loss_after"] < r["loss_before"]
    assert r["global_step"] == 3 + 5


def _tensorflow_importable():
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def test_07_side_by_side_skips_tensorflow_clearly(load_example, capsys):
    module = load_example("07_side_by_side_with_tensorflow")
    r = module.main([])
    ours = r["minigraph"]
    assert ours["variables"] == ["sep/depthwise_kernel:0", "sep/pointwise_kernel:0",
                                 "sep/bias:0", "bn/gamma:0", "bn/beta:0", "head/kernel:0"]
    assert ours["conv output"] == "sep/Relu:0 [None, 3, 3, 5]"
    assert ours["bn output"] == "bn/FusedBatchNormV3:0 [None, 3, 3, 5]"
    assert ours["update ops"] == 2 and max(ours["bn moving mean"]) > 0
    assert ours["loss after step"] < ours["loss before step"]
    if _tensorflow_importable():
        assert all(r["same"].values()), r
    else:
        assert r["tensorflow"] is None
        assert "TensorFlow is not importable" in r["skipped"]
        assert "skipping" in capsys.readouterr().out


# What TensorFlow 2.21 (tf.compat.v1, TF_USE_LEGACY_KERAS=1) printed for example 07's
# program, recorded with `07_side_by_side_with_tensorflow.py --tf-python <TF python>`, so
# the comparison runs everywhere, TensorFlow installed or not.
TF_RESULTS = {
    "variables": ["sep/depthwise_kernel:0", "sep/pointwise_kernel:0", "sep/bias:0",
                  "bn/gamma:0", "bn/beta:0", "head/kernel:0"],
    "variable shapes": [[3, 3, 2, 2], [1, 1, 4, 5], [5], [5], [5], [5, 3]],
    "conv output": "sep/Relu:0 [None, 3, 3, 5]",
    "bn output": "bn/FusedBatchNormV3:0 [None, 3, 3, 5]",
    "logits": "head/logits:0 [None, 3]",
    "update ops": 2,
    "loss before step": 1.191494107246399,
    "gradient norms": [0.30742892622947693, 0.08631033450365067, 0.10347453504800797,
                       0.12755197286605835, 0.09813158959150314, 0.46801164746284485],
    "loss after step": 1.0427311658859253,
    "bn moving mean": [0.002602788619697094, 0.001466359244659543, 0.0015869310591369867,
                       0.0019557704217731953, 0.0016116367187350988],
}


def test_07_agrees_with_recorded_tensorflow_results(load_example):
    module = load_example("07_side_by_side_with_tensorflow")
    ours = module.main([])["minigraph"]
    assert set(ours) == set(TF_RESULTS)
    different = {k: (ours[k], v) for k, v in TF_RESULTS.items() if not module._same(ours[k], v)}
    assert different == {}


@pytest.mark.parametrize("name", ["01_graphs_and_sessions", "02_variables_and_scopes"])
def test_examples_run_as_scripts(name, tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, name + ".py")],
                          capture_output=True, text=True, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("1. ")


def test_examples_leave_default_graph_alone(load_example):
    before = mg.get_default_graph()
    load_example("01_graphs_and_sessions").main([])
    assert mg.get_default_graph() is before and not before.get_operations()
