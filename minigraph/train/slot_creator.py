"""Slot variables: per-variable optimizer state such as Adam's `w/Adam` and `w/Adam_1`.

As in TF1, a slot for variable `w` is created by `get_variable` inside
`variable_scope(None, default_name="w/<op_name>")`, so it is named `w/Adam`, then
`w/Adam_1` for the second slot of the same optimizer; it lives under the *variable*
scope that is current when the optimizer builds its update (not the name scope), is not
trainable, and is added to GLOBAL_VARIABLES so it is initialized and saved with the model.
"""
from minigraph.framework import tensor_shape as _ts


def _vs():
    from minigraph.framework import variable_scope
    return variable_scope


def _create_slot_var(primary, val, validate_shape, shape, dtype):
    vs = _vs()
    scope = vs.get_variable_scope()
    # A partitioner of the enclosing scope must not split the slot: it mirrors `primary`.
    saved_partitioner = scope.partitioner
    scope.set_partitioner(None)
    try:
        slot = vs.get_variable("", initializer=val, trainable=False,
                               shape=shape if callable(val) else None,
                               dtype=dtype if callable(val) else None,
                               validate_shape=validate_shape)
    finally:
        scope.set_partitioner(saved_partitioner)
    info = primary._get_save_slice_info() if hasattr(primary, "_get_save_slice_info") else None
    if info is not None:
        # A slot of partition `w/part_0` is a slice of the full slot `w/Adam` in checkpoints.
        real_slot_name = slot.name[len(primary.op.name + "/"):-2]
        slice_info = type(info)(info.full_name + "/" + real_slot_name, info.full_shape[:],
                                info.var_offset[:], info.var_shape[:])
        slot._set_save_slice_info(slice_info)
    return slot


def create_slot(primary, val, name, colocate_with_primary=True):
    """A slot for `primary` initialized to the tensor `val`, named `primary/name` (uniquified).

    Args:
      primary: the variable the slot belongs to.
      val: the slot's initial value (a tensor).
      name: the slot name suffix, usually the optimizer's name.
    """
    validate_shape = val.get_shape().is_fully_defined()
    with _vs().variable_scope(None, default_name=primary.op.name + "/" + name):
        return _create_slot_var(primary, val, validate_shape, None, None)


def create_slot_with_initializer(primary, initializer, shape, dtype, name,
                                 colocate_with_primary=True):
    """A slot for `primary` of `shape` and `dtype` created by `initializer`."""
    shape = _ts.as_shape(shape)
    validate_shape = shape.is_fully_defined()
    with _vs().variable_scope(None, default_name=primary.op.name + "/" + name):
        return _create_slot_var(primary, initializer, validate_shape, shape, dtype)


def create_zeros_slot(primary, name, dtype=None, colocate_with_primary=True):
    """A slot for `primary` of its shape (and `dtype`, default its dtype), initialized to 0."""
    from minigraph.ops import init_ops
    dtype = primary.dtype if dtype is None else dtype
    shape = primary.get_shape()
    if shape.is_fully_defined():
        return create_slot_with_initializer(primary, init_ops.zeros_initializer(), shape, dtype,
                                            name, colocate_with_primary)
    from minigraph.ops import array_ops
    val = array_ops.zeros(array_ops.shape(primary.initialized_value()), dtype=dtype)
    return create_slot(primary, val, name, colocate_with_primary)
