"""`mg.errors`: TF1's error classes."""
from minigraph.framework.errors import *  # noqa: F401,F403
from minigraph.framework.errors import OpError  # noqa: F401
