"""Building a parsed meta graph document into a graph, node by node (see meta_graph).

Every reference in the file (inputs, control inputs, op/tensor attrs, variables,
collection items) must name a node of the same file; ops are made only through the op
registry, and each op's own shape inference then checks the attrs it was given.
"""
import collections as _collections

from minigraph.framework import graph_codec as _codec
from minigraph.framework import registry as _registry

MAX_NODES = 1000000
# Inputs (data and control) of one node; checking duplicates costs its square.
MAX_INPUTS = 4096
# Any static output shape may hold at most this many elements; larger ones could make
# shape inference allocate without bound.
MAX_STATIC_ELEMENTS = 2**28

VARIABLE_TYPES = ("VariableV2",)
NODE_KEYS = {"name", "op", "input", "attr", "output"}
VAR_KEYS = {"variable_name", "initializer_name", "snapshot_name", "initial_value_name",
            "trainable"}


def _parse_input(text, where):
    _codec.check_name(text, where, "an input")
    if text.startswith("^"):
        return None, text[1:]
    name, sep, index = text.rpartition(":")
    if not sep or not (index.isascii() and index.isdigit()) or len(index) > 6:
        raise ValueError("%s: input %s must be \"op_name:index\" or \"^op_name\""
                         % (where, _codec._short(text)))
    return int(index), name


