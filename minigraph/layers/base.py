"""`Layer`: TF1's `tf.layers.Layer`, the base of every layer in `mg.layers`.

A layer is a callable object holding variables. Calling it on a tensor
(`y = layer(x)`, `__call__`):

1. converts `x` to a tensor (NumPy arrays and Python numbers too) and checks it against
   `layer.input_spec`;
2. on the first call, opens the layer's variable scope (`separable_conv2d`,
   `separable_conv2d_1`, ... unique per graph, or the given `name`) and runs
   `build(input_shape)`, which creates the variables with `add_weight`
   (`separable_conv2d/depthwise_kernel:0`); later calls reuse them;
3. runs `call(x)` under the layer's name scope, adds the activity-regularization loss and
   records a `Node` (inputs, outputs, their shapes, the call arguments), so `input`,
   `output`, `get_input_at(i)`, ... describe every call;
4. adds the layer's update ops to `GraphKeys.UPDATE_OPS`.

Regularization losses go to `layer.losses` and to `GraphKeys.REGULARIZATION_LOSSES`.
"""
import collections
import copy
import inspect
import re

import numpy as np

from minigraph.framework import context as _context
from minigraph.framework import dtypes as _dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.layers.input_spec import InputSpec, assert_input_compatibility  # noqa: F401
from minigraph.layers.node import (  # noqa: F401 - Node is part of the layers API
    Node, NodeQueriesMixin, _flatten, _is_tensor_like, _map, _unwrap)

_EXTRA_KEY = "minigraph.layers.base"


def _vs():
    # variable_scope imports the ops; import it lazily so `mg.layers` loads in any order.
    from minigraph.framework import variable_scope
    return variable_scope


def _variables():
    from minigraph.framework import variables
    return variables


