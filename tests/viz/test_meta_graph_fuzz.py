"""Hostile and broken meta graph files: every one must raise a clear ValueError.

Truncated, mutated, wrong-typed and oversized documents go through the importer; the
only acceptable outcomes are a successful import or a ValueError that names the file,
and a failed import must leave the target graph untouched.
"""
import base64
import copy
import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigraph as mg
from minigraph.framework import graph_codec, meta_graph, meta_graph_builder

_FUZZ = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def _small_doc():
    g = mg.Graph()
    with g.as_default():
        x = mg.placeholder(mg.float32, [None, 2], name="x")
        w = mg.Variable(np.ones((2, 2), np.float32), name="w")
        y = mg.matmul(x, w, name="y")
        with mg.control_dependencies([y]):
            mg.no_op(name="after")
        mg.add_to_collection("outputs", y)
        mg.add_to_collection("notes", "text")
        return mg.train.export_meta_graph(graph=g)


DOC = _small_doc()
TEXT = graph_codec.dumps(DOC)


def _import_expecting_value_error(doc_or_path, source=None):
    """Import into a fresh graph; return the error message, or None if it imported.

    Fails the test on any exception but ValueError, or if a failed import changed the
    graph.
    """
    g = mg.Graph()
    try:
        meta_graph.import_scoped_meta_graph(doc_or_path, g)
    except ValueError as e:
        assert g.get_operations() == [], "a failed import left ops in the graph"
        assert g.get_all_collection_keys() == []
        message = str(e)
        assert message and (source is None or source in message), message
        return message
    return None


def _write(tmp_path, text):
    path = tmp_path / "graph.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


def test_the_document_used_for_fuzzing_imports():
    assert _import_expecting_value_error(copy.deepcopy(DOC)) is None


@_FUZZ
@given(cut=st.integers(min_value=0, max_value=len(TEXT) - 1))
def test_truncated_files_are_refused(tmp_path, cut):
    path = _write(tmp_path, TEXT[:cut])
    message = _import_expecting_value_error(path, source=path)
    assert message is not None and "not a minigraph meta graph" in message


