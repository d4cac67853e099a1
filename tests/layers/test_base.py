"""mg.layers.Layer: every property and method of TF1's tf.layers.Layer, with its errors.

The layers here are small custom layers (a dense layer, an identity with updates) so the
base class is tested on its own; SeparableConv2D has its own file.
"""
import copy

import numpy as np
import pytest

import minigraph as mg
from minigraph.framework import context
from minigraph.layers import base
from util import evaluate, rng


class Dense(mg.layers.Layer):
    """x @ kernel + bias, with optional regularizers (enough to exercise the base class)."""

    def __init__(self, units=2, kernel_regularizer=None, partitioner=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_regularizer = kernel_regularizer
        self.partitioner = partitioner

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", [input_shape[-1].value, self.units],
                                      regularizer=self.kernel_regularizer,
                                      partitioner=self.partitioner)
        self.bias = self.add_weight("bias", [self.units], initializer=mg.zeros_initializer())
        self.built = True

    def call(self, inputs):
        return mg.matmul(inputs, self.kernel) + self.bias

    def compute_output_shape(self, input_shape):
        shape = mg.TensorShape(input_shape)
        return shape[:-1].concatenate([self.units])


class Counter(mg.layers.Layer):
    """Identity layer with a non-trainable running sum updated on each call."""

    def build(self, input_shape):
        self.total = self.add_weight("total", [input_shape[-1].value], trainable=False,
                                     initializer=mg.zeros_initializer())

    def call(self, inputs):
        self.add_update(mg.assign_add(self.total, mg.reduce_sum(inputs, 0)))
        self.add_update(mg.assign(self.total, mg.zeros_like(self.total)), inputs=None)
        return mg.identity(inputs)


def ph(shape=(None, 3), dtype=mg.float32, name=None):
    return mg.placeholder(dtype, list(shape), name=name)


@pytest.fixture
def eager(monkeypatch):
    monkeypatch.setattr(context, "executing_eagerly", lambda: True)


def called_dense(**kwargs):
    layer = Dense(**kwargs)
    x = ph()
    y = layer(x)
    return layer, x, y


# -- __init__, name, scope_name, dtype, graph, trainable ------------------------------------
def test_init_default_name_follows_tf1_counters():
    layers = [Dense() for _ in range(3)]
    # TF1 quirk: layer names count from 1, variable scopes from 0.
    assert [layer.name for layer in layers] == ["dense_1", "dense_2", "dense_3"]
    x = ph()
    for layer in layers:
        layer(x)
    assert [layer.scope_name for layer in layers] == ["dense", "dense_1", "dense_2"]
    assert layers[0].weights[0].name == "dense/kernel:0"


def test_init_names_are_per_graph():
    Dense()
    g = mg.Graph()
    with g.as_default():
        assert Dense().name == "dense_1"
    assert Dense().name == "dense_2"


def test_init_snake_case_of_class_name():
    class SeparableConv2D(mg.layers.Layer):
        pass

    class BatchNormalization(mg.layers.Layer):
        pass

    class _Private(mg.layers.Layer):
        pass
    assert SeparableConv2D().name == "separable_conv2d_1"
    assert BatchNormalization().name == "batch_normalization_1"
    assert _Private().name == "private__private_1"
    assert base.to_snake_case("HTTPLayer2D") == "http_layer2d"


def test_init_given_name_and_its_scope():
    a, b = Dense(name="foo"), Dense(name="foo")
    x = ph()
    a(x)
    b(x)
    assert (a.name, b.name) == ("foo", "foo")
    assert (a.scope_name, b.scope_name) == ("foo", "foo_1")
    assert b.weights[0].name == "foo_1/kernel:0"


def test_init_name_can_be_a_variable_scope():
    with mg.variable_scope("block") as scope:
        pass
    layer = Dense(name=scope)
    assert layer.name == "dense_1"
    layer(ph())
    assert layer.scope_name == "block_1"  # TF1: a fresh scope named after the given one


def test_init_errors():
    with pytest.raises(TypeError, match="Keyword argument not understood: 'foo'"):
        Dense(foo=1)
    with pytest.raises(TypeError, match="string"):
        Dense(name=3)
    with pytest.raises(ValueError, match="eager"):
        Dense(dynamic=True)


