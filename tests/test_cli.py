"""The `minigraph` command line: draw and summary on exported graphs, errors, exit codes."""
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import minigraph as mg
from minigraph.__main__ import main

_SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def graph_file(tmp_path):
    """A small model (two scopes, variables, loss, gradients, train op) as a meta graph."""
    x = mg.placeholder(mg.float32, [None, 4], name="x")
    with mg.variable_scope("hidden"):
        w1 = mg.get_variable("kernel", [4, 8])
        h = mg.nn.relu(mg.matmul(x, w1), name="act")
    with mg.variable_scope("out"):
        w2 = mg.get_variable("kernel", [8, 2])
        b2 = mg.get_variable("bias", [2], initializer=mg.zeros_initializer())
        logits = mg.add(mg.matmul(h, w2), b2, name="logits")
    loss = mg.reduce_mean(mg.square(logits), name="loss")
    mg.train.GradientDescentOptimizer(0.1).minimize(loss)
    path = str(tmp_path / "model.json")
    mg.train.export_meta_graph(path)
    return path


def _svg_nodes(path):
    root = ET.parse(path).getroot()
    return {g.find(_SVG + "title").text for g in root.iter(_SVG + "g")
            if g.get("class") == "node"}


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dot_installed():
    assert shutil.which("dot"), ("Graphviz's `dot` is not installed; `./dev test` installs it "
                                 "(or `sudo apt-get install graphviz`)")


def test_help_lists_the_commands(capsys):
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    assert "draw" in out and "summary" in out and "usage: minigraph" in out
    code, out, _ = _run(capsys, "draw", "--help")
    assert code == 0 and "--collapse-depth N" in out and "--fetch NAME" in out
    code, out, _ = _run(capsys, "--version")
    assert code == 0 and out.strip() == "minigraph " + mg.__version__


