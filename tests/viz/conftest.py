"""Graphs to draw, and a reader for the SVG files `dot` writes."""
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import minigraph as mg

_SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def dot_program():
    """The path of Graphviz's `dot`; fails (never skips) when it is missing."""
    path = shutil.which("dot")
    assert path, ("Graphviz's `dot` program is not installed; the rendering tests need it "
                  "(`./dev test` installs it, or `sudo apt-get install graphviz`)")
    return path


@pytest.fixture
def small_graph():
    """x -> layer/{b, y=x+b}; x -> out/z -> (control) out/done; gradients of z w.r.t. x.

    Returns the tensors by name.
    """
    x = mg.placeholder(mg.float32, [None, 3], name="x")
    with mg.name_scope("layer"):
        b = mg.constant([[1.0, 2.0, 3.0]], name="b")
        y = mg.add(x, b, name="y")
    with mg.name_scope("out"):
        z = mg.identity(x, name="z")
        with mg.control_dependencies([z]):
            done = mg.no_op(name="done")
    (dx,) = mg.gradients(z, [x])
    return dict(x=x, b=b, y=y, z=z, done=done, dx=dx)


@pytest.fixture
def nested_graph():
    """Three levels of scopes: outer/inner/deep, with one op at each level."""
    x = mg.placeholder(mg.float32, [2, 2], name="x")
    with mg.name_scope("outer"):
        a = mg.identity(x, name="a")
        with mg.name_scope("inner"):
            b = mg.identity(a, name="b")
            with mg.name_scope("deep"):
                c = mg.identity(b, name="c")
                d = mg.identity(c, name="d")
    out = mg.identity(d, name="out")
    return dict(x=x, a=a, b=b, c=c, d=d, out=out)


def _bbox(g):
    """Bounding box (xmin, ymin, xmax, ymax) of the first polygon/path of an SVG group."""
    shape = g.find(".//" + _SVG + "polygon")
    if shape is not None:
        nums = [float(v) for v in re.split(r"[ ,]+", shape.get("points").strip())]
    else:
        path = g.find(".//" + _SVG + "path").get("d")
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path)]
    xs, ys = nums[0::2], nums[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def read_svg(path):
    """{"node"|"cluster"|"edge": {title: {"texts": [...], "bbox": ...}}} of an SVG by dot."""
    root = ET.parse(str(path)).getroot()
    assert root.tag == _SVG + "svg", "not an SVG file: %s" % path
    out = {"node": {}, "cluster": {}, "edge": {}}
    for g in root.iter(_SVG + "g"):
        kind = g.get("class")
        if kind not in out:
            continue
        title = g.find(_SVG + "title").text
        texts = [t.text for t in g.iter(_SVG + "text")]
        out[kind][title] = {"texts": texts, "bbox": _bbox(g) if kind == "cluster" else None}
    return out


@pytest.fixture
def svg_reader():
    return read_svg


class Layout:
    """A graphviz.Digraph as laid out by the real `dot` (its JSON output), for assertions.

    `nodes[name]` and `edges[(tail, head)]` hold Graphviz's attributes; `clusters[name]`
    holds the cluster's `label`, its `nodes` (all, nested ones included) and `parent`.
    """

    def __init__(self, digraph):
        import json
        data = json.loads(digraph.pipe(format="json0").decode("utf-8"))
        objects = data.get("objects", [])
        by_id = {o["_gvid"]: o for o in objects}
        self.clusters, self.nodes = {}, {}
        for o in objects:
            if "subgraphs" in o or "nodes" in o or o["name"].startswith("cluster"):
                self.clusters[o["name"]] = {
                    "label": o.get("label"),
                    "nodes": {by_id[i]["name"] for i in o.get("nodes", [])},
                    "parent": None}
            else:
                self.nodes[o["name"]] = o
        for o in objects:
            for child in o.get("subgraphs", []):
                self.clusters[by_id[child]["name"]]["parent"] = o["name"]
        self.edges = {}
        for e in data.get("edges", []):
            key = (by_id[e["tail"]]["name"], by_id[e["head"]]["name"])
            self.edges.setdefault(key, []).append(e)

    def cluster_of(self, node):
        """The innermost cluster holding `node`, or None at the top level."""
        holding = [(self.depth(name), name) for name, c in self.clusters.items()
                   if node in c["nodes"]]
        return max(holding)[1] if holding else None

    def depth(self, cluster):
        """1 for a top-level cluster, 2 for a cluster inside it, ..."""
        n = 0
        while cluster is not None:
            n, cluster = n + 1, self.clusters[cluster]["parent"]
        return n

    def label(self, node):
        return re.sub(r"<[^>]+>", " ", self.nodes[node]["label"]).split()


@pytest.fixture
def layout(dot_program):
    return Layout


@pytest.fixture
def sepconv_model():
    """Two separable conv layers, a dense head, a loss and a gradient-descent train op.

    images [?, 16, 16, 3] -> sep1 (8 filters) -> sep2 (16 filters) -> logits (mean over
    space, [16, 10] kernel) -> sparse softmax cross-entropy "loss" -> GradientDescent.
    """
    images = mg.placeholder(mg.float32, [None, 16, 16, 3], name="images")
    labels = mg.placeholder(mg.int32, [None], name="labels")
    h = mg.layers.separable_conv2d(images, 8, 3, padding="same", activation=mg.nn.relu,
                                   name="sep1")
    h = mg.layers.separable_conv2d(h, 16, 3, padding="same", activation=mg.nn.relu,
                                   name="sep2")
    with mg.variable_scope("logits"):
        pooled = mg.reduce_mean(h, axis=[1, 2])
        kernel = mg.get_variable("kernel", [16, 10])
        logits = mg.matmul(pooled, kernel)
    loss = mg.reduce_mean(mg.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits), name="loss")
    train = mg.train.GradientDescentOptimizer(0.1).minimize(loss)
    return dict(images=images, labels=labels, logits=logits, loss=loss, train=train)