def test_scope_name_before_call_is_a_value_error():
    layer = Dense()
    with pytest.raises(ValueError, match='layer "dense_1" has not been used yet'):
        layer.scope_name


def test_dtype_inferred_from_first_input():
    layer = Dense()
    assert layer.dtype is None
    layer(ph(dtype=mg.float64))
    assert layer.dtype == "float64" and layer.dtype == mg.float64
    assert layer.kernel.dtype == mg.float64


def test_dtype_given_casts_floating_inputs():
    layer = Dense(dtype=mg.float64)
    y = layer(ph(dtype=mg.float32))
    assert y.dtype == mg.float64 and layer.kernel.dtype == mg.float64
    assert any(op.type == "Cast" for op in mg.get_default_graph().get_operations())


def test_graph_property():
    layer = Dense()
    assert layer.graph is None
    layer(ph())
    assert layer.graph is mg.get_default_graph()


def test_graph_in_eager_mode_is_a_runtime_error(eager):
    with pytest.raises(RuntimeError, match="eagerly"):
        Dense().graph


def test_layer_bound_to_one_graph():
    layer, _, _ = called_dense()
    with mg.Graph().as_default():
        with pytest.raises(ValueError, match="dense_1 is bound to another graph"):
            layer(ph())


def test_trainable_false_puts_variables_in_non_trainable():
    layer, _, _ = called_dense(trainable=False)
    assert layer.trainable is False
    assert layer.trainable_weights == [] and layer.trainable_variables == []
    assert [v.name for v in layer.non_trainable_weights] == ["dense/kernel:0", "dense/bias:0"]
    assert mg.trainable_variables() == []


def test_trainable_setter_moves_weights_in_the_listing():
    layer, _, _ = called_dense()
    assert len(layer.trainable_weights) == 2
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


def test_non_trainable_scope_overrides_trainable():
    def frozen(getter, *args, **kwargs):
        kwargs["trainable"] = False
        return getter(*args, **kwargs)
    with mg.variable_scope("frozen", custom_getter=frozen):
        layer, _, _ = called_dense()
    assert layer.trainable_weights == []
    assert [v.name for v in layer.non_trainable_weights] == \
        ["frozen/dense/kernel:0", "frozen/dense/bias:0"]


# -- weights, variables ----------------------------------------------------------------------
def test_weights_and_variables():
    layer, _, _ = called_dense()
    names = ["dense/kernel:0", "dense/bias:0"]
    assert [v.name for v in layer.weights] == names
    assert [v.name for v in layer.variables] == names
    assert [v.name for v in layer.trainable_variables] == names
    assert [v.name for v in layer.trainable_weights] == names
    assert layer.non_trainable_weights == [] and layer.non_trainable_variables == []
    assert [v.name for v in mg.trainable_variables()] == names


def test_non_trainable_weight_listing():
    layer = Counter()
    layer(ph())
    assert layer.trainable_weights == []
    assert [v.name for v in layer.non_trainable_variables] == ["counter/total:0"]
    assert [v.name for v in layer.weights] == ["counter/total:0"]


def test_weights_before_build_are_empty():
    layer = Dense()
    assert layer.weights == [] and layer.variables == [] and not layer.built


# -- add_weight / add_variable ------------------------------------------------------------------
def test_add_weight_uses_scope_initializer_and_regularizer_collection():
    with mg.variable_scope("outer", initializer=mg.ones_initializer()):
        layer, _, _ = called_dense()
    assert layer.kernel.name == "outer/dense/kernel:0"
    kernel, bias = evaluate([layer.kernel, layer.bias])
    np.testing.assert_array_equal(kernel, np.ones((3, 2)))
    np.testing.assert_array_equal(bias, np.zeros(2))


def test_add_weight_with_regularizer_adds_losses():
    layer, _, _ = called_dense(kernel_regularizer=mg.regularizers.l2(0.5))
    [loss] = layer.losses
    assert loss.name == "dense/kernel/Regularizer/add:0"
    assert mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES) == [loss]
    kernel, value = evaluate([layer.kernel, loss])
    assert value == pytest.approx(0.5 * (kernel ** 2).sum(), rel=1e-5)


