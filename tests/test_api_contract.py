"""The API contract (/work/shared/API.md): every name exists where API.md puts it.

One test case per name, so a missing name is one clear failure. Signatures are checked
against TF1's (tests/tf1_signatures.py, generated from `tf.compat.v1`): the parameters
TF1 has must come first, in TF1's order (TF1 programs pass them positionally), with
TF1's defaults.
"""
import inspect
import types

import numpy as np
import pytest

import minigraph as mg
from tests.tf1_signatures import SIGNATURES

# -- names, by namespace, exactly as API.md lists them -------------------------------------
TOP = """
Graph get_default_graph reset_default_graph Operation Tensor TensorShape Dimension
float16 float32 float64 int32 int64 bool as_dtype DType
Session InteractiveSession get_default_session
placeholder placeholder_with_default constant zeros ones zeros_like ones_like fill identity
stop_gradient no_op group tuple control_dependencies name_scope newaxis
random_uniform random_normal truncated_normal set_random_seed
Variable get_variable variable_scope get_variable_scope VariableScope AUTO_REUSE
PartitionedVariable fixed_size_partitioner variable_axis_size_partitioner
min_max_variable_partitioner
GraphKeys get_collection get_collection_ref add_to_collection global_variables
trainable_variables local_variables global_variables_initializer local_variables_initializer
variables_initializer report_uninitialized_variables is_variable_initialized
assign assign_add assign_sub
zeros_initializer ones_initializer constant_initializer random_uniform_initializer
random_normal_initializer truncated_normal_initializer glorot_uniform_initializer
glorot_normal_initializer variance_scaling_initializer orthogonal_initializer
add subtract multiply divide truediv floordiv mod negative abs sign square sqrt rsqrt
exp log log1p pow maximum minimum matmul tensordot reduce_sum reduce_mean reduce_max
reduce_min reduce_prod reduce_all reduce_any argmax argmin equal not_equal less
less_equal greater greater_equal logical_and logical_or logical_not where cast reshape
transpose concat stack unstack split squeeze expand_dims shape size rank pad tile slice
strided_slice gather one_hot clip_by_value clip_by_global_norm add_n cumsum range
broadcast_to sigmoid tanh
gradients enable_eager_execution executing_eagerly
nn layers train losses regularizers constraints errors initializers test viz
""".split()
NN = """relu relu6 elu selu softplus softsign sigmoid tanh leaky_relu crelu swish softmax
log_softmax bias_add conv2d depthwise_conv2d depthwise_conv2d_native separable_conv2d
atrous_conv2d max_pool avg_pool dropout l2_loss l2_normalize moments batch_normalization
softmax_cross_entropy_with_logits_v2 sparse_softmax_cross_entropy_with_logits
sigmoid_cross_entropy_with_logits""".split()
LAYERS = """Layer InputSpec SeparableConv2D separable_conv2d Conv2D conv2d Dense dense
Flatten flatten Dropout dropout MaxPooling2D max_pooling2d AveragePooling2D
average_pooling2d BatchNormalization batch_normalization""".split()
TRAIN = """GradientDescentOptimizer MomentumOptimizer AdamOptimizer RMSPropOptimizer
get_or_create_global_step get_global_step Saver latest_checkpoint""".split()
LOSSES = """mean_squared_error softmax_cross_entropy sparse_softmax_cross_entropy
sigmoid_cross_entropy get_regularization_loss get_regularization_losses
get_total_loss""".split()
REGULARIZERS = "l1 l2 l1_l2".split()
CONSTRAINTS = "max_norm non_neg unit_norm min_max_norm".split()
ERRORS = """OpError InvalidArgumentError FailedPreconditionError NotFoundError
ResourceExhaustedError""".split()
# TF1's tf.initializers short names.
INITIALIZERS = """zeros ones constant random_uniform random_normal truncated_normal
glorot_uniform glorot_normal variance_scaling orthogonal global_variables local_variables
variables""".split()
TEST = "compute_gradient compute_gradient_error".split()
VIZ = "to_dot render to_networkx".split()

NAMES = ([n for n in TOP]
         + ["nn." + n for n in NN] + ["layers." + n for n in LAYERS]
         + ["train." + n for n in TRAIN] + ["losses." + n for n in LOSSES]
         + ["regularizers." + n for n in REGULARIZERS]
         + ["constraints." + n for n in CONSTRAINTS] + ["errors." + n for n in ERRORS]
         + ["initializers." + n for n in INITIALIZERS] + ["test." + n for n in TEST]
         + ["viz." + n for n in VIZ])

