"""`mg.initializers`: TF1's `tf.initializers` namespace (initializer classes by short name,
plus the variable-initializer ops)."""
from minigraph.ops.init_ops import (  # noqa: F401
    Zeros as zeros, Ones as ones, Constant as constant, RandomUniform as random_uniform,
    RandomNormal as random_normal, TruncatedNormal as truncated_normal,
    UniformUnitScaling as uniform_unit_scaling, VarianceScaling as variance_scaling,
    GlorotUniform as glorot_uniform, GlorotNormal as glorot_normal, Orthogonal as orthogonal,
    Identity as identity, lecun_normal, lecun_uniform, he_normal, he_uniform)
from minigraph.framework.variables import (  # noqa: F401
    global_variables_initializer as global_variables,
    local_variables_initializer as local_variables,
    variables_initializer as variables)