def test_add_variable_is_add_weight_and_returns_the_variable():
    class L(mg.layers.Layer):
        def build(self, input_shape):
            self.v = self.add_variable("v", [2, 2], dtype=mg.float64,
                                       initializer=mg.constant_initializer(3.0),
                                       constraint=mg.constraints.non_neg(), trainable=False)
    layer = L()
    layer(ph())
    assert isinstance(layer.v, mg.Variable) and layer.v.name == "l/v:0"
    assert layer.v.dtype == mg.float64 and layer.v.constraint is not None
    assert layer.non_trainable_weights == [layer.v]
    np.testing.assert_array_equal(evaluate(layer.v), np.full((2, 2), 3.0))


def test_add_weight_outside_call_builds_the_scope():
    layer = Dense()
    v = layer.add_weight("w", [3])
    assert v.name == "dense/w:0" and layer.scope_name == "dense"
    assert layer.weights == [v]


def test_add_weight_unknown_kwarg():
    with pytest.raises(TypeError, match="Unknown keyword argument.*'getter2'"):
        Dense().add_weight("w", [3], getter2=None)


def test_add_variable_with_partitioner_returns_partitioned_variable():
    layer = Dense(units=4, partitioner=mg.fixed_size_partitioner(2),
                  kernel_regularizer=lambda w: mg.reduce_sum(w))
    x = ph(shape=(None, 6))
    y = layer(x)
    assert isinstance(layer.kernel, mg.PartitionedVariable)
    assert [v.name for v in layer.weights] == \
        ["dense/kernel/part_0:0", "dense/kernel/part_1:0", "dense/bias:0"]
    # One regularization loss per part.
    assert [t.name for t in layer.losses] == ["dense/kernel/Regularizer/Sum:0",
                                              "dense/kernel/Regularizer_1/Sum:0"]
    assert layer.count_params() == 6 * 4 + 4
    xv = rng().randn(2, 6).astype(np.float32)
    out, parts = evaluate([y, list(layer.kernel)], {x: xv})
    np.testing.assert_allclose(out, xv @ np.concatenate(parts, 0), rtol=1e-5)


def test_add_variable_partitioned_regularizer_in_eager_mode_is_a_runtime_error(eager):
    with pytest.raises(RuntimeError, match="Partitioned variable regularization"):
        Dense().add_variable("w", [4, 2], partitioner=mg.fixed_size_partitioner(2),
                             regularizer=mg.regularizers.l2())


# -- reuse -----------------------------------------------------------------------------------------
def test_second_call_reuses_variables_and_names_ops_in_the_same_scope():
    layer = Dense(name="shared")
    x = ph()
    y1, y2 = layer(x), layer(x)
    assert len(mg.global_variables()) == 2
    assert (y1.op.name, y2.op.name) == ("shared/add", "shared/add_1")


def test_reuse_by_name_shares_variables():
    a = Dense(name="foo", _scope="foo", kernel_regularizer=mg.regularizers.l2())
    a(ph())
    b = Dense(name="foo", _scope="foo", _reuse=True, kernel_regularizer=mg.regularizers.l2())
    y = b(ph())
    assert b.weights == a.weights and b.scope_name == "foo"
    assert len(mg.global_variables()) == 2
    # Reusing does not add the regularization loss again (TF1), ops get a fresh name scope.
    assert len(a.losses) == 1 and b.losses == []
    assert len(mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES)) == 1
    assert y.op.name == "foo_1/add"


def test_reuse_without_flag_fails_like_get_variable():
    Dense(name="foo", _scope="foo")(ph())
    with pytest.raises(ValueError, match="already exists"):
        Dense(name="foo", _scope="foo")(ph())


def test_auto_reuse():
    a = Dense(name="ar", _scope="ar", _reuse=mg.AUTO_REUSE)
    a(ph())
    b = Dense(name="ar", _scope="ar", _reuse=mg.AUTO_REUSE)
    b(ph())
    assert b.weights == a.weights


def test_reuse_from_enclosing_scope():
    with mg.variable_scope("s"):
        a, _, _ = called_dense()
    with mg.variable_scope("s", reuse=True):
        b = Dense(name="dense", _scope="dense")
        b(ph())
    assert b.weights == a.weights