# -- members of classes: methods and properties API.md lists ---------------------------------
MEMBERS = {
    "Graph": """as_default get_operations get_operation_by_name get_tensor_by_name
        get_collection add_to_collection get_collection_ref finalize name_scope
        control_dependencies""",
    "Operation": "name type inputs outputs control_inputs graph run",
    "Tensor": """name op dtype shape get_shape graph eval value_index __add__ __radd__ __sub__
        __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __floordiv__ __rfloordiv__ __mod__
        __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__ __neg__ __abs__ __lt__ __le__ __gt__
        __ge__ __getitem__""",
    "TensorShape": """as_list ndims rank dims is_fully_defined merge_with is_compatible_with
        concatenate with_rank __getitem__""",
    "Session": "run close __enter__ __exit__ as_default graph",
    "Variable": """name op dtype shape get_shape initializer initial_value value read_value
        assign assign_add assign_sub load eval constraint trainable __add__ __radd__ __sub__
        __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __floordiv__ __mod__ __pow__
        __matmul__ __rmatmul__ __neg__ __abs__ __lt__ __le__ __gt__ __ge__ __getitem__""",
    "layers.Layer": """activity_regularizer dtype graph input input_shape losses name
        non_trainable_variables non_trainable_weights output output_shape scope_name trainable
        trainable_variables trainable_weights updates variables weights __init__ __call__
        __deepcopy__ add_loss add_update add_variable add_weight apply build call
        compute_output_shape count_params get_input_at get_input_shape_at get_losses_for
        get_output_at get_output_shape_at get_updates_for""",
    "train.Saver": "save restore",
}
for _opt in TRAIN[:4]:
    MEMBERS["train." + _opt] = "minimize compute_gradients apply_gradients"
MEMBER_CASES = [(owner, m) for owner, ms in MEMBERS.items() for m in ms.split()]

# TF1's values of the GraphKeys constants (collection names appear in checkpoints/meta graphs).
GRAPH_KEYS = {
    "GLOBAL_VARIABLES": "variables", "TRAINABLE_VARIABLES": "trainable_variables",
    "LOCAL_VARIABLES": "local_variables", "MODEL_VARIABLES": "model_variables",
    "REGULARIZATION_LOSSES": "regularization_losses", "UPDATE_OPS": "update_ops",
    "LOSSES": "losses", "GLOBAL_STEP": "global_step",
}

# Parameters API.md spells out (a subset of TF1's; listed again so a failure quotes API.md).
API_MD_PARAMS = {
    "Variable": "initial_value trainable name dtype constraint collections",
    "Variable.load": "value session",
    "get_variable": """name shape dtype initializer regularizer trainable collections constraint
        partitioner""",
    "variable_scope": """name_or_scope default_name values initializer regularizer reuse dtype
        partitioner constraint auxiliary_name_scope""",
    "gradients": "ys xs grad_ys stop_gradients",
    "test.compute_gradient": "x x_shape y y_shape x_init_value delta",
    "test.compute_gradient_error": "x x_shape y y_shape x_init_value delta",
    "Session": "graph",
    "Session.run": "fetches feed_dict",
    "layers.SeparableConv2D": """filters kernel_size strides padding data_format dilation_rate
        depth_multiplier activation use_bias depthwise_initializer pointwise_initializer
        bias_initializer depthwise_regularizer pointwise_regularizer bias_regularizer
        activity_regularizer depthwise_constraint pointwise_constraint bias_constraint
        trainable name""",
    "layers.separable_conv2d": """inputs filters kernel_size strides padding data_format
        dilation_rate depth_multiplier activation use_bias depthwise_initializer
        pointwise_initializer bias_initializer depthwise_regularizer pointwise_regularizer
        bias_regularizer activity_regularizer depthwise_constraint pointwise_constraint
        bias_constraint trainable name reuse""",
    "train.Saver": "var_list max_to_keep",
    "train.Saver.save": "sess save_path global_step",
    "train.Saver.restore": "sess save_path",
    "viz.to_dot": "graph_or_fetches",
    "viz.to_networkx": "graph",
}
for _opt in TRAIN[:4]:
    API_MD_PARAMS["train.%s.minimize" % _opt] = "loss global_step var_list"
    API_MD_PARAMS["train.%s.compute_gradients" % _opt] = "loss var_list"
    API_MD_PARAMS["train.%s.apply_gradients" % _opt] = "grads_and_vars global_step name"


def _resolve(dotted):
    obj = mg
    for i, part in enumerate(dotted.split(".")):
        if not hasattr(obj, part):
            where = "mg." + ".".join(dotted.split(".")[:i]) if i else "mg"
            pytest.fail("API.md promises mg.%s, but %s has no attribute %r"
                        % (dotted, where, part))
        obj = getattr(obj, part)
    return obj


