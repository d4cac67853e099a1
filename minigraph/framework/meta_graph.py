"""Meta graphs: a whole graph (ops, attrs, static shapes, variables, collections) as JSON.

`export_meta_graph` writes TF1's MetaGraphDef in spirit, as the documented JSON format of
docs/graph_format.md; `import_meta_graph` rebuilds it, op by op through the op registry,
so an imported graph runs, draws and trains like the one that was written, and a Saver
checkpoint of the original model restores into it.

Reading never runs code from the file: op types are only looked up in the registry, attr
values are plain data (graph_codec), and every structural or size problem is a
ValueError that names the node, attr or collection at fault. A file is first built into
a scratch graph, so a bad file leaves the target graph untouched.
"""
import collections as _collections
import os
import warnings

from minigraph.framework import graph as _graph
from minigraph.framework import graph_codec as _codec
from minigraph.framework import meta_graph_builder as _builder

FORMAT = "minigraph.meta_graph"
VERSION = 1
_DOC_KEYS = {"format", "version", "meta_info_def", "graph_def", "variables", "collection_def",
             "saver_def"}


def _version():
    import minigraph
    return getattr(minigraph, "__version__", "unknown")


# -- export ---------------------------------------------------------------------------------------
class _Renamer:
    """Maps graph names to file names, dropping `export_scope/`."""

    def __init__(self, scope):
        self.prefix = scope.rstrip("/") + "/" if scope else ""

    def inside(self, name):
        return name.startswith(self.prefix)

    def __call__(self, name, where):
        if not self.inside(name):
            raise ValueError("Cannot export %s: it refers to '%s', which is outside "
                             "export_scope '%s'" % (where, name, self.prefix[:-1]))
        return name[len(self.prefix):]


def _variable_def(var, rename):
    where = "variable '%s'" % var.name
    init = getattr(var, "_initial_value", None)
    return {"variable_name": rename(var.name, where),
            "initializer_name": rename(var.initializer.name, where),
            "snapshot_name": rename(var.value().name, where),
            "initial_value_name": None if init is None else rename(init.name, where),
            "trainable": bool(var.trainable)}


def _collection_item(item, rename, variables, where):
    """One collection entry as {"variable"|"tensor"|"op"|"s"|"i"|"f"|"b": value}, or None."""
    from minigraph.framework import variables as _variables

    if isinstance(item, _variables.Variable):
        if not rename.inside(item.name):
            return None
        variables.setdefault(item.name, item)
        return {"variable": rename(item.name, where)}
    if isinstance(item, _graph.Tensor):
        return {"tensor": rename(item.name, where)} if rename.inside(item.name) else None
    if isinstance(item, _graph.Operation):
        return {"op": rename(item.name, where)} if rename.inside(item.name) else None
    if isinstance(item, (str, bool, int, float)):
        return _codec.encode_value(item, where)
    raise _codec.ExportError("%s holds %r of type %s" % (where, item, type(item).__name__))


def meta_graph_dict(graph=None, collection_list=None, export_scope=None):
    """The JSON-ready dict of a graph (see docs/graph_format.md).

    Args:
      graph: the graph (default: the default graph).
      collection_list: names of the collections to write (default: all).
      export_scope: only write ops under this name scope, with the scope prefix removed.

    Returns:
      A dict of plain JSON values.

    Raises:
      ValueError: if an op's attr holds code or an unknown object (naming the op and
        attr), or an exported op refers to an op outside `export_scope`.
    """
    graph = graph or _graph.get_default_graph()
    rename = _Renamer(export_scope)
    nodes = []
    for op in graph.get_operations():
        if not rename.inside(op.name):
            continue
        where = "op '%s' (type %s)" % (op.name, op.type)
        inputs = [rename(t.name, where) for t in op.inputs]
        inputs += ["^" + rename(c.name, where) for c in op.control_inputs]
        attrs = {}
        for key in sorted(op.attrs):
            akey = "%s attr '%s'" % (where, key)
            attrs[key] = _codec.encode_value(op.attrs[key], akey,
                                             lambda name, akey=akey: rename(name, akey))
        nodes.append({"name": rename(op.name, where), "op": op.type, "input": inputs,
                      "attr": attrs,
                      "output": [{"dtype": t.dtype.name, "shape": _codec.encode_shape(t.shape)}
                                 for t in op.outputs]})
    variables = _collections.OrderedDict()
    collection_def = {}
    keys = graph.get_all_collection_keys() if collection_list is None else collection_list
    for key in keys:
        if not isinstance(key, str):
            continue  # TF1 also skips collections keyed by non-strings
        items, skipped = [], []
        for item in graph.get_collection(key):
            try:
                encoded = _collection_item(item, rename, variables, "collection '%s'" % key)
            except _codec.ExportError:
                skipped.append(type(item).__name__)
                continue
            if encoded is not None:
                items.append(encoded)
        if skipped:
            warnings.warn("export_meta_graph: collection '%s' holds items of type %s, which a "
                          "meta graph cannot hold; they are left out (as TF1 does)"
                          % (key, ", ".join(sorted(set(skipped)))), stacklevel=3)
        if items:
            collection_def[key] = items
    return {
        "format": FORMAT,
        "version": VERSION,
        "meta_info_def": {"minigraph_version": _version(),
                          "op_types": sorted({n["op"] for n in nodes})},
        "graph_def": {"node": nodes},
        "variables": [_variable_def(v, rename) for v in variables.values()],
        "collection_def": collection_def,
    }


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False,
                      strip_default_attrs=False, save_debug_info=False, **kwargs):
    """Write a graph, its variables and collections to a JSON meta graph file (TF1 name).

    Args:
      filename: the file to write (None: only return the document).
      meta_info_def: optional dict of extra string entries for "meta_info_def".
      collection_list: names of the collections to write (default: all).
      as_text: indent the JSON for reading (the file is JSON either way).
      graph: the graph to write (default: the default graph).
      export_scope: only write ops under this name scope, with the prefix removed.
      graph_def, saver_def, clear_devices, clear_extraneous_savers, strip_default_attrs,
        save_debug_info: accepted for TF1 compatibility; minigraph has no protocol
        buffers or devices, so they change nothing.

    Returns:
      The meta graph as a dict of plain JSON values.

    Raises:
      ValueError: if an op's attr holds code (a function) or an object that is not data,
        naming the op and the attr; or for an op referring outside `export_scope`.
      TypeError: for an unknown keyword argument.
    """
    if kwargs:
        raise TypeError("export_meta_graph() got unexpected keyword arguments: %s"
                        % ", ".join(sorted(kwargs)))
    if graph is not None and not isinstance(graph, _graph.Graph):
        raise TypeError("export_meta_graph: graph must be a minigraph Graph, got %r" % (graph,))
    doc = meta_graph_dict(graph, collection_list, export_scope)
    if saver_def is not None:
        doc["saver_def"] = _saver_def_dict(saver_def)
    if meta_info_def:
        for k, v in dict(meta_info_def).items():
            doc["meta_info_def"][str(k)] = str(v)
    if filename is not None:
        _atomic_write(os.fspath(filename), _codec.dumps(doc, pretty=as_text))
    return doc


