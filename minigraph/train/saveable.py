"""Which values a Saver saves: `var_list` (a list, a dict, or the default collections)
resolved into checkpoint entries (TF1's saveable_object_util).

Each entry is a checkpoint key and the VariableV2 ops that hold its value: one op for a
plain variable, or the partitions of a partitioned variable with the slice each one
holds of the full value (from the partitions' save-slice info).
"""
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.graph import GraphKeys


class Saveable:
    """One checkpoint entry: a variable, or the parts of a partitioned one, with slices."""

    def __init__(self, name):
        self.name = name
        self.parts = []          # (VariableV2 op, offset list or None, shape list or None)
        self.full_shape = None   # list, or None for an unpartitioned variable
        self.source = None       # what the user passed, for messages and duplicate checks

    @property
    def dtype(self):
        return self.parts[0][0]._outputs[0].dtype

    def static_shape(self):
        if self.full_shape is not None:
            return _ts.TensorShape(self.full_shape)
        return self.parts[0][0]._outputs[0].shape


def _variable_op(v):
    """The VariableV2 op behind a Variable or a `w:0` tensor, else None."""
    if isinstance(v, _graph.Tensor):
        return v.op if v.op.type == "VariableV2" else None
    ref = getattr(v, "_variable", None)
    if isinstance(ref, _graph.Tensor) and ref.op.type == "VariableV2":
        return ref.op
    return None


def _is_partitioned(v):
    return hasattr(v, "_get_variable_list") and not isinstance(v, (list, tuple))


def _add_partition_parts(saveable, parts, where):
    for p in parts:
        op = _variable_op(p)
        info = p._get_save_slice_info() if hasattr(p, "_get_save_slice_info") else None
        if op is None or info is None:
            raise TypeError("%s: %r is not a partition of a partitioned variable (it has no "
                            "save-slice info)" % (where, p))
        full = list(info.full_shape)
        if saveable.full_shape is None:
            saveable.full_shape = full
        elif saveable.full_shape != full:
            raise ValueError("%s: partitions of %s disagree on the full shape: %s and %s"
                             % (where, saveable.name, saveable.full_shape, full))
        saveable.parts.append((op, list(info.var_offset), list(info.var_shape)))


def saveables_from_list(var_list):
    by_name, order = {}, []
    for var in sorted(var_list, key=lambda x: getattr(x, "name", "")):
        if _is_partitioned(var):
            name = var.name
            if name in by_name:
                raise ValueError("At least two variables have the same name: %s" % name)
            s = by_name[name] = Saveable(name)
            order.append(s)
            _add_partition_parts(s, var._get_variable_list(), "Saver")
            s.source = var
            continue
        op = _variable_op(var)
        if op is None:
            raise TypeError("Variable to save is not a Variable: %s" % (var,))
        info = var._get_save_slice_info() if hasattr(var, "_get_save_slice_info") else None
        if info is not None:
            # A partition in GLOBAL_VARIABLES: it joins the entry of its full variable.
            s = by_name.get(info.full_name)
            if s is None:
                s = by_name[info.full_name] = Saveable(info.full_name)
                order.append(s)
            elif s.full_shape is None:
                raise ValueError("At least two variables have the same name: %s"
                                 % info.full_name)
            _add_partition_parts(s, [var], "Saver")
            continue
        name = op.name
        if name in by_name:
            raise ValueError("At least two variables have the same name: %s" % name)
        s = by_name[name] = Saveable(name)
        s.parts.append((op, None, None))
        s.source = var
        order.append(s)
    return order


def saveables_from_dict(var_dict):
    order, seen = [], {}
    for name, var in sorted(var_dict.items(), key=lambda kv: str(kv[0])):
        if not isinstance(name, str):
            raise TypeError("Saver var_list dict keys must be checkpoint names (strings), got "
                            "%r" % (name,))
        s = Saveable(name)
        if _is_partitioned(var):
            _add_partition_parts(s, var._get_variable_list(), "Saver")
        elif isinstance(var, (list, tuple)):
            _add_partition_parts(s, var, "Saver")
        else:
            op = _variable_op(var)
            if op is None:
                raise TypeError("Variable to save is not a Variable: %s (checkpoint name %r)"
                                % (var, name))
            s.parts.append((op, None, None))
        for op, _, _ in s.parts:
            if op in seen:
                raise ValueError("The same saveable will be restored with two names: %s (variable "
                                 "%s is also saved as %s)" % (name, op.name, seen[op]))
            seen[op] = name
        order.append(s)
    return order


def all_saveable_objects(graph):
    return (graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
            + graph.get_collection(GraphKeys.SAVEABLE_OBJECTS))
