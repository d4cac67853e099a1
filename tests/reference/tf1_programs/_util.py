"""Helpers shared by the conformance programs (they must run under minigraph and TF)."""


def error(results, key, fn):
    """Record the class name of the exception `fn()` raises (and its message, not compared)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class is the result
        results[key] = type(e).__name__
        results["_msg:" + key] = str(e)[:500]
    else:
        results[key] = "no error"


def names(items):
    return [x.name for x in items]


def shape(t):
    """A static shape as a list (None for unknown rank)."""
    s = t.shape if hasattr(t, "shape") else t.get_shape()
    return None if s.ndims is None else s.as_list()
