"""`mg.nn`: TF1's `tf.nn` namespace (re-exports only; the ops live in `minigraph/ops/`)."""
# isort: skip_file
from minigraph.ops.math_ops import sigmoid, tanh  # noqa: F401
from minigraph.ops.nn_activations import (  # noqa: F401
    relu, relu6, elu, selu, softplus, softsign, leaky_relu, crelu, swish)
from minigraph.ops.nn_xent import (  # noqa: F401
    softmax, log_softmax, softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2, sparse_softmax_cross_entropy_with_logits,
    sigmoid_cross_entropy_with_logits)
from minigraph.ops.nn_impl import (  # noqa: F401
    l2_loss, l2_normalize, moments, batch_normalization, fused_batch_norm, dropout)
from minigraph.ops.nn_ops import (  # noqa: F401
    conv2d, conv2d_backprop_input, conv2d_backprop_filter, atrous_conv2d, bias_add)
from minigraph.ops.nn_depthwise_ops import (  # noqa: F401
    depthwise_conv2d, depthwise_conv2d_native, separable_conv2d,
    depthwise_conv2d_native_backprop_input, depthwise_conv2d_native_backprop_filter)
from minigraph.ops.nn_pool_ops import max_pool, avg_pool  # noqa: F401
