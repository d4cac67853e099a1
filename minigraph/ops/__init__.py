"""Op definitions. Importing this package registers every op type."""
from minigraph.ops import constant_op, array_ops, math_ops, control_flow_ops  # noqa: F401
from minigraph.ops import nn_math, nn_activations, nn_xent, nn_impl, losses_impl  # noqa: F401,E402
from minigraph.ops import random_ops  # noqa: F401,E402
from minigraph.ops import training_ops  # noqa: F401,E402
from minigraph.ops import state_ops, init_ops, linalg_ops  # noqa: F401,E402
from minigraph.ops import nn_ops, nn_depthwise_ops, nn_pool_ops, nn_fused  # noqa: F401,E402
