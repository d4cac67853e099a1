"""Load an example script (examples/NN_name.py) as a module, so a test can call its main()."""
import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                        "examples")


@pytest.fixture
def load_example():
    """`load_example("01_graphs_and_sessions")` -> the module, freshly executed."""
    def load(name):
        path = os.path.join(EXAMPLES, name + ".py")
        spec = importlib.util.spec_from_file_location("example_" + name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
