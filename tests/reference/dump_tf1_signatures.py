"""Dev script (not collected by pytest): write tests/tf1_signatures.py from TensorFlow.

Run with the reference interpreter (TensorFlow 2.21 + tf-keras), from the repository root:

    TF_USE_LEGACY_KERAS=1 /work/refvenv/bin/python tests/reference/dump_tf1_signatures.py

For every function/class/method API.md names, it records the parameter names of its
`tf.compat.v1` counterpart in order (and the defaults that are plain literals), so
tests/test_api_contract.py can check minigraph's positional order and defaults without
TensorFlow. TF 2.x added a few parameters TF 1.15 does not have; the list is cut before
them (TF2_ONLY), and the two cross-entropy functions get TF 1.15's leading `_sentinel`.
"""
import inspect
import os
import textwrap

import tensorflow as tf

v1 = tf.compat.v1

TOP = """Graph get_default_graph reset_default_graph Session InteractiveSession
get_default_session placeholder placeholder_with_default constant zeros ones zeros_like
ones_like fill identity stop_gradient no_op group tuple control_dependencies name_scope
random_uniform random_normal truncated_normal set_random_seed as_dtype Variable get_variable
variable_scope get_variable_scope fixed_size_partitioner variable_axis_size_partitioner
min_max_variable_partitioner get_collection get_collection_ref add_to_collection
global_variables trainable_variables local_variables global_variables_initializer
local_variables_initializer variables_initializer report_uninitialized_variables
is_variable_initialized assign assign_add assign_sub zeros_initializer ones_initializer
constant_initializer random_uniform_initializer random_normal_initializer
truncated_normal_initializer glorot_uniform_initializer glorot_normal_initializer
variance_scaling_initializer orthogonal_initializer add subtract multiply divide truediv
floordiv mod negative abs sign square sqrt rsqrt exp log log1p pow maximum minimum matmul
tensordot reduce_sum reduce_mean reduce_max reduce_min reduce_prod reduce_all reduce_any
argmax argmin equal not_equal less less_equal greater greater_equal logical_and logical_or
logical_not where cast reshape transpose concat stack unstack split squeeze expand_dims shape
size rank pad tile slice strided_slice gather one_hot clip_by_value clip_by_global_norm add_n
cumsum range broadcast_to sigmoid tanh gradients""".split()
NN = """relu relu6 elu selu softplus softsign sigmoid tanh leaky_relu crelu swish softmax
log_softmax bias_add conv2d depthwise_conv2d depthwise_conv2d_native separable_conv2d
atrous_conv2d max_pool avg_pool dropout l2_loss l2_normalize moments batch_normalization
softmax_cross_entropy_with_logits_v2 sparse_softmax_cross_entropy_with_logits
sigmoid_cross_entropy_with_logits""".split()
LAYERS = """SeparableConv2D separable_conv2d Conv2D conv2d Dense dense Flatten flatten Dropout
dropout MaxPooling2D max_pooling2d AveragePooling2D average_pooling2d BatchNormalization
batch_normalization""".split()
TRAIN = """GradientDescentOptimizer MomentumOptimizer AdamOptimizer RMSPropOptimizer
get_or_create_global_step get_global_step Saver latest_checkpoint""".split()
LOSSES = """mean_squared_error softmax_cross_entropy sparse_softmax_cross_entropy
sigmoid_cross_entropy get_regularization_loss get_regularization_losses
get_total_loss""".split()
METHODS = {
    "Graph": "get_operation_by_name get_tensor_by_name get_collection add_to_collection "
             "get_collection_ref name_scope control_dependencies",
    "Session": "run",
    "Variable": "load assign assign_add assign_sub eval read_value value",
    "Tensor": "eval get_shape",
    "TensorShape": "merge_with is_compatible_with concatenate with_rank",
    "layers.Layer": "__init__ __call__ add_loss add_update add_variable add_weight apply build "
                    "call compute_output_shape count_params get_input_at get_input_shape_at "
                    "get_losses_for get_output_at get_output_shape_at get_updates_for",
    "train.Saver": "save restore",
}
for _opt in TRAIN[:4]:
    METHODS["train." + _opt] = "minimize compute_gradients apply_gradients"
TEST = ["compute_gradient", "compute_gradient_error"]

# Parameters TF 2.x added after 1.15: the recorded list stops before the first of them.
TF2_ONLY = {"layout", "output_type", "grad_a", "grad_b", "use_own_namescope_for_non_slot_vars",
            "skip_gradients_aggregation", "beta"}
# Defaults TF 2.x changed (TF 1.15: out_type=tf.int32): not recorded.
NO_DEFAULT = {("shape", "out_type"), ("size", "out_type")}
SENTINEL_FIRST = {"nn.sparse_softmax_cross_entropy_with_logits",
                  "nn.sigmoid_cross_entropy_with_logits"}


def _literal(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, (list, tuple)) and all(_literal(v) for v in value)


def describe(key, obj):
    fn = obj.__init__ if inspect.isclass(obj) else obj
    names, defaults = [], {}
    for p in inspect.signature(fn).parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in TF2_ONLY or (key.startswith("layers.Layer.add_weight")
                                  and p.name in ("synchronization", "aggregation")):
            break
        names.append(p.name)
        if (p.default is not p.empty and _literal(p.default)
                and (key, p.name) not in NO_DEFAULT):
            defaults[p.name] = (list(p.default) if isinstance(p.default, tuple)
                                else p.default)
    if key in SENTINEL_FIRST:
        names.insert(0, "_sentinel")
        defaults["_sentinel"] = None
    return tuple(names), defaults


def main():
    table = {}
    for prefix, names in [("", TOP), ("nn.", NN), ("layers.", LAYERS), ("train.", TRAIN),
                          ("losses.", LOSSES), ("test.", TEST)]:
        module = v1
        for part in prefix.strip(".").split(".") if prefix else []:
            module = getattr(module, part)
        for name in names:
            table[prefix + name] = describe(prefix + name, getattr(module, name))
    for owner, methods in METHODS.items():
        cls = v1
        for part in owner.split("."):
            cls = getattr(cls, part)
        for m in methods.split():
            key = "%s.%s" % (owner, m)
            table[key] = describe(key, getattr(cls, m))
    path = os.path.join(os.path.dirname(__file__), "..", "tf1_signatures.py")
    with open(path, "w") as f:
        f.write('"""TF1 parameter lists of the functions API.md names (generated; do not edit).\n\n'
                "Made by tests/reference/dump_tf1_signatures.py from TensorFlow %s "
                "`tf.compat.v1`\n(cut before parameters TF 2.x added). "
                "Maps 'namespace.name' to (parameter names in order,\n"
                "{name: default} for defaults that are plain literals; tuples as lists).\n"
                '"""\n' % tf.__version__)
        f.write("SIGNATURES = {\n")
        for key in sorted(table):
            line = "%r: %r," % (key, table[key])
            f.write("\n".join(textwrap.wrap(line, 95, initial_indent="    ",
                                             subsequent_indent="        ",
                                             break_long_words=False, break_on_hyphens=False)))
            f.write("\n")
        f.write("}\n")
    with open(path) as f:  # the wrapping must not have changed a value
        namespace = {}
        exec(f.read(), namespace)
        assert namespace["SIGNATURES"] == table
    print("wrote %d signatures to %s" % (len(table), os.path.normpath(path)))


if __name__ == "__main__":
    main()
