"""`mg.losses`: TF1's `tf.losses` namespace (re-exports only; the code lives in
`ops/losses_impl.py` and `ops/losses_util.py`)."""
# isort: skip_file
from minigraph.ops.losses_impl import (  # noqa: F401
    Reduction, compute_weighted_loss, mean_squared_error, absolute_difference, huber_loss,
    cosine_distance, log_loss, hinge_loss, softmax_cross_entropy, sparse_softmax_cross_entropy,
    sigmoid_cross_entropy)
from minigraph.ops.losses_util import (  # noqa: F401
    add_loss, get_losses, get_regularization_losses, get_regularization_loss, get_total_loss)