class Builder:
    """Builds the nodes of one document into one graph (see `import_scoped_meta_graph`)."""

    def __init__(self, graph, doc, source, import_scope):
        self.graph, self.doc, self.source = graph, doc, source
        self.prefix = import_scope.rstrip("/") + "/" if import_scope else ""
        self.ops = {}  # file name -> Operation

    def lookup(self, kind, name, where):
        """The Operation ("op") or Tensor ("tensor") the file calls `name`."""
        if kind == "tensor":
            index, op_name = _parse_input(name, where)
            if index is None:
                raise ValueError("%s: tensor reference %s needs an \":index\"" % (where, name))
        else:
            index, op_name = None, name
        op = self.ops.get(op_name)
        if op is None:
            raise ValueError("%s: refers to node '%s', which is not defined before it in the "
                             "file" % (where, op_name))
        if index is None:
            return op
        if index >= len(op.outputs):
            raise ValueError("%s: refers to output %d of node '%s', which has only %d outputs"
                             % (where, index, op_name, len(op.outputs)))
        return op.outputs[index]

    def build(self):
        nodes = self.doc["graph_def"]["node"]
        controls = []
        with self.graph.as_default(), self.graph.control_dependencies(None):
            for i, node in enumerate(nodes):
                controls.append(self._node(i, node))
        # Control inputs may point forward (added to an op after later ops were made).
        for op, names, where in controls:
            op._add_control_inputs([self.lookup("op", n, where) for n in names])
        self._check_acyclic()

    def _node(self, i, node):
        where = "%s: node #%d" % (self.source, i)
        _codec.check_type(node, dict, where, "a node")
        name = _codec.check_name(node.get("name"), where, "\"name\"")
        where = "%s: node #%d '%s'" % (self.source, i, name)
        if set(node) - NODE_KEYS or not {"name", "op"} <= set(node):
            raise ValueError("%s: a node has the keys name, op, input, attr, output; got %s"
                             % (where, sorted(node)))
        if name in self.ops:
            raise ValueError("%s: a node named '%s' is defined twice" % (where, name))
        op_type = _codec.check_name(node["op"], where, "\"op\"")
        where = "%s (type %s)" % (where, op_type)
        try:
            _registry.get_op_def(op_type)
        except KeyError:
            raise ValueError("%s: unknown op type '%s'; only op types registered in minigraph "
                             "can be imported" % (where, op_type))
        inputs, controls = [], []
        texts = _codec.check_type(node.get("input", []), list, where, "\"input\"")
        if len(texts) > MAX_INPUTS:
            raise ValueError("%s has %d inputs, more than the %d a node may have"
                             % (where, len(texts), MAX_INPUTS))
        for text in texts:
            index, op_name = _parse_input(text, where)
            if index is None:
                controls.append(op_name)
            else:
                inputs.append(self.lookup("tensor", text, where))
        attr = _codec.check_type(node.get("attr", {}), dict, where, "\"attr\"")
        attrs = {}
        for key, value in attr.items():
            akey = "%s attr '%s'" % (where, _codec.check_name(key, where, "an attr name"))
            attrs[key] = _codec.decode_value(
                value, akey, lambda kind, n, akey=akey: self.lookup(kind, n, akey))
        try:
            op = _registry.make_op(op_type, inputs, attrs, self.prefix + name + "/", self.graph)
        except Exception as e:  # the op's own checks on file data: report, never crash
            raise ValueError("%s cannot be built from this file: %s: %s"
                             % (where, type(e).__name__, e)) from e
        if op_type == "Const":
            # Const trusts its attrs (a program always makes them agree); a file may not.
            value, dtype = op.attrs.get("value"), op.attrs.get("dtype")
            if getattr(value, "dtype", None) != getattr(dtype, "as_numpy_dtype", None):
                raise ValueError("%s: attr 'value' must be an array of the attr 'dtype' (%s), "
                                 "got %s" % (where, getattr(dtype, "name", dtype),
                                             _codec._short(value)))
        self._check_outputs(op, node.get("output"), where)
        self._mark_used(self.prefix + name)
        self.ops[name] = op
        return op, controls, where

    def _check_outputs(self, op, outputs, where):
        for k, t in enumerate(op.outputs):
            n = t.shape.num_elements()
            if n is not None and n > MAX_STATIC_ELEMENTS:
                raise ValueError("%s: output %d has static shape %s, more than %d elements"
                                 % (where, k, t.shape, MAX_STATIC_ELEMENTS))
        if outputs is None:
            return
        _codec.check_type(outputs, list, where, "\"output\"")
        if len(outputs) != len(op.outputs):
            raise ValueError("%s: the file lists %d outputs, but this op has %d"
                             % (where, len(outputs), len(op.outputs)))
        for k, (rec, t) in enumerate(zip(outputs, op.outputs)):
            owhere = "%s output %d" % (where, k)
            _codec.check_type(rec, dict, owhere, "an output record")
            if set(rec) != {"dtype", "shape"}:
                raise ValueError("%s: an output record has the keys dtype, shape; got %s"
                                 % (owhere, sorted(rec)))
            dtype = _codec.decode_dtype(rec["dtype"], owhere)
            shape = _codec.decode_shape(rec["shape"], owhere)
            if dtype != t.dtype or not shape.is_compatible_with(t.shape):
                raise ValueError("%s: the file says %s %s, but the op infers %s %s"
                                 % (owhere, dtype.name, shape, t.dtype.name, t.shape))
            # Restore refinements made with Tensor.set_shape after the op was built.
            t.set_shape(shape)

    def _mark_used(self, name):
        # Later ops and name scopes of the same names get "_1" suffixes, as after a build.
        parts = name.split("/")
        for k in range(1, len(parts) + 1):
            key = "/".join(parts[:k]).lower()
            self.graph._names_in_use[key] = max(self.graph._names_in_use.get(key, 0), 1)

    def _check_acyclic(self):
        state = {}
        for start in self.ops.values():
            stack = [(start, iter(list(start.control_inputs) + [t.op for t in start.inputs]))]
            if state.get(start):
                continue
            state[start] = 1
            while stack:
                op, deps = stack[-1]
                dep = next(deps, None)
                if dep is None:
                    state[op] = 2
                    stack.pop()
                elif state.get(dep) == 1:
                    raise ValueError("%s: control inputs form a cycle through node '%s'"
                                     % (self.source, dep.name))
                elif not state.get(dep):
                    state[dep] = 1
                    stack.append((dep, iter(list(dep.control_inputs) + [t.op for t in dep.inputs])))

    def build_all(self):
        """Nodes, then variables, then collections; returns {file var name: Variable}."""
        self.build()
        variables = self._variables(self.doc.get("variables", []))
        self._collections(self.doc.get("collection_def", {}), variables)
        return variables

    def _variables(self, vdefs):
        from minigraph.framework import variables as _variables

        out = _collections.OrderedDict()
        for i, vdef in enumerate(vdefs):
            where = "%s: variables[%d]" % (self.source, i)
            _codec.check_type(vdef, dict, where, "a variable record")
            required = VAR_KEYS - {"initial_value_name", "trainable"}
            if set(vdef) - VAR_KEYS or not required <= set(vdef):
                raise ValueError("%s: a variable record has the keys %s; got %s"
                                 % (where, ", ".join(sorted(VAR_KEYS)), sorted(vdef)))
            name = _codec.check_name(vdef["variable_name"], where, "\"variable_name\"")
            if name in out:
                raise ValueError("%s: variable '%s' is listed twice" % (where, name))
            ref = self.lookup("tensor", name, where)
            if ref.op.type not in VARIABLE_TYPES:
                raise ValueError("%s: '%s' is made by an op of type %s, not a variable op (%s)"
                                 % (where, name, ref.op.type, ", ".join(VARIABLE_TYPES)))
            init = vdef.get("initial_value_name")
            var = _variables.Variable.__new__(_variables.Variable)
            # The attributes Variable.__init__ sets; the ops already exist in the graph.
            var._variable = ref
            var._initializer_op = self.lookup(
                "op", _codec.check_name(vdef["initializer_name"], where, "\"initializer_name\""),
                where)
            var._snapshot = self.lookup(
                "tensor", _codec.check_name(vdef["snapshot_name"], where, "\"snapshot_name\""),
                where)
            var._initial_value = (None if init is None else self.lookup(
                "tensor", _codec.check_name(init, where, "\"initial_value_name\""), where))
            var._trainable = _codec.check_type(vdef.get("trainable", True), bool, where,
                                               "\"trainable\"")
            # Constraints are Python code and are never written (TF1 drops them too).
            var._constraint = None
            var._caching_device = None
            var._save_slice_info = None
            out[name] = var
        return out

    def _collections(self, collection_def, variables):
        for key, items in collection_def.items():
            where = "%s: collection '%s'" % (self.source, _codec.check_name(key, self.source,
                                                                            "a collection name"))
            _codec.check_type(items, list, where, "a collection")
            for j, item in enumerate(items):
                iwhere = "%s item %d" % (where, j)
                if not isinstance(item, dict) or len(item) != 1:
                    raise ValueError("%s: an item must be an object with one key (variable, "
                                     "tensor, op, s, i, f or b), got %s"
                                     % (iwhere, _codec._short(item)))
                (kind, payload), = item.items()
                if kind == "variable":
                    value = variables.get(_codec.check_name(payload, iwhere, "a variable name"))
                    if value is None:
                        raise ValueError("%s: variable %s is not in the \"variables\" list"
                                         % (iwhere, _codec._short(payload)))
                elif kind in ("tensor", "op"):
                    value = self.lookup(kind, _codec.check_name(payload, iwhere, "a name"), iwhere)
                elif kind in ("s", "i", "f", "b"):
                    value = _codec.decode_value(item, iwhere, None)
                else:
                    raise ValueError("%s: unknown item kind %s" % (iwhere, _codec._short(kind)))
                self.graph.add_to_collection(key, value)
