"""The global step: an int64 scalar variable `global_step` counting training steps.

It is found through the GLOBAL_STEP collection (or, failing that, the tensor named
`global_step:0`), as in TF1; `Optimizer.minimize(..., global_step=...)` increments it
after each update.
"""
import logging

import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework.graph import GraphKeys

_log = logging.getLogger("minigraph")


def global_step(sess, global_step_tensor):
    """The value of the global step, as a Python int.

    Args:
      sess: the session to read it in.
      global_step_tensor: the global step variable or tensor (or its name).

    Raises:
      TypeError: if its value is not a scalar.
    """
    value = np.asarray(sess.run(global_step_tensor))
    if value.ndim != 0:
        raise TypeError("global_step: %s has shape %s; the global step must be a scalar"
                        % (getattr(global_step_tensor, "name", global_step_tensor),
                           list(value.shape)))
    return int(value)


def assert_global_step(global_step_tensor):
    """Check that `global_step_tensor` is a scalar integer variable or tensor.

    Raises:
      TypeError: naming the problem (not a variable/tensor, not an integer, not a scalar).
    """
    from minigraph.framework.variables import Variable
    if not isinstance(global_step_tensor, (Variable, _graph.Tensor)):
        raise TypeError('Existing "global_step" must be a Variable or Tensor: %s.'
                        % (global_step_tensor,))
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError('Existing "global_step" does not have integer type: %s (%s)'
                        % (global_step_tensor.dtype, global_step_tensor.name))
    shape = global_step_tensor.get_shape()
    if shape.ndims != 0 and shape.is_fully_defined():
        raise TypeError('Existing "global_step" is not scalar: %s (%s)'
                        % (shape, global_step_tensor.name))


def get_global_step(graph=None):
    """The global step of `graph` (default: the default graph), or None if there is none.

    Raises:
      TypeError: if the global step found is not a scalar integer variable or tensor.
    """
    graph = graph or _graph.get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        step = found[0]
    elif not found:
        try:
            step = graph.get_tensor_by_name("global_step:0")
        except KeyError:
            return None
    else:
        _log.error("Multiple tensors in global_step collection.")
        return None
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Create the global step variable (int64 scalar `global_step`, initially 0).

    It is created with `get_variable` at the root name scope (but inside the current
    variable scope, as TF1 does), not trainable, in GLOBAL_VARIABLES and GLOBAL_STEP.

    Raises:
      ValueError: if the graph already has a global step.
    """
    graph = graph or _graph.get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    from minigraph.framework import variable_scope
    from minigraph.ops import init_ops
    with graph.as_default(), graph.name_scope(None):
        return variable_scope.get_variable(
            GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64,
            initializer=init_ops.zeros_initializer(), trainable=False,
            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The global step of `graph`, created if it does not exist yet."""
    graph = graph or _graph.get_default_graph()
    step = get_global_step(graph)
    if step is None:
        step = create_global_step(graph)
    return step
