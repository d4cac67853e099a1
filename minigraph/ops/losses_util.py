"""TF1's `tf.losses` collection helpers (TF1's `losses/util.py`): add a loss to a
collection, read the losses and regularization losses back, and sum them.
"""
from minigraph.framework import graph as _graph
from minigraph.framework.graph import GraphKeys
from minigraph.ops import math_ops
from minigraph.ops.constant_op import constant


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Adds an externally defined loss to the collection of losses.

    Args:
      loss: a loss tensor.
      loss_collection: collection name (default `GraphKeys.LOSSES`); None adds nothing.
    """
    if loss_collection:
        _graph.add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    """The losses in `loss_collection`, optionally only those whose name matches `scope`.

    Returns:
      A list of loss tensors.
    """
    return _graph.get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """The regularization losses (`GraphKeys.REGULARIZATION_LOSSES`), filtered by `scope`.

    Returns:
      A list of scalar tensors.
    """
    return _graph.get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses, or a constant 0.0 when there are none.

    Args:
      scope: optional regex filtering the losses by name.
      name: name of the sum (an `AddN`, or an `Identity` for a single loss).

    Returns:
      A float scalar tensor.
    """
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of the losses in `GraphKeys.LOSSES`, plus the regularization losses.

    Args:
      add_regularization_losses: also add `get_regularization_losses()`.
      name: name of the sum (an `AddN`, or an `Identity` for a single loss).
      scope: optional regex filtering the losses by name.

    Returns:
      A scalar tensor: the total loss.

    Raises:
      ValueError: if there are no losses at all.
    """
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    if not losses:
        raise ValueError("get_total_loss: there are no losses to add: collection '%s'%s "
                         "empty%s (create a loss with tf.losses.* or tf.losses.add_loss first)."
                         % (GraphKeys.LOSSES, " and the regularization losses are"
                            if add_regularization_losses else " is",
                            "" if scope is None else " for scope %r" % scope))
    return math_ops.add_n(losses, name=name)
