"""Execution mode: graph mode only, for now (`mg.executing_eagerly()` is always False).

TF 1.15 documents several Layer methods as raising RuntimeError "in Eager mode". Those
checks call `executing_eagerly()` through this module, so they exist today and can be
tested (tests monkeypatch `executing_eagerly`); eager execution itself is a later issue.
"""


def executing_eagerly():
    """True when operations run immediately instead of building a graph.

    minigraph has no eager runtime yet, so this is always False (TF 1.15's default).
    """
    return False


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """TF 1.15's switch to eager execution; not available in minigraph yet.

    Raises:
      NotImplementedError: always; minigraph runs graphs in a `Session` only.
    """
    raise NotImplementedError(
        "minigraph does not support eager execution yet: mg.enable_eager_execution() is "
        "reserved for it. Build a graph and run it with mg.Session() instead (TF1 graph mode).")
