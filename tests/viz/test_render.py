"""mg.viz.render: real SVG/PNG/PDF files from `dot`, and the fallback when `dot` is missing."""
import os

import pytest

import minigraph as mg


def test_render_svg_holds_node_labels_clusters_and_edge_shapes(small_graph, dot_program,
                                                             svg_reader, tmp_path):
    path = mg.viz.render(mg.get_default_graph(), tmp_path / "g.svg")
    assert path == str(tmp_path / "g.svg")
    svg = svg_reader(path)
    names = {op.name for op in mg.get_default_graph().get_operations()}
    assert set(svg["node"]) == names
    assert svg["node"]["layer/y"]["texts"] == ["y", "Add"]
    assert svg["node"]["x"]["texts"] == ["x", "Placeholder"]
    assert set(svg["cluster"]) == {"cluster_layer", "cluster_out", "cluster_gradients",
                                   "cluster_gradients/grad_ys_0"}
    assert svg["cluster"]["cluster_layer"]["texts"] == ["layer"]
    assert svg["edge"]["x->layer/y"]["texts"] == ["(?, 3) float32"]
    assert svg["edge"]["layer/b->layer/y"]["texts"] == ["(1, 3) float32"]


def test_nested_clusters_are_drawn_inside_each_other(nested_graph, dot_program, svg_reader,
                                                     tmp_path):
    svg = svg_reader(mg.viz.render(None, tmp_path / "nested.svg"))
    boxes = {name: c["bbox"] for name, c in svg["cluster"].items()}
    outer, inner, deep = (boxes["cluster_outer"], boxes["cluster_outer/inner"],
                          boxes["cluster_outer/inner/deep"])

    def inside(a, b):
        return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]
    assert inside(deep, inner) and inside(inner, outer)
    assert not inside(outer, inner)


def test_render_fetches_with_options(small_graph, dot_program, svg_reader, tmp_path):
    path = mg.viz.render(small_graph["y"], tmp_path / "y.svg", rankdir="LR", collapse_depth=0)
    svg = svg_reader(path)
    assert set(svg["node"]) == {"x", "[scope] layer"}
    assert svg["node"]["[scope] layer"]["texts"] == ["layer", "2 ops", "Const, Add"]


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-"),
                                        ("svg", b"<?xml")])
def test_formats_write_the_right_kind_of_file(small_graph, dot_program, tmp_path, fmt, magic):
    # Explicit format.
    path = mg.viz.render(None, tmp_path / ("explicit.out"), format=fmt)
    with open(path, "rb") as f:
        assert f.read(len(magic)) == magic
    # Format from the file suffix.
    path = mg.viz.render(None, tmp_path / ("suffix." + fmt))
    with open(path, "rb") as f:
        assert f.read(len(magic)) == magic


def test_unknown_suffix_means_svg_and_bad_format_is_refused(small_graph, dot_program, tmp_path):
    path = mg.viz.render(None, tmp_path / "picture")
    with open(path, "rb") as f:
        assert f.read(5) == b"<?xml"
    with pytest.raises(ValueError, match="format must be one of svg, png, pdf, got 'jpeg'"):
        mg.viz.render(None, tmp_path / "g.jpeg", format="jpeg")
    assert not os.path.exists(tmp_path / "g.jpeg")


def test_missing_dot_writes_source_and_says_how_to_install(small_graph, tmp_path, monkeypatch):
    empty = tmp_path / "no_programs_here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.warns(RuntimeWarning, match=r"apt-get install graphviz") as caught:
        path = mg.viz.render(None, tmp_path / "g.svg")
    assert path == str(tmp_path / "g.gv")
    assert not os.path.exists(tmp_path / "g.svg")
    message = str(caught[0].message)
    assert "`dot` program was not found" in message and str(tmp_path / "g.gv") in message
    with open(path) as f:
        source = f.read()
    assert source.startswith("digraph minigraph {") and '"layer/y"' in source
