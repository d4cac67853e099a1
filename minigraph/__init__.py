"""minigraph: TensorFlow 1.x graph-mode semantics in Python, with numba CPU kernels.

`import minigraph as tf` and write TF1 programs: build a graph, run it in a Session.
This module only re-exports the TF1 namespace; the code lives in the subpackages.
"""
# isort: skip_file
from minigraph.framework import dtypes
from minigraph.framework.dtypes import (  # noqa: F401
    DType, as_dtype, float16, half, float32, float64, double, int8, int16, int32, int64,
    uint8, uint16, bool)
from minigraph.framework.tensor_shape import Dimension, TensorShape  # noqa: F401
from minigraph.framework.graph import (  # noqa: F401
    Graph, Operation, Tensor, GraphKeys, get_default_graph, reset_default_graph,
    name_scope, control_dependencies, add_to_collection, add_to_collections,
    get_collection, get_collection_ref, convert_to_tensor, register_tensor_conversion_function)
from minigraph.framework.session import Session, InteractiveSession, get_default_session  # noqa: F401
from minigraph.framework.gradients import gradients  # noqa: F401
from minigraph import errors, test  # noqa: F401
from minigraph import viz  # noqa: F401  (graphviz/networkx load lazily)
from minigraph import nn, losses  # noqa: F401

from minigraph import ops as _ops  # registers every op type
from minigraph.ops.constant_op import constant  # noqa: F401
from minigraph.ops.array_ops import placeholder, placeholder_with_default, identity  # noqa: F401
# array ops (owner: array/random ops)
from minigraph.ops.array_ops import (  # noqa: F401
    stop_gradient, shape, size, rank, reshape, expand_dims, squeeze, transpose,
    invert_permutation, identity_n, fill, zeros, ones, zeros_like, ones_like, range, one_hot,
    stack, unstack, concat, split, tile, pad, broadcast_to, slice, strided_slice, gather,
    unsorted_segment_sum)
from minigraph.ops.random_ops import (  # noqa: F401
    set_random_seed, get_seed, random_uniform, random_normal, truncated_normal, random_shuffle)
from minigraph.ops.control_flow_ops import no_op, group, tuple  # noqa: F401
# -- math ops (math_ops.py and its siblings) --
from minigraph.ops.math_ops import (  # noqa: F401
    add, subtract, multiply, divide, truediv, realdiv, floordiv, floor_div, floormod, mod, pow,
    maximum, minimum, scalar_mul, add_n, negative, abs, sign, square, sqrt, rsqrt, exp, log,
    log1p, reciprocal, sigmoid, tanh, cast, to_float, to_double, to_int32, to_int64,
    reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, reduce_all, reduce_any,
    argmax, argmin, cumsum, cumprod, count_nonzero, equal, not_equal, less, less_equal,
    greater, greater_equal, logical_and, logical_or, logical_not, logical_xor, where,
    matmul, tensordot, clip_by_value, clip_by_global_norm, global_norm)
from minigraph.ops.nn_math import squared_difference, div_no_nan  # noqa: F401
# -- training and checkpoints (minigraph/train) --
from minigraph import train  # noqa: F401,E402

# -- variables, variable scopes, initializers, partitioners (owner: variables) --
from minigraph.framework.dtypes import string  # noqa: F401
from minigraph.framework.variables import (  # noqa: F401
    Variable, global_variables, all_variables, trainable_variables, local_variables,
    model_variables, moving_average_variables, variables_initializer, initialize_variables,
    global_variables_initializer, initialize_all_variables, local_variables_initializer,
    initialize_local_variables, is_variable_initialized, report_uninitialized_variables,
    assert_variables_initialized)
from minigraph.framework.variable_scope import (  # noqa: F401
    VariableScope, variable_scope, variable_op_scope, get_variable_scope, get_variable,
    get_local_variable, no_regularizer, AUTO_REUSE)
from minigraph.framework.partitioned_variables import (  # noqa: F401
    PartitionedVariable, fixed_size_partitioner, variable_axis_size_partitioner,
    min_max_variable_partitioner, create_partitioned_variables)
from minigraph.ops.state_ops import assign, assign_add, assign_sub  # noqa: F401
from minigraph.ops.init_ops import (  # noqa: F401
    zeros_initializer, ones_initializer, constant_initializer, random_uniform_initializer,
    random_normal_initializer, truncated_normal_initializer, uniform_unit_scaling_initializer,
    variance_scaling_initializer, glorot_uniform_initializer, glorot_normal_initializer,
    orthogonal_initializer)
from minigraph import initializers  # noqa: F401

# -- layers, regularizers, constraints, execution mode (owner: layers) --
from minigraph.framework.context import executing_eagerly, enable_eager_execution  # noqa: F401
from minigraph import regularizers, constraints, layers  # noqa: F401,E402

newaxis = None

__version__ = "0.1.0"
