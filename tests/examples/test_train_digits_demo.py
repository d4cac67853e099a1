"""The flagship demo (examples/demo.py -> examples/train_digits.py) on a short run."""
import os
import shutil

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")
pytest.importorskip("matplotlib")


def test_demo_trains_saves_draws_and_restores(load_example, tmp_path, capsys):
    out = tmp_path / "digits"
    # Four epochs take a few seconds and reach 98-99% on every seed tried (0-7); the
    # full demo's eight epochs reach 98-99.7%.
    r = load_example("demo").main(["--epochs", "4", "--batch-size", "32", "--out", str(out),
                                   "--seed", "0", "--no-progress"])
    assert r["test_accuracy"] >= 0.95, r["history"]
    assert r["restored_accuracy"] == r["test_accuracy"]
    assert len(r["history"]["test_acc"]) == 4
    assert r["history"]["loss"][-1] < r["history"]["loss"][0] / 10

    prefix = r["checkpoint"]
    assert prefix == os.path.join(str(out), "model.ckpt-180")  # 4 epochs x 45 batches
    for suffix in (".index", ".data-00000-of-00001", ".meta"):
        assert os.path.isfile(prefix + suffix)
    assert os.path.isfile(out / "checkpoint")

    with open(r["curves"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    if shutil.which("dot"):
        assert r["graph_picture"] == os.path.join(str(out), "graph.svg")
        with open(r["graph_picture"], encoding="utf-8") as f:
            svg = f.read()
        for layer in ("sep1", "bn1", "sep2", "bn2", "pool", "flatten", "dropout", "logits"):
            assert ">%s<" % layer in svg, layer
    else:
        assert r["graph_picture"].endswith(".gv")

    printed = capsys.readouterr().out
    assert "Final test accuracy" in printed and "(identical)" in printed


def test_model_is_built_around_separable_conv(load_example):
    import minigraph as tf

    td = load_example("train_digits")
    model = td.build_model(seed=0)
    names = {v.op.name: v.shape.as_list() for v in tf.trainable_variables()}
    assert names["sep1/depthwise_kernel"] == [3, 3, 1, 8]
    assert names["sep1/pointwise_kernel"] == [1, 1, 8, 32]
    assert names["sep2/depthwise_kernel"] == [3, 3, 32, 1]
    assert names["sep2/pointwise_kernel"] == [1, 1, 32, 64]
    assert names["logits/kernel"] == [4 * 4 * 64, 10]
    # Batch norm's moving statistics: not trained, updated through UPDATE_OPS.
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 4
    assert "bn1/moving_mean" not in names
    assert model["logits"].shape.as_list() == [None, 10]


def test_cosine_schedule(load_example):
    td = load_example("train_digits")
    rates = [td.cosine_schedule(e, 8) for e in range(1, 9)]
    assert rates[0] == pytest.approx(0.01)
    assert np.all(np.diff(rates) < 0) and rates[-1] > 0
