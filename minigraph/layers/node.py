"""Layer calls as graph nodes: `Node` (one call: inputs, outputs, shapes, arguments), the
`_keras_mask` of tensors, and the queries TF1's Layer answers from its nodes
(`input`, `output`, `input_shape`, `get_input_at(i)`, ...), mixed into `Layer`."""
import copy
import weakref

import numpy as np

from minigraph.framework import context as _context
from minigraph.framework import graph as _graph

# -- masks: the `_keras_mask` of a tensor ----------------------------------------------------
# Tensor uses __slots__, so the mask a layer attaches to its outputs lives in a weak map;
# `tensor._keras_mask` reads it as in TF1.
_MASKS = weakref.WeakKeyDictionary()
# Which layer call produced a tensor: tensor -> (layer, node_index, tensor_index).
_HISTORY = weakref.WeakKeyDictionary()


def _get_mask(tensor):
    return _MASKS.get(tensor)


def _set_mask(tensor, mask):
    if mask is None:
        _MASKS.pop(tensor, None)
    else:
        _MASKS[tensor] = mask


_graph.Tensor._keras_mask = property(_get_mask, _set_mask)


# -- helpers -----------------------------------------------------------------------------------
def _flatten(x):
    if isinstance(x, (list, tuple)):
        out = []
        for e in x:
            out.extend(_flatten(e))
        return out
    return [x]


def _map(fn, x):
    if isinstance(x, list):
        return [_map(fn, e) for e in x]
    if isinstance(x, tuple):
        return tuple(_map(fn, e) for e in x)
    return fn(x)


def _is_tensor_like(x):
    return isinstance(x, _graph.Tensor) or (
        hasattr(x, "_as_graph_element") and not isinstance(x, _graph.Operation))


def _int_shape(tensor):
    shape = tensor.shape
    return None if shape.ndims is None else tuple(shape.as_list())


def _unwrap(values):
    return values[0] if isinstance(values, list) and len(values) == 1 else values


class Node:
    """One call of a layer: what went in, what came out, and with which arguments.

    `input_tensors`/`output_tensors` are lists (one entry per input/output tensor) and
    `input_shapes`/`output_shapes` the matching shape tuples (`(None, 8, 8, 3)`).
    """

    __slots__ = ("layer", "node_index", "input_tensors", "output_tensors", "input_shapes",
                 "output_shapes", "arguments", "inbound_layers")

    def __init__(self, layer, node_index, input_tensors, output_tensors, arguments):
        self.layer = layer
        self.node_index = node_index
        self.input_tensors = list(input_tensors)
        self.output_tensors = list(output_tensors)
        self.input_shapes = [_int_shape(t) for t in self.input_tensors]
        self.output_shapes = [_int_shape(t) for t in self.output_tensors]
        self.arguments = arguments
        self.inbound_layers = [_HISTORY[t][0] if t in _HISTORY else None
                               for t in self.input_tensors]

    # `input_shapes` etc. as the public API returns them: a single shape, not a 1-list.
    def get(self, attr):
        return _unwrap(getattr(self, attr))

    def __deepcopy__(self, memo):
        # Tensors are bound to the graph: a copied node points at the same tensors.
        new = Node.__new__(Node)
        memo[id(self)] = new
        new.layer = memo.get(id(self.layer), self.layer)
        for k in ("node_index", "input_tensors", "output_tensors", "input_shapes",
                  "output_shapes", "inbound_layers"):
            setattr(new, k, copy.copy(getattr(self, k)))
        new.arguments = self.arguments
        return new

    def __repr__(self):
        return "<Node %d of layer %s: %s -> %s>" % (
            self.node_index, self.layer.name, [t.name for t in self.input_tensors],
            [t.name for t in self.output_tensors])