def to_snake_case(name):
    """`SeparableConv2D` -> `separable_conv2d` (keras' rule for default layer names)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    # A private class name ("_Foo") would make a scope starting with "_".
    return insecure if insecure[0] != "_" else "private" + insecure


def _graph_state(graph):
    state = graph._extra.get(_EXTRA_KEY)
    if state is None:
        state = graph._extra[_EXTRA_KEY] = {"name_uids": collections.defaultdict(int)}
    return state


def unique_layer_name(base_name, graph=None):
    """`base_name_1`, `base_name_2`, ...: one counter per base name and graph.

    TF1 quirk, kept: the first unnamed `SeparableConv2D` is *named* `separable_conv2d_1`
    (keras' one-based counter) while its variable scope, and so its variables and ops, is
    `separable_conv2d` (variable scopes count from zero).
    """
    uids = _graph_state(graph or _graph.get_default_graph())["name_uids"]
    uids[base_name] += 1
    return "%s_%d" % (base_name, uids[base_name])


def _as_op(x):
    if isinstance(x, _graph.Operation):
        return x
    if isinstance(x, _graph.Tensor):
        return x.op
    if hasattr(x, "_as_graph_element"):
        return x._as_graph_element().op
    if hasattr(x, "op"):
        return x.op
    raise TypeError("An update must be an Operation, a Tensor or a Variable, got %r" % (x,))


def _depends_on(target, sources):
    """True if tensor/op `target` is computed from any tensor/op in `sources`.

    Walks backwards over data and control edges from `target`.
    """
    src_tensors, src_ops = set(), set()
    for s in sources:
        if isinstance(s, _graph.Operation):
            src_ops.add(s)
        elif isinstance(s, _graph.Tensor):
            src_tensors.add(s)
        elif hasattr(s, "_as_graph_element"):
            el = s._as_graph_element()
            (src_ops if isinstance(el, _graph.Operation) else src_tensors).add(el)
    if isinstance(target, _graph.Tensor):
        if target in src_tensors:
            return True
        stack = [target.op]
    else:
        stack = [target]
    seen = set()
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op in src_ops:
            return True
        for t in op.inputs:
            if t in src_tensors:
                return True
            stack.append(t.op)
        stack.extend(op.control_inputs)
    return False


def _call_arg_names(fn):
    """Names of `fn`'s parameters (without self), and whether it takes **kwargs."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return [], True
    names = [p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    accepts_kwargs = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    return names, accepts_kwargs


def _add_elements_to_collection(elements, collection_name, graph):
    if _context.executing_eagerly():
        raise RuntimeError("Using collections from Layers is not supported in Eager mode. "
                           "Tried to add %s to %s" % (elements, collection_name))
    collection = graph.get_collection_ref(collection_name)
    present = {id(e) for e in collection}
    for element in _flatten(elements):
        if id(element) not in present:
            collection.append(element)
            present.add(id(element))


def _is_partitioned(variable):
    return type(variable).__name__ == "PartitionedVariable"


def _parts(variable):
    return list(variable) if _is_partitioned(variable) else [variable]


class Layer(NodeQueriesMixin):
    """Base layer class (TF1 `tf.layers.Layer`).

    Subclasses create their variables in `build(input_shape)` with `add_weight` and
    compute in `call(inputs)`; users call the layer (`layer(x)` or `layer.apply(x)`).

    Args:
      trainable: whether the layer's variables go to `GraphKeys.TRAINABLE_VARIABLES`
        (and to `trainable_weights`).
      name: the layer's name, also its variable scope (made unique per graph when two
        layers share it, unless `_reuse`); a `VariableScope` is accepted too. Default:
        the class name in snake_case (`separable_conv2d`), see `unique_layer_name`.
      dtype: dtype of the variables (default: the dtype of the first input, else
        float32); floating inputs of another float dtype are cast to it.
      **kwargs: `activity_regularizer` (a callable on the output), `_scope` and `_reuse`
        (used by the functional forms like `mg.layers.separable_conv2d(..., reuse=True)`),
        and keras' `input_shape`, `batch_input_shape`, `batch_size`, `input_dim`,
        `autocast` (kept for compatibility, unused).

    Raises:
      TypeError: for an unknown keyword argument or a `name` that is not a string.
    """

    _ALLOWED_KWARGS = frozenset(("_scope", "_reuse", "activity_regularizer", "input_shape",
                                 "batch_input_shape", "batch_size", "input_dim", "autocast",
                                 "dynamic"))

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        for kwarg in kwargs:
            if kwarg not in self._ALLOWED_KWARGS:
                raise TypeError("Keyword argument not understood: %r (creating a %s layer; "
                                "accepted extra keywords: %s)"
                                % (kwarg, type(self).__name__,
                                   ", ".join(sorted(self._ALLOWED_KWARGS))))
        if kwargs.get("dynamic"):
            raise ValueError("dynamic=True layers need eager execution, which minigraph "
                             "does not support yet.")
        scope = kwargs.pop("_scope", None)
        self._reuse = kwargs.pop("_reuse", None)
        self._trainable = trainable
        self.built = False
        self.supports_masking = False
        self.stateful = False
        self._input_spec = None
        self._dtype = None if dtype is None else _dtypes.as_dtype(dtype).name
        from minigraph import regularizers
        self._activity_regularizer = regularizers.get(kwargs.pop("activity_regularizer", None))
        if "batch_input_shape" in kwargs or "input_shape" in kwargs:
            batch = kwargs.get("batch_size")
            self._batch_input_shape = tuple(kwargs["batch_input_shape"]) \
                if "batch_input_shape" in kwargs else (batch,) + tuple(kwargs["input_shape"])
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []           # (tensor, unconditional) from add_loss
        self._weight_losses = []    # tensors made by weight regularizers at add_weight time
        self._weight_regularizers = []  # (name, variable part, regularizer), for Eager mode
        self._updates = []          # (op, unconditional)
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._graph = None
        self._call_inputs = None
        self._init_set_name(name)
        self._call_fn_args, self._call_accepts_kwargs = _call_arg_names(self.call)
        self._call_has_scope_arg = "scope" in self._call_fn_args
        self._expects_mask_arg = "mask" in self._call_fn_args or self._call_accepts_kwargs
        self._current_scope = None
        if scope:
            with _vs().variable_scope(scope) as captured_scope:
                self._scope = captured_scope
            self._graph = _graph.get_default_graph()
        else:
            self._scope = None

    def _init_set_name(self, name):
        if isinstance(name, _vs().VariableScope):
            base_name = name.name
            self._name = unique_layer_name(to_snake_case(type(self).__name__))
        elif name:
            if not isinstance(name, str):
                raise TypeError("Layer name must be a string or a VariableScope, got %r (%s)"
                                % (name, type(name).__name__))
            base_name = self._name = name
        else:
            base_name = to_snake_case(type(self).__name__)
            self._name = unique_layer_name(base_name)
        self._base_name = base_name

    # -- properties ------------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        """The dtype name of the layer's variables (`'float32'`), or None before the first call.

        A string, as in TF1; it compares equal to `mg.float32`.
        """
        return self._dtype

    @property
    def graph(self):
        """The graph the layer's variables and ops live in (None before its first use).

        TF 1.15 deprecated this property and returns None; earlier TF1 versions return
        the layer's graph, as minigraph does.

        Raises:
          RuntimeError: in Eager mode.
        """
        if _context.executing_eagerly():
            raise RuntimeError("Layer.graph not supported when executing eagerly.")
        return self._graph

    @property
    def scope_name(self):
        """The layer's variable scope name (`'separable_conv2d'`), set by the first call.

        Raises:
          ValueError: if the layer has not been called (or built) yet.
        """
        if not self._scope:
            raise ValueError('No name available for layer scope because the layer "%s" has '
                             "not been used yet. The scope name is determined the first time "
                             "the layer instance is called. You must therefore call the layer "
                             "before querying `scope_name`." % self._name)
        return self._scope.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = value

    @property
    def activity_regularizer(self):
        """Optional regularizer function for the output of this layer."""
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, regularizer):
        self._activity_regularizer = regularizer

    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value):
        for v in _flatten(value):
            if v is not None and not isinstance(v, InputSpec):
                raise TypeError("Layer input_spec must be an instance of InputSpec (layer %s). "
                                "Got: %r" % (self._name, v))
        self._input_spec = value

    @property
    def trainable_weights(self):
        """Variables updated by training: empty when `trainable` is False."""
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return list(self._non_trainable_weights)
        return self._trainable_weights + self._non_trainable_weights

    @property
    def weights(self):
        """All variables of the layer: `trainable_weights + non_trainable_weights`."""
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self):
        """Alias of `weights`."""
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def updates(self):
        """The update ops added with `add_update` (none when the layer is not trainable).

        TF1 rule: a frozen (`trainable=False`), non-stateful layer's updates are not run.
        """
        if not self.trainable and not self.stateful:
            return []
        return [u for u, _ in self._updates]

    @property
    def losses(self):
        """Loss tensors of the layer: those from `add_loss`, then weight regularization.

        In graph mode the regularization tensors were made when the variables were
        created, and are returned (the same tensors as in
        `GraphKeys.REGULARIZATION_LOSSES`). In Eager mode reading this property evaluates
        the regularizers again.
        """
        losses = [loss for loss, _ in self._losses]
        if _context.executing_eagerly():
            return losses + [loss for loss in (reg(v) for _, v, reg in self._weight_regularizers)
                             if loss is not None]
        return losses + list(self._weight_losses)

    # -- subclass API -----------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the layer's variables, given the input shape (a TensorShape)."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation; the base layer returns `inputs` unchanged."""
        return inputs

    def compute_output_shape(self, input_shape):
        """The output shape for an input of shape `input_shape`.

        Raises:
          NotImplementedError: the base class cannot know; layers override this.
        """
        raise NotImplementedError(
            "Layer %s (class %s) does not implement compute_output_shape; override it in the "
            "subclass." % (self._name, type(self).__name__))

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: the input mask if `supports_masking`, else None.

        Raises:
          TypeError: if a mask is given to a layer that does not support masking.
        """
        if not self.supports_masking:
            if any(m is not None for m in _flatten(mask)):
                raise TypeError("Layer %s does not support masking, but was passed an "
                                "input_mask: %s" % (self._name, mask))
            return None
        return mask

    def count_params(self):
        """The number of scalars in the layer's weights.

        Raises:
          ValueError: if the layer is not built yet (it has no weights).
        """
        if not self.built:
            raise ValueError("You tried to call `count_params` on %s, but the layer isn't "
                             "built. You can build it manually via: `%s.build("
                             "batch_input_shape)`." % (self._name, self._name))
        total = 0
        for w in self.weights:
            total += int(np.prod(_ts.as_shape(w.shape).as_list(), dtype=np.int64))
        return total

    # -- variables -------------------------------------------------------------------------
    def _set_scope(self, scope=None):
        if self._scope is None:
            vs = _vs()
            if self._reuse:
                with vs.variable_scope(scope if scope is not None else self._base_name) \
                        as captured_scope:
                    self._scope = captured_scope
            else:
                with vs.variable_scope(scope, default_name=self._base_name) as captured_scope:
                    self._scope = captured_scope

    def _name_scope(self):
        name = self._current_scope.original_name_scope
        return name if name.endswith("/") else name + "/"

    def _claim_graph(self, graph):
        if self._graph is None:
            self._graph = graph
        elif self._graph is not graph:
            raise ValueError("Layer %s is bound to another graph (%r) than the one it is used "
                             "in now (%r); create a new layer for each graph."
                             % (self._name, self._graph, graph))

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, use_resource=None, synchronization=None,
                   aggregation=None, partitioner=None, **kwargs):
        """Create (or, when reusing, get) a variable `<layer scope>/<name>` of the layer.

        Args:
          name: variable name inside the layer's scope.
          shape: variable shape.
          dtype: defaults to the layer's dtype, else float32.
          initializer: callable initializer; default: the variable scope's initializer,
            else `get_variable`'s default (glorot uniform for floats).
          regularizer: callable `w -> scalar`; its value goes to `losses` and to
            `GraphKeys.REGULARIZATION_LOSSES` (once, when the variable is created).
          trainable: whether the variable is trainable (default True). Ignored (False)
            when the layer is not trainable or the variable scope makes variables
            non-trainable.
          constraint: callable projection the optimizers apply after each update.
          use_resource: accepted for TF1 compatibility; minigraph has one variable kind.
          synchronization, aggregation: accepted for TF1 compatibility (distribution
            strategies); minigraph runs on one device, so they change nothing.
          partitioner: optional partitioner; then a `PartitionedVariable` is returned and
            each part is a weight of the layer.

        Returns:
          The `Variable` (or `PartitionedVariable`).

        Raises:
          RuntimeError: for a partitioned variable with a regularizer in Eager mode.
          TypeError: for an unknown keyword argument.
        """
        for kwarg in kwargs:
            if kwarg not in ("experimental_autocast",):
                raise TypeError("Unknown keyword argument for add_weight of layer %s: %r"
                                % (self._name, kwarg))
        if trainable is None:
            trainable = True
        if partitioner is not None and regularizer is not None and \
                _context.executing_eagerly():
            raise RuntimeError("Partitioned variable regularization is not yet supported when "
                               "executing eagerly (layer %s, variable %s)." % (self._name, name))
        graph = _graph.get_default_graph()
        self._claim_graph(graph)
        existing = {id(v) for v in graph.get_collection(_graph.GraphKeys.GLOBAL_VARIABLES)}
        if dtype is None:
            dtype = self._dtype or _dtypes.float32
        vs = _vs()
        self._set_scope(None)
        reuse = self.built or self._reuse
        prev_len_trainable = len(self._trainable_weights)
        with vs.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            with graph.name_scope(self._name_scope()):
                if initializer is None:
                    initializer = scope.initializer
                trainable = trainable and self.trainable
                variable = vs.get_variable(name, shape=shape, dtype=_dtypes.as_dtype(dtype),
                                           initializer=initializer, trainable=trainable,
                                           constraint=constraint, partitioner=partitioner)
                parts = _parts(variable)
                target = self._trainable_weights if trainable else self._non_trainable_weights
                tracked = {id(v) for v in self._trainable_weights + self._non_trainable_weights}
                for v in parts:
                    if id(v) not in tracked:
                        target.append(v)
                if regularizer is not None and all(id(v) not in existing for v in parts):
                    self._handle_weight_regularization(name, variable, regularizer, graph)
        if trainable:
            # A custom getter or a non-trainable variable scope may have overridden
            # `trainable`: trust the collection, as TF1 does.
            trainable_set = {id(v) for v in
                             graph.get_collection(_graph.GraphKeys.TRAINABLE_VARIABLES)}
            if any(id(v) not in trainable_set for v in parts):
                extra = self._trainable_weights[prev_len_trainable:]
                del self._trainable_weights[prev_len_trainable:]
                self._non_trainable_weights.extend(extra)
        return variable

    def add_variable(self, *args, **kwargs):
        """Alias of `add_weight` (TF1's older name)."""
        return self.add_weight(*args, **kwargs)

    def _handle_weight_regularization(self, name, variable, regularizer, graph):
        for v in _parts(variable):
            with graph.name_scope(name + "/Regularizer"):
                loss = regularizer(v)
            self._weight_regularizers.append((name, v, regularizer))
            if loss is None:
                continue
            if not _is_tensor_like(loss):
                loss = _graph.convert_to_tensor(loss, dtype=_dtypes.float32)
            self._weight_losses.append(loss)
            _add_elements_to_collection([loss], _graph.GraphKeys.REGULARIZATION_LOSSES, graph)

    # -- losses and updates ---------------------------------------------------------------------
    def add_loss(self, losses, inputs=None):
        """Add loss tensor(s) to the layer (and to `GraphKeys.REGULARIZATION_LOSSES`).

        Args:
          losses: a loss tensor, a list of them, or zero-argument callables making them;
            None entries are skipped, Python numbers become float32 constants.
          inputs: None for unconditional losses (e.g. on weights); anything else marks the
            losses as depending on the layer's inputs (e.g. activity regularization), so
            `get_losses_for(x)` finds them.

        Raises:
          RuntimeError: in Eager mode.
        """
        if _context.executing_eagerly():
            raise RuntimeError("Layer.add_loss is not supported in Eager mode (layer %s); "
                               "add variable regularizers through add_weight instead."
                               % self._name)
        new = []
        for loss in _flatten(losses):
            if callable(loss) and not _is_tensor_like(loss):
                loss = loss()
            if loss is None:
                continue
            if not _is_tensor_like(loss):
                loss = _graph.convert_to_tensor(loss, dtype=_dtypes.float32)
            self._losses.append((loss, inputs is None))
            new.append(loss)
        if new:
            _add_elements_to_collection(new, _graph.GraphKeys.REGULARIZATION_LOSSES,
                                        new[0].graph)

    def add_update(self, updates, inputs=None):
        """Add update op(s) (e.g. moving averages) to the layer. Ignored in Eager mode.

        Args:
          updates: an op, a tensor (its op is kept), a variable, a zero-argument callable
            returning one of those, or a list of them.
          inputs: anything but None marks the updates as conditional on the layer's inputs.
            With None, an update computed from the inputs of the current call (or of any
            earlier call, outside `call`) is conditional, any other is unconditional
            (TF 1.15 infers this the same way).
        """
        if _context.executing_eagerly():
            return
        if self._call_inputs is not None:
            relevant = self._call_inputs
        else:
            relevant = [t for n in self._inbound_nodes for t in n.input_tensors]
        for u in _flatten(updates):
            if callable(u) and not _is_tensor_like(u):
                u = u()
            if u is None:
                continue
            op = _as_op(u)
            unconditional = inputs is None and not _depends_on(op, relevant)
            self._updates.append((op, unconditional))

    def get_updates_for(self, inputs):
        """The update ops that depend on `inputs` (None: the unconditional ones).

        Raises:
          RuntimeError: in Eager mode.
        """
        self._check_not_eager("get_updates_for")
        if not self.trainable and not self.stateful:
            return []
        if inputs is None:
            return [u for u, unconditional in self._updates if unconditional]
        sources = _flatten(inputs)
        return [u for u, unconditional in self._updates
                if not unconditional and _depends_on(u, sources)]

    def get_losses_for(self, inputs):
        """The losses that depend on `inputs` (None: the unconditional ones, e.g. weights).

        Raises:
          RuntimeError: in Eager mode.
        """
        self._check_not_eager("get_losses_for")
        if inputs is None:
            return [loss for loss, unconditional in self._losses if unconditional] + \
                list(self._weight_losses)
        sources = _flatten(inputs)
        return [loss for loss, unconditional in self._losses
                if not unconditional and _depends_on(loss, sources)]

    # -- calling ----------------------------------------------------------------------------------
    def _convert_inputs(self, inputs):
        if isinstance(inputs, (list, tuple)) and any(_is_tensor_like(x) for x in
                                                     _flatten(inputs)):
            return _map(lambda x: x if isinstance(x, _graph.Tensor)
                        else _graph.convert_to_tensor(x), inputs)
        if isinstance(inputs, _graph.Tensor):
            return inputs
        if isinstance(inputs, _graph.Operation):
            raise TypeError("Layer %s was called on Operation %s; layers take tensors."
                            % (self._name, inputs.name))
        try:
            return _graph.convert_to_tensor(inputs)
        except (TypeError, ValueError) as e:
            raise TypeError("Layer %s could not convert its input %r to a tensor: %s"
                            % (self._name, inputs, e))

    def _maybe_cast(self, tensor):
        if self._dtype is None or not tensor.dtype.is_floating:
            return tensor
        target = _dtypes.as_dtype(self._dtype)
        if not target.is_floating or tensor.dtype == target:
            return tensor
        import minigraph as mg
        return mg.cast(tensor, target)

    def _call_arg_was_passed(self, arg_name, args, kwargs):
        if arg_name in kwargs:
            return True
        names = self._call_fn_args[1:]  # the first is `inputs`
        return arg_name in names and names.index(arg_name) < len(args)

    def __call__(self, inputs, *args, **kwargs):
        """Apply the layer to `inputs`: build it on first use, then run `call`.

        Args:
          inputs: a tensor (or list of tensors); NumPy arrays and numbers are converted.
          *args: more positional arguments for `call`.
          **kwargs: more keyword arguments for `call`. `scope` is reserved: it names the
            layer's variable scope on the first call. If `call` takes a `scope` argument it
            receives the layer's `VariableScope`; if it takes `mask`, its default is the
            mask (`_keras_mask`) of the inputs, when the layer that made them set one.

        Returns:
          The output tensor(s).

        Raises:
          ValueError: if `call` returns None, or the inputs do not satisfy `input_spec`.
        """
        if "_inbound_nodes" not in self.__dict__:
            raise RuntimeError("%s.__init__ must call `super().__init__()` before the layer is "
                               "called." % type(self).__name__)
        scope = kwargs.pop("scope", None)
        graph = _graph.get_graph_from_inputs(
            [x for x in _flatten(inputs) if isinstance(x, _graph.Tensor)])
        with graph.as_default():
            inputs = self._convert_inputs(inputs)
            self._claim_graph(graph)
            vs = _vs()
            self._set_scope(scope)
            reuse = True if self.built else self._reuse
            with vs.variable_scope(self._scope, reuse=reuse,
                                   auxiliary_name_scope=False) as vscope:
                self._current_scope = vscope
                if self._call_has_scope_arg:
                    kwargs["scope"] = vscope
                flat_inputs = _flatten(inputs)
                masks = [getattr(x, "_keras_mask", None) for x in flat_inputs]
                input_masks = None if all(m is None for m in masks) else _unwrap(masks)
                if (self._expects_mask_arg and input_masks is not None
                        and not self._call_arg_was_passed("mask", args, kwargs)):
                    kwargs["mask"] = input_masks
                assert_input_compatibility(self.input_spec, inputs, self._name)
                with graph.name_scope(self._name_scope()):
                    if not self.built:
                        self._maybe_build(inputs)
                    cast_inputs = _map(self._maybe_cast, inputs)
                    outer_call_inputs, self._call_inputs = self._call_inputs, flat_inputs
                    try:
                        outputs = self.call(cast_inputs, *args, **kwargs)
                    finally:
                        self._call_inputs = outer_call_inputs
                    if outputs is None:
                        raise ValueError("A layer's `call` method should return a Tensor or a "
                                         "list of Tensors, not None (layer: %s)." % self._name)
                    self._handle_activity_regularization(inputs, outputs)
                    self._set_mask_metadata(inputs, outputs, input_masks)
                    self._add_inbound_node(inputs, outputs, args, kwargs)
        _add_elements_to_collection(self.updates, _graph.GraphKeys.UPDATE_OPS, graph)
        return outputs

    def apply(self, inputs, *args, **kwargs):
        """Same as `__call__`."""
        return self.__call__(inputs, *args, **kwargs)

    def _maybe_build(self, inputs):
        flat = _flatten(inputs)
        if self._dtype is None and flat:
            self._dtype = flat[0].dtype.name
        shapes = _map(lambda t: _ts.as_shape(t.shape), inputs)
        self.build(shapes)
        self.built = True

    def _handle_activity_regularization(self, inputs, outputs):
        if not self._activity_regularizer:
            return
        import minigraph as mg
        with mg.name_scope("ActivityRegularizer"):
            for output in _flatten(outputs):
                activity_loss = self._activity_regularizer(output)
                if activity_loss is None:
                    continue
                activity_loss = _graph.convert_to_tensor(activity_loss)
                # Per-sample penalty: divide by the batch size so the strength does not
                # depend on it (TF >= 1.13).
                batch_size = mg.cast(mg.shape(output)[0], activity_loss.dtype)
                self.add_loss(mg.truediv(activity_loss, batch_size), inputs=inputs)

    def _set_mask_metadata(self, inputs, outputs, previous_mask):
        flat_outputs = [o for o in _flatten(outputs) if isinstance(o, _graph.Tensor)]
        if all(getattr(o, "_keras_mask", None) is not None for o in flat_outputs):
            return  # `call` set the masks itself
        overridden = type(self).compute_mask is not Layer.compute_mask
        if not (self.supports_masking or overridden):
            return
        output_masks = self.compute_mask(inputs, previous_mask)
        flat_masks = [None] * len(flat_outputs) if output_masks is None \
            else _flatten(output_masks)
        input_ids = {id(x) for x in _flatten(inputs)}
        for output, mask in zip(flat_outputs, flat_masks):
            if id(output) not in input_ids or mask is not None:
                output._keras_mask = mask

    # -- copying ----------------------------------------------------------------------------------
    def __deepcopy__(self, memo):
        """A copy that shares the graph, the variable scope name and every graph object.

        Variables, tensors and ops belong to the graph and are shared by the copy (so a
        built copy computes with the same weights); lists holding them are new lists;
        everything else (regularizers, initializers, specs, ...) is deep-copied.
        """
        cls = self.__class__
        result = cls.__new__(cls)
        memo[id(self)] = result
        shared = [self._graph]
        shared += self._trainable_weights + self._non_trainable_weights
        shared += [loss for loss, _ in self._losses] + self._weight_losses
        shared += [v for _, v, _ in self._weight_regularizers]
        shared += [u for u, _ in self._updates]
        for node in self._inbound_nodes + self._outbound_nodes:
            shared += node.input_tensors + node.output_tensors
        for obj in shared:
            if obj is not None:
                memo[id(obj)] = obj
        for k, v in self.__dict__.items():
            if k in ("_scope", "_current_scope"):
                setattr(result, k, copy.copy(v))
            elif _is_graph_object(v):
                setattr(result, k, v)
            else:
                setattr(result, k, copy.deepcopy(v, memo))
        return result

    def __repr__(self):
        return "<%s.%s '%s'>" % (type(self).__module__, type(self).__name__, self._name)


def _is_graph_object(v):
    if isinstance(v, (_graph.Graph, _graph.Tensor, _graph.Operation)):
        return True
    return hasattr(v, "_as_graph_element") or _is_partitioned(v)