# -- __call__ and apply ----------------------------------------------------------------------
def test_call_builds_once_and_computes():
    layer, x, y = called_dense()
    assert layer.built and y.shape.as_list() == [None, 2]
    xv = rng().randn(4, 3).astype(np.float32)
    out, k, b = evaluate([y, layer.kernel, layer.bias], {x: xv})
    np.testing.assert_allclose(out, xv @ k + b, rtol=1e-5)


def test_apply_is_call():
    layer = Dense()
    x = ph()
    y = layer.apply(x)
    assert y.op.name == "dense/add" and layer.get_output_at(0) is y


def test_call_converts_numpy_and_lists():
    layer = Dense()
    y = layer(np.ones((2, 3), np.float32))
    assert y.shape.as_list() == [2, 2]
    y2 = layer([[1.0, 2.0, 3.0]])
    assert y2.shape.as_list() == [1, 2]


def test_numpy_float64_input_sets_float64_layer_like_tf1():
    layer = Dense()
    layer(np.ones((2, 3)))
    assert layer.dtype == "float64"


def test_call_returning_none_is_a_value_error():
    class Broken(mg.layers.Layer):
        def call(self, inputs):
            return None
    with pytest.raises(ValueError, match=r"not None \(layer: broken_1\)"):
        Broken()(ph())


def test_call_scope_kwarg_names_the_layer_scope():
    layer = Dense()
    y = layer(ph(), scope="myscope")
    assert layer.scope_name == "myscope" and y.op.name == "myscope/add"
    assert layer.kernel.name == "myscope/kernel:0"


def test_call_with_scope_argument_receives_the_variable_scope():
    seen = []

    class Scoped(mg.layers.Layer):
        def call(self, inputs, scope=None):
            seen.append(scope)
            return inputs * 2.0
    layer = Scoped()
    layer(ph())
    assert isinstance(seen[0], mg.VariableScope) and seen[0].name == "scoped"


def test_call_passes_extra_args_and_records_them():
    class Scale(mg.layers.Layer):
        def call(self, inputs, factor, offset=0.0):
            return inputs * factor + offset
    layer = Scale()
    y = layer(ph(), 3.0, offset=1.0)
    assert evaluate(y, {layer.input: np.ones((1, 3), np.float32)}).tolist() == [[4.0] * 3]
    assert layer.inbound_nodes[0].arguments == {"offset": 1.0, "args": (3.0,)}


def test_call_ops_live_under_enclosing_name_scope():
    with mg.name_scope("ns"):
        layer, _, y = called_dense()
    assert y.op.name == "ns/dense/add" and layer.kernel.name == "dense/kernel:0"


def test_mask_propagation():
    class Masker(mg.layers.Layer):
        def call(self, inputs):
            return mg.identity(inputs)

        def compute_mask(self, inputs, mask=None):
            return mg.not_equal(inputs, 0.0)

    class UsesMask(mg.layers.Layer):
        def call(self, inputs, mask=None):
            self.got = mask
            return inputs * mg.cast(mask, inputs.dtype) if mask is not None else inputs

    class PassThrough(mg.layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, inputs):
            return mg.identity(inputs)
    x = ph()
    m = Masker()(x)
    assert m._keras_mask is not None and m._keras_mask.dtype == mg.bool
    p = PassThrough()(m)
    assert p._keras_mask is m._keras_mask
    user = UsesMask()
    user(p)
    assert user.got is m._keras_mask
    explicit = mg.constant(True, shape=[1, 3])
    user2 = UsesMask()
    user2(p, mask=explicit)
    assert user2.got is explicit
    user3 = UsesMask()
    user3(x)
    assert user3.got is None


def test_compute_mask_refuses_masks_without_support():
    with pytest.raises(TypeError, match="does not support masking"):
        Dense().compute_mask(ph(), mask=ph(dtype=mg.bool))
    assert Dense().compute_mask(ph()) is None


# -- build, call, compute_output_shape, count_params -----------------------------------------
def test_build_default_marks_built_and_call_default_is_identity():
    layer = mg.layers.Layer()
    layer.build(mg.TensorShape([None, 3]))
    assert layer.built
    x = ph()
    assert layer.call(x) is x
    assert layer(x) is x and layer.output is x