def _locations(value, path=()):
    """Every (path) to a value inside a JSON document, the root excluded."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for k, v in items:
        yield path + (k,)
        yield from _locations(v, path + (k,))


LOCATIONS = list(_locations(DOC))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


def _set(doc, path, value):
    target = doc
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value


@_FUZZ
@given(where=st.sampled_from(LOCATIONS), value=json_values)
def test_any_value_replaced_by_any_json_imports_or_raises_value_error(where, value):
    doc = copy.deepcopy(DOC)
    _set(doc, where, value)
    _import_expecting_value_error(doc)


@_FUZZ
@given(where=st.sampled_from([p for p in LOCATIONS if isinstance(p[-1], str)]))
def test_any_key_removed_imports_or_raises_value_error(where):
    doc = copy.deepcopy(DOC)
    target = doc
    for k in where[:-1]:
        target = target[k]
    del target[where[-1]]
    _import_expecting_value_error(doc)


@_FUZZ
@given(where=st.sampled_from(LOCATIONS), value=json_values)
def test_mutated_files_imports_or_raise_value_error_naming_the_file(tmp_path, where, value):
    doc = copy.deepcopy(DOC)
    _set(doc, where, value)
    path = _write(tmp_path, json.dumps(doc))
    _import_expecting_value_error(path, source=path)


def _node(doc, name):
    return next(n for n in doc["graph_def"]["node"] if n["name"] == name)


def _with(change):
    doc = copy.deepcopy(DOC)
    change(doc)
    return doc


BIG_DATA = base64.b64encode(b"\0" * 8).decode()

HOSTILE = {
    "unknown op type": (
        lambda d: _node(d, "y").update(op="__import__('os').system"),
        "unknown op type '__import__\\('os'\\).system'; only op types registered"),
    "array bigger than its data": (
        lambda d: _node(d, "w/initial_value")["attr"]["value"]["array"].update(
            shape=[2**20, 2**20], data=BIG_DATA),
        r"needs 4398046511104 bytes, but its data holds 8"),
    "dimension beyond the limit": (
        lambda d: _node(d, "x")["attr"].update(shape={"shape": [2**41]}),
        "bad dimension 2199023255552"),
    "static shape too large": (
        lambda d: (_node(d, "x")["attr"].update(shape={"shape": [2**20, 2**20]}),
                   _node(d, "x").pop("output")),
        r"output 0 has static shape \(1048576, 1048576\), more than 268435456 elements"),
    "input defined later": (
        lambda d: _node(d, "w/Assign").update(input=["y:0"]),
        "refers to node 'y', which is not defined before it"),
    "reference to a missing op": (
        lambda d: _node(d, "w/Assign")["attr"].update(var={"op": "nowhere"}),
        "attr 'var': refers to node 'nowhere'"),
    "control cycle": (
        lambda d: _node(d, "x")["input"].append("^after"),
        "control inputs form a cycle"),
    "bool array with other bytes": (
        lambda d: _node(d, "w/initial_value")["attr"].update(
            value={"array": {"dtype": "bool", "shape": [1], "data": "Ag=="}}),
        "bool array holds bytes other than 0 and 1"),
    "invalid base64": (
        lambda d: _node(d, "w/initial_value")["attr"]["value"]["array"].update(
            data="!!!!" * 5 + "AA=="),
        "not valid base64"),
    "const value of another dtype": (
        lambda d: _node(d, "w/initial_value")["attr"].update(dtype={"dtype": "int32"}),
        "attr 'value' must be an array of the attr 'dtype' \\(int32\\)"),
    "output dtype that disagrees": (
        lambda d: _node(d, "y")["output"][0].update(dtype="float64"),
        "the file says float64 .*, but the op infers float32"),
    "integer out of int64": (
        lambda d: _node(d, "y")["attr"].update(extra={"i": 2**70}),
        "out of the int64 range"),
    "attr value of unknown kind": (
        lambda d: _node(d, "y")["attr"].update(extra={"pickle": "gASV..."}),
        "unknown attr value kind 'pickle'"),
    "nesting too deep": (
        lambda d: _node(d, "y")["attr"].update(extra=_nested(40)),
        "nests more than 32 deep"),
    "too many inputs": (
        lambda d: _node(d, "after")["input"].extend(["^x"] * 5000),
        "has 5001 inputs, more than the 4096 a node may have"),
    "duplicate node": (
        lambda d: d["graph_def"]["node"].append(copy.deepcopy(_node(d, "y"))),
        "a node named 'y' is defined twice"),
    "variable that is not a variable op": (
        lambda d: d["variables"][0].update(variable_name="y:0"),
        "'y:0' is made by an op of type MatMul, not a variable op"),
    "collection naming a missing variable": (
        lambda d: d["collection_def"]["variables"].append({"variable": "ghost:0"}),
        "variable 'ghost:0' is not in the \"variables\" list"),
    "wrong format": (lambda d: d.update(format="tensorflow.MetaGraphDef"),
                     "\"format\" must be 'minigraph.meta_graph'"),
    "newer version": (lambda d: d.update(version=99),
                      "format version 99, newer than the version 1"),
    "unknown top-level key": (lambda d: d.update(exec="rm -rf /"),
                              "unknown top-level keys \\['exec'\\]"),
    "bad op name": (lambda d: _node(d, "after").update(name="bad name!"),
                    "'bad name!' is not a valid node name"),
    "bad saver_def": (lambda d: d.update(saver_def={"max_to_keep": -1}),
                      "saver_def has max_to_keep -1"),
}


def _nested(depth):
    value = {"i": 1}
    for _ in range(depth):
        value = {"list": [value]}
    return value


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_documents_get_a_clear_value_error(case):
    change, message = HOSTILE[case]
    got = _import_expecting_value_error(_with(change))
    assert got is not None, "the importer accepted: %s" % case
    assert re.search(message, got), got


@pytest.mark.parametrize("text, message", [
    ("[1, 2]", "the top level must be a JSON object, got list"),
    ('{"format": NaN}', "non-standard JSON constant NaN"),
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ("[" * 100000 + "]" * 100000, "JSON nested too deeply|invalid JSON"),
    ('{"n": ' + "9" * 5000 + "}", "invalid JSON"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    ("", "invalid JSON"),
])
def test_files_that_are_not_meta_graphs(tmp_path, text, message):
    path = _write(tmp_path, text)
    got = _import_expecting_value_error(path, source=path)
    assert got is not None and re.search(message, got), got


def test_size_limits_are_enforced(tmp_path, monkeypatch):
    path = _write(tmp_path, TEXT)
    monkeypatch.setattr(graph_codec, "MAX_FILE_BYTES", len(TEXT) - 1)
    assert "bytes, more than the %d bytes" % (len(TEXT) - 1) in \
        _import_expecting_value_error(path, source=path)
    monkeypatch.undo()
    monkeypatch.setattr(meta_graph_builder, "MAX_NODES", 3)
    assert "has 7 nodes, more than the 3 a meta graph may have" in \
        _import_expecting_value_error(copy.deepcopy(DOC))


def test_a_directory_or_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="File does not exist"):
        meta_graph.import_scoped_meta_graph(str(tmp_path / "missing.json"), mg.Graph())
    with pytest.raises(IsADirectoryError, match="is a directory, not a meta graph file"):
        meta_graph.import_scoped_meta_graph(str(tmp_path), mg.Graph())