def test_python_dash_m_and_console_script_run():
    proc = subprocess.run([sys.executable, "-m", "minigraph", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and "summary" in proc.stdout
    script = os.path.join(os.path.dirname(sys.executable), "minigraph")
    assert os.path.exists(script), "console script missing: pip install -e . (./dev does)"
    proc = subprocess.run([script, "nonsense"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "invalid choice: 'nonsense'" in proc.stderr


def test_draw_writes_an_svg_with_every_op(graph_file, tmp_path, capsys, dot_installed):
    out_path = str(tmp_path / "g.svg")
    code, out, err = _run(capsys, "draw", graph_file, "-o", out_path)
    assert (code, err) == (0, "")
    assert out.strip() == "wrote " + out_path
    g = mg.Graph()
    with g.as_default():
        mg.train.import_meta_graph(graph_file)
    assert _svg_nodes(out_path) == {op.name for op in g.get_operations()}


def test_draw_options_collapse_fetch_gradients(graph_file, tmp_path, capsys, dot_installed):
    out_path = str(tmp_path / "c.svg")
    code, _, _ = _run(capsys, "draw", graph_file, "-o", out_path, "--collapse-depth", "0",
                      "--fetch", "loss", "--rankdir", "LR")
    assert code == 0
    # Only what the loss needs (no gradients, no optimizer), each scope folded into a box.
    assert _svg_nodes(out_path) == {"x", "[scope] hidden", "[scope] out", "Square", "Const",
                                    "loss"}

    code, _, _ = _run(capsys, "draw", graph_file, "-o", out_path, "--gradients", "collapse")
    assert code == 0
    nodes = _svg_nodes(out_path)
    assert "[scope] gradients" in nodes and not any(n.startswith("gradients/") for n in nodes)

    code, _, _ = _run(capsys, "draw", graph_file, "-o", out_path, "--fetch", "hidden/act:0",
                      "--feed", "hidden/MatMul")
    assert code == 0
    assert _svg_nodes(out_path) == {"hidden/act", "[feed] hidden/MatMul#0"}


def test_draw_default_output_and_png(graph_file, capsys, dot_installed):
    code, out, _ = _run(capsys, "draw", graph_file, "--format", "png")
    png = os.path.splitext(graph_file)[0] + ".png"
    assert code == 0 and out.strip() == "wrote " + png
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_summary_counts_ops_variables_and_parameters(graph_file, capsys):
    code, out, err = _run(capsys, "summary", graph_file)
    assert (code, err) == (0, "")
    g = mg.Graph()
    with g.as_default():
        mg.train.import_meta_graph(graph_file)
    ops = g.get_operations()
    assert out.startswith("%s: %d ops\n" % (graph_file, len(ops)))
    matmuls = sum(op.type == "MatMul" for op in ops)
    assert re.search(r"^  MatMul +%d$" % matmuls, out, re.M)
    # 4*8 + 8*2 + 2 parameters, in three trainable variables.
    assert "Variables: 3, 50 parameters" in out
    assert re.search(r"^  hidden/kernel +\(4, 8\) +float32 +32 +yes$", out, re.M)
    assert re.search(r"^  out/bias +\(2,\) +float32 +2 +yes$", out, re.M)
    assert re.search(r"^  \(all\) +50$", out, re.M)
    assert re.search(r"^  hidden +32$", out, re.M) and re.search(r"^  out +18$", out, re.M)


def test_summary_depth_limits_scopes(tmp_path, capsys):
    with mg.variable_scope("a"):
        with mg.variable_scope("b"):
            mg.get_variable("w", [3, 3])
    path = str(tmp_path / "nested.json")
    mg.train.export_meta_graph(path)
    _, out, _ = _run(capsys, "summary", path)
    # Nested scopes are indented under their parent.
    assert re.search(r"^  a +9\n    b +9$", out, re.M)
    _, out, _ = _run(capsys, "summary", path, "--depth", "1")
    assert re.search(r"^  a +9$", out, re.M) and not re.search(r"^ +b +9$", out, re.M)


@pytest.mark.parametrize("argv, code, message", [
    (["draw", "missing.json"], 1, "minigraph draw: error: missing.json: no such file"),
    (["summary", "."], 1, "minigraph summary: error: .: is a directory"),
    (["draw", "GRAPH", "--collapse-depth", "-1"], 2, "expected a whole number >= 0, got -1"),
    (["draw", "GRAPH", "--collapse-depth", "two"], 2, "expected a whole number >= 0, got 'two'"),
    (["draw", "GRAPH", "--format", "gif"], 2, "invalid choice: 'gif'"),
    (["draw", "GRAPH", "--fetch", "los"], 1, "--fetch los: the graph has no such op or "
                                             "tensor; did you mean loss"),
    (["draw", "GRAPH", "--feed", "x"], 1, "--feed needs --fetch"),
    (["draw", "GRAPH", "--fetch", "loss", "--feed", "nope"], 1,
     "--feed nope:0: the graph has no such tensor"),
    (["explode"], 2, "invalid choice: 'explode'"),
    ([], 2, "the following arguments are required: COMMAND"),
])
def test_errors_have_clear_messages_and_exit_codes(graph_file, capsys, argv, code, message):
    argv = [graph_file if a == "GRAPH" else a for a in argv]
    got, out, err = _run(capsys, *argv)
    assert got == code
    assert message in err, err
    assert out == ""


def test_invalid_graph_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "minigraph.meta_graph", "version": 1, "graph_def": '
                   '{"node": [{"name": "a", "op": "NoSuchOp"}]}}')
    code, _, err = _run(capsys, "summary", str(bad))
    assert code == 1
    assert "node #0 'a' (type NoSuchOp): unknown op type 'NoSuchOp'" in err


def test_draw_without_dot_writes_the_source_and_says_how_to_install(graph_file, tmp_path,
                                                                     capsys, monkeypatch):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, out, err = _run(capsys, "draw", graph_file, "-o", str(tmp_path / "g.svg"))
    assert code == 1 and out == ""
    assert "apt-get install graphviz" in err and str(tmp_path / "g.gv") in err
    assert (tmp_path / "g.gv").read_text().startswith("digraph minigraph {")
    assert not (tmp_path / "g.svg").exists()
