import os

# Check every kernel's output against its op's static dtype/shape in all tests.
os.environ.setdefault("MINIGRAPH_CHECK_KERNELS", "1")

import pytest  # noqa: E402

import minigraph as mg  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test starts with an empty default graph."""
    mg.reset_default_graph()
    yield
    mg.reset_default_graph()