def test_build_directly_then_call():
    layer = Dense()
    layer.build(mg.TensorShape([None, 3]))
    assert layer.built and layer.kernel.name == "dense/kernel:0"
    y = layer(ph())
    assert len(mg.global_variables()) == 2 and y.op.name == "dense/add"


def test_compute_output_shape():
    assert Dense(units=5).compute_output_shape([None, 3]).as_list() == [None, 5]
    with pytest.raises(NotImplementedError, match="compute_output_shape"):
        mg.layers.Layer().compute_output_shape([None, 3])


def test_count_params():
    layer, _, _ = called_dense(units=4)
    assert layer.count_params() == 3 * 4 + 4


def test_count_params_before_build_is_a_value_error():
    with pytest.raises(ValueError, match=r"You tried to call `count_params` on dense_1, but "
                                         r"the layer isn't built"):
        Dense().count_params()


# -- nodes: input, output, shapes, get_*_at -------------------------------------------------------
def test_input_output_and_shapes_after_one_call():
    layer, x, y = called_dense()
    assert layer.input is x and layer.output is y
    assert layer.input_shape == (None, 3) and layer.output_shape == (None, 2)
    assert layer.get_input_at(0) is x and layer.get_output_at(0) is y
    assert layer.get_input_shape_at(0) == (None, 3)
    assert layer.get_output_shape_at(0) == (None, 2)


def test_nodes_of_several_calls():
    layer = Dense()
    a, b = ph(name="a"), ph((5, 3), name="b")
    ya, yb = layer(a), layer(b)
    assert layer.get_input_at(1) is b and layer.get_output_at(1) is yb
    assert layer.get_input_at(-1) is b
    assert layer.get_input_shape_at(1) == (5, 3)
    assert layer.get_output_shape_at(1) == (5, 2)
    assert layer.get_output_at(0) is ya


def test_input_with_several_different_inputs_is_an_attribute_error():
    layer = Dense()
    layer(ph())
    layer(ph())
    with pytest.raises(AttributeError, match="multiple inbound nodes.*get_input_at"):
        layer.input


def test_input_with_the_same_input_twice_is_fine_but_output_is_not():
    layer = Dense()
    x = ph()
    layer(x)
    layer(x)
    assert layer.input is x
    with pytest.raises(AttributeError, match="multiple inbound nodes.*get_output_at"):
        layer.output


def test_shapes_are_defined_when_all_calls_agree():
    layer = Dense()
    layer(ph())
    layer(ph())
    assert layer.input_shape == (None, 3) and layer.output_shape == (None, 2)
    layer(ph((7, 3)))
    with pytest.raises(AttributeError, match="different input shapes.*get_input_shape_at"):
        layer.input_shape
    with pytest.raises(AttributeError, match="different output shapes.*get_output_shape_at"):
        layer.output_shape


def test_unconnected_layer_attribute_errors():
    layer = Dense()
    with pytest.raises(AttributeError, match="Layer dense_1 is not connected, no input to "
                                             "return."):
        layer.input
    with pytest.raises(AttributeError, match="dense_1 has no inbound nodes"):
        layer.output
    with pytest.raises(AttributeError, match="never been called.*input shape"):
        layer.input_shape
    with pytest.raises(AttributeError, match="never been called.*output shape"):
        layer.output_shape


@pytest.mark.parametrize("method", ["get_input_at", "get_output_at", "get_input_shape_at",
                                    "get_output_shape_at"])
def test_get_at_errors(method):
    layer = Dense()
    with pytest.raises(RuntimeError, match="never been called"):
        getattr(layer, method)(0)
    layer(ph())
    with pytest.raises(ValueError, match="at node 1, but the layer dense_1 has only 1 inbound "
                                         "node"):
        getattr(layer, method)(1)
    with pytest.raises(TypeError, match="node_index"):
        getattr(layer, method)("0")


@pytest.mark.parametrize("attr", ["input", "output", "input_shape", "output_shape"])
def test_node_properties_in_eager_mode_are_runtime_errors(attr, monkeypatch):
    layer, _, _ = called_dense()
    monkeypatch.setattr(context, "executing_eagerly", lambda: True)
    with pytest.raises(RuntimeError, match="Eager"):
        getattr(layer, attr)


