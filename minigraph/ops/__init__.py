"""Op definitions. Importing this package registers every op type."""
from minigraph.ops import constant_op, array_ops, math_ops, control_flow_ops  # noqa: F401
