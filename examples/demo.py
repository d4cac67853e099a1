"""The demo (`./dev demo`): train a separable-conv network on the 8x8 digits, TF1 style.

It runs examples/train_digits.py (see there for what it does and its options, which
pass through: `./dev demo --epochs 4 --out /tmp/digits`). It trains to about 98-99%
held-out accuracy in well under a minute on two CPU cores, saves a checkpoint, draws
the graph (SVG) and the training curves (PNG), and restores the checkpoint into a fresh
graph to show the same accuracy.

The tiny graph walk-through that used to be the demo is examples/01_graphs_and_sessions.py;
examples/01_*.py ... 07_*.py are the teaching path.
"""
import importlib.util
import os
import sys


def _train_digits():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_digits.py")
    spec = importlib.util.spec_from_file_location("train_digits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    return _train_digits().main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