_SAVER_FIELDS = (("max_to_keep", (int, type(None))),
                 ("keep_checkpoint_every_n_hours", (int, float)),
                 ("sharded", bool),
                 ("version", int))


def _saver_def_dict(saver_def):
    """The settings of a `mg.train.SaverDef` (or a dict of them) as plain JSON values."""
    get = saver_def.get if isinstance(saver_def, dict) else (
        lambda key, default=None: getattr(saver_def, key, default))
    out = {}
    for key, types in _SAVER_FIELDS:
        value = get(key)
        if value is not None or key == "max_to_keep":
            _codec.check_type(value, types, "export_meta_graph: saver_def", key)
            out[key] = value
    return out


def _atomic_write(path, text):
    from minigraph.framework.file_io import atomic_write_string
    atomic_write_string(path, text)


# -- import ---------------------------------------------------------------------------------------
def read_meta_graph_file(path):
    """Read and parse a meta graph file (no graph is built).

    Raises:
      FileNotFoundError: if `path` does not exist (IsADirectoryError: if it is a directory).
      ValueError: if it is too large, not UTF-8 JSON, or not a minigraph meta graph.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError("%s is a directory, not a meta graph file" % path)
    if not os.path.isfile(path):
        raise FileNotFoundError("File does not exist. Received: %s." % path)
    size = os.path.getsize(path)
    if size > _codec.MAX_FILE_BYTES:
        raise ValueError("%s is %d bytes, more than the %d bytes a meta graph may have"
                         % (path, size, _codec.MAX_FILE_BYTES))
    with open(path, "rb") as f:
        data = f.read(_codec.MAX_FILE_BYTES + 1)
    doc = _codec.loads(data, path)
    _check_document(doc, path)
    return doc


def _check_document(doc, source):
    if not isinstance(doc, dict):
        raise ValueError("%s is not a minigraph meta graph: the top level must be a JSON object, "
                         "got %s" % (source, type(doc).__name__))
    if doc.get("format") != FORMAT:
        raise ValueError("%s is not a minigraph meta graph: \"format\" must be %r, got %s"
                         % (source, FORMAT, _codec._short(doc.get("format"))))
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("%s: \"version\" must be a positive integer, got %s"
                         % (source, _codec._short(version)))
    if version > VERSION:
        raise ValueError("%s has meta graph format version %d, newer than the version %d this "
                         "minigraph reads; upgrade minigraph" % (source, version, VERSION))
    extra = set(doc) - _DOC_KEYS
    if extra:
        raise ValueError("%s: unknown top-level keys %s" % (source, sorted(extra)))
    graph_def = _codec.check_type(doc.get("graph_def"), dict, source, "\"graph_def\"")
    if set(graph_def) != {"node"}:
        raise ValueError("%s: \"graph_def\" must hold exactly the key \"node\", got %s"
                         % (source, sorted(graph_def)))
    nodes = _codec.check_type(graph_def["node"], list, source, "\"graph_def.node\"")
    if len(nodes) > _builder.MAX_NODES:
        raise ValueError("%s has %d nodes, more than the %d a meta graph may have"
                         % (source, len(nodes), _builder.MAX_NODES))
    _codec.check_type(doc.get("meta_info_def", {}), dict, source, "\"meta_info_def\"")
    _codec.check_type(doc.get("variables", []), list, source, "\"variables\"")
    _codec.check_type(doc.get("collection_def", {}), dict, source, "\"collection_def\"")
    saver_def = _codec.check_type(doc.get("saver_def", {}), dict, source, "\"saver_def\"")
    fields = dict(_SAVER_FIELDS)
    for key, value in saver_def.items():
        if key not in fields:
            raise ValueError("%s: unknown saver_def field %s (expected %s)"
                             % (source, _codec._short(key), ", ".join(fields)))
        _codec.check_type(value, fields[key], source, "saver_def." + key)
    n = saver_def.get("max_to_keep")
    hours = saver_def.get("keep_checkpoint_every_n_hours", 1)
    if (n is not None and not 0 <= n <= 10**6) or not 0 < hours <= 10**9:
        raise ValueError("%s: saver_def has max_to_keep %s and keep_checkpoint_every_n_hours %s; "
                         "expected 0..1000000 (or null) and a positive number of hours"
                         % (source, n, hours))


def _load(meta_graph_or_file):
    if isinstance(meta_graph_or_file, dict):
        _check_document(meta_graph_or_file, "meta graph")
        return meta_graph_or_file, "meta graph"
    if isinstance(meta_graph_or_file, (str, bytes, os.PathLike)):
        path = os.fsdecode(meta_graph_or_file)
        return read_meta_graph_file(path), path
    raise TypeError("Expected a meta graph file name or dict, got %r of type %s"
                    % (meta_graph_or_file, type(meta_graph_or_file).__name__))


def import_scoped_meta_graph(meta_graph_or_file, graph=None, import_scope=None):
    """Build a meta graph's ops, variables and collections into `graph`.

    Args:
      meta_graph_or_file: a file name, or a dict as `export_meta_graph` returns.
      graph: the graph to build into (default: the default graph).
      import_scope: a name scope prefixed to every imported name.

    Returns:
      An ordered dict {variable name in the file ("w:0"): the imported Variable}.

    Raises:
      FileNotFoundError: if the file does not exist.
      ValueError: for a malformed, oversized or inconsistent file (naming the node, attr
        or collection), or a node name already used in `graph`; `graph` is then unchanged.
      RuntimeError: if `graph` is finalized.
    """
    doc, source = _load(meta_graph_or_file)
    return _import(doc, source, graph or _graph.get_default_graph(), import_scope)


def _import(doc, source, graph, import_scope):
    graph._check_not_finalized()
    if import_scope is not None:
        _codec.check_name(import_scope, "import_meta_graph", "import_scope")
        if not _graph._VALID_SCOPE_NAME.match(import_scope):
            raise ValueError("import_meta_graph: '%s' is not a valid scope name" % import_scope)
    # Build into a scratch graph first: every check runs before the real graph changes.
    scratch = _builder.Builder(_graph.Graph(), doc, source, import_scope)
    scratch.build_all()
    taken = [op.name for op in scratch.graph.get_operations() if op.name in graph._ops_by_name]
    if taken:
        raise ValueError("import_meta_graph: %s would create ops that already exist in the graph "
                         "(%s%s); import into a new graph or pass import_scope"
                         % (source, ", ".join(taken[:5]), ", ..." if len(taken) > 5 else ""))
    return _builder.Builder(graph, doc, source, import_scope).build_all()


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Rebuild a graph written by `export_meta_graph` into the default graph (TF1 name).

    Args:
      meta_graph_or_file: the file name, or the dict `export_meta_graph` returned.
      clear_devices: accepted for TF1 compatibility (minigraph has no devices).
      import_scope: a name scope prefixed to every imported name.

    Returns:
      A `mg.train.Saver` over the imported global variables (restore a checkpoint of the
      original model with it), or None when the graph has no variables, as in TF1.

    Raises:
      FileNotFoundError: if the file does not exist.
      ValueError: for a malformed, oversized or hostile file, naming what is wrong; the
        default graph is then unchanged.
      TypeError: for an unknown keyword argument.
    """
    if kwargs:
        raise TypeError("import_meta_graph() got unexpected keyword arguments: %s"
                        % ", ".join(sorted(kwargs)))
    graph = _graph.get_default_graph()
    doc, source = _load(meta_graph_or_file)
    variables = _import(doc, source, graph, import_scope)
    global_vars = set(graph.get_collection(_graph.GraphKeys.GLOBAL_VARIABLES))
    # Checkpoint keys are the names the variables had when the file was written.
    var_list = {name.rpartition(":")[0]: v for name, v in variables.items() if v in global_vars}
    if not var_list:
        return None
    from minigraph.train import saver as _saver
    settings = {k: v for k, v in doc.get("saver_def", {}).items()
                if k in ("max_to_keep", "keep_checkpoint_every_n_hours")}
    return _saver.Saver(var_list=var_list, **settings)