def _parameters(dotted):
    obj = _resolve(dotted)
    fn = obj.__init__ if inspect.isclass(obj) else obj
    params = inspect.signature(fn).parameters.values()
    return [p for p in params if p.name != "self"
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _norm(value):
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize("dotted", NAMES)
def test_name_exists(dotted):
    obj = _resolve(dotted)
    if dotted in ("nn layers train losses regularizers constraints errors initializers test "
                  "viz").split():
        assert isinstance(obj, types.ModuleType), "mg.%s should be a module" % dotted
    elif dotted == "newaxis":
        assert obj is None
    elif dotted in ("float16", "float32", "float64", "int32", "int64", "bool"):
        assert isinstance(obj, mg.DType) and obj.name == dotted and mg.as_dtype(dotted) is obj
    elif dotted == "AUTO_REUSE":
        assert obj is not None
    else:
        assert callable(obj), "mg.%s should be callable" % dotted


@pytest.mark.parametrize("name", ERRORS[1:])
def test_errors_are_op_errors(name):
    cls = _resolve("errors." + name)
    assert issubclass(cls, mg.errors.OpError)
    err = cls(None, None, "boom")
    assert err.message == "boom" and str(err) == "boom"


@pytest.mark.parametrize("owner,member", MEMBER_CASES,
                         ids=["%s.%s" % case for case in MEMBER_CASES])
def test_member_exists(owner, member):
    cls = _resolve(owner)
    assert hasattr(cls, member), "API.md promises mg.%s.%s" % (owner, member)


@pytest.mark.parametrize("key,value", sorted(GRAPH_KEYS.items()))
def test_graph_keys(key, value):
    assert getattr(mg.GraphKeys, key) == value


@pytest.mark.parametrize("dotted", sorted(SIGNATURES))
def test_signature_matches_tf1(dotted):
    names, defaults = SIGNATURES[dotted]
    params = _parameters(dotted)
    ours = [p.name for p in params]
    assert ours[:len(names)] == list(names), (
        "mg.%s parameters should start with TF1's, in TF1's order:\n  TF1: %s\n  ours: %s"
        % (dotted, ", ".join(names), ", ".join(ours)))
    by_name = {p.name: p for p in params}
    for name, default in defaults.items():
        ours_default = by_name[name].default
        assert ours_default is not inspect.Parameter.empty, (
            "mg.%s: parameter %r needs TF1's default %r" % (dotted, name, default))
        assert _norm(ours_default) == default, (
            "mg.%s: default of %r is %r, TF1's is %r" % (dotted, name, ours_default, default))


@pytest.mark.parametrize("dotted", sorted(API_MD_PARAMS))
def test_api_md_parameters(dotted):
    ours = {p.name for p in _parameters(dotted)}
    missing = [n for n in API_MD_PARAMS[dotted].split() if n not in ours]
    assert not missing, "mg.%s lacks the API.md parameters %s" % (dotted, missing)


# -- operators on tensors and variables work, both ways round ---------------------------------
BINARY = [("+", lambda a, b: a + b, np.add), ("-", lambda a, b: a - b, np.subtract),
          ("*", lambda a, b: a * b, np.multiply), ("/", lambda a, b: a / b, np.divide),
          ("//", lambda a, b: a // b, np.floor_divide), ("%", lambda a, b: a % b, np.mod),
          ("**", lambda a, b: a ** b, np.power), ("<", lambda a, b: a < b, np.less),
          ("<=", lambda a, b: a <= b, np.less_equal), (">", lambda a, b: a > b, np.greater),
          (">=", lambda a, b: a >= b, np.greater_equal)]


@pytest.mark.parametrize("symbol,fn,ref", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("kind", ["tensor", "variable"])
def test_binary_operators(symbol, fn, ref, kind):
    a = np.array([[1.5, -2.0], [3.0, 0.5]], np.float32)
    x = mg.constant(a) if kind == "tensor" else mg.Variable(a)
    left, right = fn(x, 2.0), fn(2.0, x)
    assert isinstance(left, mg.Tensor) and isinstance(right, mg.Tensor)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        got_left, got_right = sess.run([left, right])
    np.testing.assert_allclose(got_left, ref(a, np.float32(2.0)), rtol=1e-6)
    np.testing.assert_allclose(got_right, ref(np.float32(2.0), a), rtol=1e-6)


@pytest.mark.parametrize("kind", ["tensor", "variable"])
def test_matmul_neg_abs_getitem_operators(kind):
    a = np.array([[1.5, -2.0], [3.0, 0.5]], np.float32)
    x = mg.constant(a) if kind == "tensor" else mg.Variable(a)
    fetches = [x @ a, a @ x, -x, abs(x), x[0], x[:, 1], x[..., mg.newaxis], x[1, ::-1]]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        got = sess.run(fetches)
    want = [a @ a, a @ a, -a, abs(a), a[0], a[:, 1], a[..., None], a[1, ::-1]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