@pytest.mark.parametrize("method", ["get_input_at", "get_output_at", "get_input_shape_at",
                                    "get_output_shape_at", "get_losses_for",
                                    "get_updates_for"])
def test_node_methods_in_eager_mode_are_runtime_errors(method, monkeypatch):
    layer, x, _ = called_dense()
    monkeypatch.setattr(context, "executing_eagerly", lambda: True)
    with pytest.raises(RuntimeError, match="Eager"):
        getattr(layer, method)(0 if method.endswith("_at") else x)


def test_multi_input_layer_nodes():
    class Add2(mg.layers.Layer):
        def call(self, inputs):
            a, b = inputs
            return a + b
    layer = Add2()
    a, b = ph(name="a"), ph(name="b")
    seen = []
    layer.call = lambda inputs: seen.append(inputs) or Add2.call(layer, inputs)
    layer((a, np.ones((1, 3), np.float32)))
    assert isinstance(seen[0], tuple) and seen[0][0] is a  # structure kept, numpy converted
    layer = Add2()
    y = layer([a, b])
    assert layer.input == [a, b] and layer.output is y
    assert layer.input_shape == [(None, 3), (None, 3)]
    assert layer.get_input_shape_at(0) == [(None, 3), (None, 3)]


def test_outbound_nodes_link_layers():
    first, second = Dense(), Dense()
    h = first(ph())
    second(h)
    assert first.outbound_nodes == second.inbound_nodes
    assert second.inbound_nodes[0].inbound_layers == [first]


# -- losses -------------------------------------------------------------------------------------
def test_losses_property_lists_add_loss_then_regularization():
    class L(Dense):
        def call(self, inputs):
            self.add_loss(mg.reduce_sum(inputs), inputs=inputs)
            return super().call(inputs)
    layer = L(kernel_regularizer=mg.regularizers.l1(0.1))
    layer(ph())
    assert [t.name for t in layer.losses] == ["l/Sum:0", "l/kernel/Regularizer/add:0"]
    # Graph mode: reading `losses` makes no new ops.
    n_ops = len(mg.get_default_graph().get_operations())
    layer.losses
    assert len(mg.get_default_graph().get_operations()) == n_ops


def test_losses_in_eager_mode_evaluate_the_regularizers(monkeypatch):
    layer, _, _ = called_dense(kernel_regularizer=mg.regularizers.l2(0.1))
    graph_loss = layer.losses[0]
    monkeypatch.setattr(context, "executing_eagerly", lambda: True)
    [eager_loss] = layer.losses
    assert eager_loss is not graph_loss


def test_activity_regularizer_adds_a_conditional_loss():
    reg = mg.regularizers.l1(0.2)
    layer = Dense(activity_regularizer=reg)
    assert layer.activity_regularizer is reg
    x = ph()
    y = layer(x)
    [loss] = layer.losses
    assert loss.name == "dense/ActivityRegularizer/truediv:0"
    assert layer.get_losses_for(x) == [loss] and layer.get_losses_for(None) == []
    assert mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES) == [loss]
    xv = rng().randn(4, 3).astype(np.float32)
    out, lv = evaluate([y, loss], {x: xv})
    assert lv == pytest.approx(0.2 * np.abs(out).sum() / 4, rel=1e-5)


def test_activity_regularizer_setter():
    layer = Dense()
    assert layer.activity_regularizer is None
    layer.activity_regularizer = mg.regularizers.l2()
    layer(ph())
    assert len(layer.losses) == 1


def test_add_loss_conditional_and_unconditional():
    layer = Dense()
    x = ph()
    layer(x)
    c = mg.reduce_sum(x)
    u = mg.reduce_sum(layer.kernel)
    layer.add_loss(c, inputs=x)
    layer.add_loss([u, None, lambda: mg.constant(2.0)])
    layer.add_loss(0.5)
    losses = layer.losses
    assert losses[:2] == [c, u] and len(losses) == 4
    assert layer.get_losses_for(x) == [c]
    assert layer.get_losses_for(ph()) == []
    assert layer.get_losses_for(None)[:1] == [u]
    assert losses[3].dtype == mg.float32
    assert mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES) == losses


def test_add_loss_in_eager_mode_is_a_runtime_error(eager):
    with pytest.raises(RuntimeError, match="add_loss is not supported in Eager mode"):
        Dense().add_loss(1.0)


