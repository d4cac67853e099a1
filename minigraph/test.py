"""`mg.test`: gradient checking as in TF1's `tf.test`."""
from minigraph.framework.gradient_checker import compute_gradient, compute_gradient_error  # noqa: F401