class NodeQueriesMixin:
    """What a layer answers from its inbound nodes; needs `_inbound_nodes`, `_outbound_nodes`."""

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    # -- node attributes ---------------------------------------------------------------------
    def _check_not_eager(self, what):
        if _context.executing_eagerly():
            raise RuntimeError("Layer.%s is not supported in Eager mode (layer %s): layers are "
                               "not connected to a graph when executing eagerly."
                               % (what, self._name))

    def _get_node_attribute_at_index(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise RuntimeError("The layer %s has never been called and thus has no defined %s."
                               % (self._name, attr_name))
        if isinstance(node_index, (bool, np.bool_)) or not isinstance(
                node_index, (int, np.integer)):
            raise TypeError("node_index must be an integer, got %r (layer %s)"
                            % (node_index, self._name))
        n = len(self._inbound_nodes)
        if not -n <= node_index < n:
            raise ValueError("Asked to get %s at node %d, but the layer %s has only %d inbound "
                             "node%s." % (attr_name, node_index, self._name, n,
                                          "" if n == 1 else "s"))
        return self._inbound_nodes[node_index].get(attr)

    def get_input_at(self, node_index):
        """The input tensor(s) of call number `node_index` (0 = first call).

        Raises:
          RuntimeError: in Eager mode, or if the layer was never called.
          ValueError: if there is no such node.
        """
        self._check_not_eager("get_input_at")
        return self._get_node_attribute_at_index(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        """The output tensor(s) of call number `node_index`.

        Raises:
          RuntimeError: in Eager mode, or if the layer was never called.
          ValueError: if there is no such node.
        """
        self._check_not_eager("get_output_at")
        return self._get_node_attribute_at_index(node_index, "output_tensors", "output")

    def get_input_shape_at(self, node_index):
        """The input shape tuple(s) of call number `node_index`, e.g. `(None, 8, 8, 3)`.

        Raises:
          RuntimeError: in Eager mode, or if the layer was never called.
          ValueError: if there is no such node.
        """
        self._check_not_eager("get_input_shape_at")
        return self._get_node_attribute_at_index(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        """The output shape tuple(s) of call number `node_index`.

        Raises:
          RuntimeError: in Eager mode, or if the layer was never called.
          ValueError: if there is no such node.
        """
        self._check_not_eager("get_output_shape_at")
        return self._get_node_attribute_at_index(node_index, "output_shapes", "output shape")

    @property
    def input(self):
        """The input tensor (or list of tensors) the layer was called on.

        Raises:
          AttributeError: if the layer was never called, or was called on different inputs
            (then use `get_input_at(node_index)`).
          RuntimeError: in Eager mode.
        """
        self._check_not_eager("input")
        if not self._inbound_nodes:
            raise AttributeError("Layer %s is not connected, no input to return." % self._name)
        first = self._inbound_nodes[0].input_tensors
        if any(len(n.input_tensors) != len(first)
               or any(a is not b for a, b in zip(n.input_tensors, first))
               for n in self._inbound_nodes[1:]):
            raise AttributeError('Layer %s has multiple inbound nodes with different inputs, '
                                 'hence the notion of "layer input" is ill-defined. Use '
                                 '`get_input_at(node_index)` instead.' % self._name)
        return self._inbound_nodes[0].get("input_tensors")

    @property
    def output(self):
        """The output tensor (or list of tensors) of the layer's only call.

        Raises:
          AttributeError: if the layer was never called, or was called several times (each
            call has its own output; use `get_output_at(node_index)`).
          RuntimeError: in Eager mode.
        """
        self._check_not_eager("output")
        if not self._inbound_nodes:
            raise AttributeError("Layer %s has no inbound nodes, no output to return."
                                 % self._name)
        first = self._inbound_nodes[0].output_tensors
        if any(any(a is not b for a, b in zip(n.output_tensors, first))
               for n in self._inbound_nodes[1:]):
            raise AttributeError('Layer %s has multiple inbound nodes (%d calls), hence the '
                                 'notion of "layer output" is ill-defined. Use '
                                 '`get_output_at(node_index)` instead.'
                                 % (self._name, len(self._inbound_nodes)))
        return self._inbound_nodes[0].get("output_tensors")

    def _shape_property(self, attr, what, getter):
        if not self._inbound_nodes:
            raise AttributeError('The layer "%s" has never been called and thus has no defined '
                                 '%s.' % (self._name, what))
        shapes = {str(n.get(attr)) for n in self._inbound_nodes}
        if len(shapes) != 1:
            raise AttributeError('The layer "%s" has multiple inbound nodes, with different %ss '
                                 '(%s). Hence the notion of "%s" is ill-defined for the layer. '
                                 'Use `%s(node_index)` instead.'
                                 % (self._name, what, ", ".join(sorted(shapes)), what, getter))
        return self._inbound_nodes[0].get(attr)

    @property
    def input_shape(self):
        """The input shape tuple, e.g. `(None, 8, 8, 3)` (a list of tuples for several inputs).

        Raises:
          AttributeError: if the layer was never called, or its calls had inputs of
            different shapes.
          RuntimeError: in Eager mode.
        """
        self._check_not_eager("input_shape")
        return self._shape_property("input_shapes", "input shape", "get_input_shape_at")

    @property
    def output_shape(self):
        """The output shape tuple (a list of tuples for several outputs).

        Raises:
          AttributeError: if the layer was never called, or its calls had outputs of
            different shapes.
          RuntimeError: in Eager mode.
        """
        self._check_not_eager("output_shape")
        return self._shape_property("output_shapes", "output shape", "get_output_shape_at")

    def _add_inbound_node(self, inputs, outputs, args, kwargs):
        arguments = dict(kwargs)
        if args:
            arguments["args"] = args
        node = Node(self, len(self._inbound_nodes), _flatten(inputs),
                    [o for o in _flatten(outputs) if isinstance(o, _graph.Tensor)], arguments)
        self._inbound_nodes.append(node)
        for layer in node.inbound_layers:
            if layer is not None and node not in layer._outbound_nodes:
                layer._outbound_nodes.append(node)
        for i, t in enumerate(node.output_tensors):
            _HISTORY[t] = (self, node.node_index, i)
