"""How many threads a kernel may use: all of them, or one while steps run side by side.

A session may run two lanes of independent mid-sized ops at once, one on the calling
thread and one on a helper thread (`framework/plan.py`, TF's inter-op parallelism).
Each of those ops then must use a single thread: a numba kernel or a matrix product
splitting itself over both cores as well would put four busy threads on two cores. The plan marks such
steps with `one_thread()`; `_jit.threads_for` and `_blas` ask `single_threaded()`.

A context variable, so the mark follows each thread (and context copies) on its own;
this module imports nothing, so `import minigraph` stays light.
"""
import contextlib
import contextvars

_single = contextvars.ContextVar("minigraph_single_threaded_kernels", default=False)


def single_threaded():
    """True while the current step must keep its kernels on the calling thread."""
    return _single.get()


@contextlib.contextmanager
def one_thread():
    """Kernels called in the block use one thread."""
    token = _single.set(True)
    try:
        yield
    finally:
        _single.reset(token)


def call_single_threaded(fn, *args):
    """fn(*args) with kernels on one thread (for a step handed to another thread)."""
    with one_thread():
        return fn(*args)