# -- updates -------------------------------------------------------------------------------------
def test_updates_and_get_updates_for():
    layer = Counter()
    x = ph()
    layer(x)
    conditional, unconditional = layer.updates
    assert conditional.type == "AssignAdd" and unconditional.type == "Assign"
    assert layer.get_updates_for(x) == [conditional]
    assert layer.get_updates_for([x]) == [conditional]
    assert layer.get_updates_for(None) == [unconditional]
    assert layer.get_updates_for(ph()) == []
    assert mg.get_collection(mg.GraphKeys.UPDATE_OPS) == [conditional, unconditional]


def test_updates_of_a_second_call_depend_on_its_input():
    layer = Counter()
    a, b = ph(name="a"), ph(name="b")
    layer(a)
    layer(b)
    assert len(layer.updates) == 4
    [ua] = layer.get_updates_for(a)
    [ub] = layer.get_updates_for(b)
    assert ua is not ub
    assert len(mg.get_collection(mg.GraphKeys.UPDATE_OPS)) == 4


def test_add_update_explicit_inputs_and_forms():
    layer = Dense()
    x = ph()
    layer(x)
    v = mg.Variable(0.0)
    t = mg.assign_add(v, 1.0)
    layer.add_update(t, inputs=x)         # a tensor: its op is kept; explicit -> conditional
    layer.add_update(lambda: mg.assign(v, 0.0))   # a callable, unconditional
    assert layer.updates[0] is t.op and layer.updates[1].type == "Assign"
    assert layer.get_updates_for(None) == [layer.updates[1]]
    # Explicitly conditional, but not computed from x: get_updates_for(x) checks the graph.
    assert layer.get_updates_for(x) == []


def test_add_update_outside_call_infers_from_earlier_inputs():
    layer = Dense()
    x = ph()
    layer(x)
    upd = mg.assign_add(mg.Variable(np.zeros(3, np.float32)), mg.reduce_sum(x, 0))
    layer.add_update(upd)
    assert layer.get_updates_for(x) == [upd.op]


def test_updates_of_a_frozen_layer_are_not_listed():
    layer = Counter(trainable=False)
    x = ph()
    layer(x)
    assert layer.updates == [] and layer.get_updates_for(x) == []
    assert mg.get_collection(mg.GraphKeys.UPDATE_OPS) == []


def test_add_update_is_ignored_in_eager_mode(eager):
    layer = Dense()
    layer.add_update(mg.no_op())
    assert layer._updates == []


def test_updates_run_in_a_session():
    layer = Counter()
    x = ph()
    y = layer(x)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        xv = np.arange(6, dtype=np.float32).reshape(2, 3)
        sess.run([y] + layer.get_updates_for(x), {x: xv})
        np.testing.assert_array_equal(sess.run(layer.total), xv.sum(0))
        sess.run(layer.get_updates_for(None))
        np.testing.assert_array_equal(sess.run(layer.total), np.zeros(3))


# -- InputSpec ---------------------------------------------------------------------------------
def spec_layer(**spec):
    layer = mg.layers.Layer(name="checked")
    layer.input_spec = mg.layers.InputSpec(**spec)
    return layer


@pytest.mark.parametrize("spec, shape, dtype, message", [
    (dict(ndim=2), (None, 3, 1), mg.float32,
     "Input 0 of layer checked is incompatible with the layer: expected ndim=2, found ndim=3"),
    (dict(ndim=2), None, mg.float32, "expected ndim=2, found ndim=None"),
    (dict(max_ndim=2), (1, 2, 3), mg.float32, "expected max_ndim=2, found ndim=3"),
    (dict(min_ndim=3), (1, 2), mg.float32, "expected min_ndim=3, found ndim=2"),
    (dict(dtype="float64"), (1, 2), mg.float32, "expected dtype=float64, found dtype=float32"),
    (dict(axes={-1: 4}), (None, 3), mg.float32,
     "expected axis -1 of input shape to have value 4, but received input with shape"),
    (dict(shape=(None, 4)), (2, 3), mg.float32, r"expected shape=\[\?,4\], found shape=\[2,3\]"),
])
def test_input_spec_errors_name_the_layer(spec, shape, dtype, message):
    layer = spec_layer(**spec)
    x = mg.placeholder(dtype, None if shape is None else list(shape))
    with pytest.raises(ValueError, match=message):
        layer(x)


def test_input_spec_accepts_matching_and_unknown_dims():
    spec_layer(ndim=2, axes={1: 3}, dtype=mg.float32)(ph())
    spec_layer(shape=(None, 3))(ph((5, None)))
    spec_layer(min_ndim=1, max_ndim=3)(ph())
    spec_layer(axes={1: 3})(mg.placeholder(mg.float32, None))


def test_input_spec_count_and_type_errors():
    layer = mg.layers.Layer(name="two")
    layer.input_spec = [mg.layers.InputSpec(ndim=2), mg.layers.InputSpec(ndim=2)]
    with pytest.raises(ValueError, match="Layer two expects 2 input"):
        layer(ph())
    with pytest.raises(TypeError, match="InputSpec"):
        layer.input_spec = "ndim=2"


def test_input_spec_repr_config_and_axis_check():
    spec = mg.layers.InputSpec(dtype=mg.float32, ndim=4, axes={-1: 3})
    assert repr(spec) == "InputSpec(dtype=float32, ndim=4, axes={-1: 3})"
    assert mg.layers.InputSpec.from_config(spec.get_config()).axes == {-1: 3}
    with pytest.raises(ValueError, match="Axis 4 is greater than the maximum allowed value: 3"):
        mg.layers.InputSpec(ndim=4, axes={4: 1})


# -- __deepcopy__ ------------------------------------------------------------------------------
def test_deepcopy_of_a_built_layer_shares_graph_objects():
    reg = mg.regularizers.l2(0.1)
    layer, x, y = called_dense(kernel_regularizer=reg)
    clone = copy.deepcopy(layer)
    assert clone is not layer and clone.name == layer.name
    assert clone.scope_name == layer.scope_name and clone.graph is layer.graph
    assert clone.weights == layer.weights and clone.kernel is layer.kernel
    assert clone._trainable_weights is not layer._trainable_weights
    assert clone.losses == layer.losses and clone.input is x and clone.output is y
    assert clone.kernel_regularizer is not reg and clone.kernel_regularizer.l2 == reg.l2
    # The copy computes with the same variables, in the same scope.
    y2 = clone(x)
    assert y2.op.name == "dense/add_1" and len(mg.global_variables()) == 2
    assert len(layer.inbound_nodes) == 1 and len(clone.inbound_nodes) == 2


def test_deepcopy_of_an_unbuilt_layer_builds_its_own_variables():
    layer = Dense()
    clone = copy.deepcopy(layer)
    clone(ph())
    assert layer.weights == [] and not layer.built
    assert [v.name for v in clone.weights] == ["dense/kernel:0", "dense/bias:0"]


def test_eager_mode_is_not_available_yet():
    assert mg.executing_eagerly() is False
    with pytest.raises(NotImplementedError, match="eager execution"):
        mg.enable_eager_execution()


def test_forgetting_super_init_is_a_runtime_error():
    class NoInit(mg.layers.Layer):
        def __init__(self):
            pass
    with pytest.raises(RuntimeError, match=r"must call `super\(\).__init__\(\)`"):
        NoInit()(ph())


# -- docs/layer_api.md: every example runs -----------------------------------------------------
def _doc_examples():
    import pathlib
    import re
    text = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "layer_api.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("index", range(len(_doc_examples())))
def test_doc_example_runs(index):
    code = _doc_examples()[index]
    exec(compile(code, "docs/layer_api.md example %d" % index, "exec"), {})


def test_add_weight_positional_arguments_follow_tf1_order():
    import minigraph as mg

    class _L(mg.layers.Layer):
        def build(self, input_shape):
            part = mg.fixed_size_partitioner(2)
            # TF 1.15 order: ..., constraint, use_resource, synchronization, aggregation,
            # partitioner
            self.w = self.add_weight("w", [4, 2], mg.float32, mg.ones_initializer(), None,
                                     True, None, None, None, None, part)
            self.built = True

        def call(self, inputs):
            return inputs

    layer = _L()
    layer(mg.placeholder(mg.float32, [None, 2]))
    assert type(layer.w).__name__ == "PartitionedVariable"
