"""Dev script (not collected by pytest): print TF's results of tests/tf1_conformance_cases.py.

Run with the reference interpreter, from the repository root:

    TF_USE_LEGACY_KERAS=1 /work/refvenv/bin/python tests/reference/gen_tf1_literals.py

It runs every case under TensorFlow's `tf.compat.v1` (TF1 behaviour, graph mode, ref
variables; see run_conformance.py) and prints `EXPECTED = {...}`, the literal that
tests/test_tf1_conformance.py holds: arrays as nested lists, floats to 7 significant
digits, NaN and infinities as NAN / INF.
"""
import importlib.util
import os
import pprint
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_conformance import _backend  # noqa: E402


class _Special(float):
    def __repr__(self):
        return "NAN" if self != self else ("INF" if self > 0 else "-INF")


def literal(value):
    if isinstance(value, dict):
        return {str(k): literal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [literal(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (np.ndarray, np.generic)):
        return literal(np.asarray(value).tolist())
    if isinstance(value, float):
        if not np.isfinite(value):
            return _Special(value)
        return float("%.7g" % value)
    return value


def main():
    tf = _backend("tf")
    path = os.path.join(HERE, "..", "tf1_conformance_cases.py")
    spec = importlib.util.spec_from_file_location("tf1_conformance_cases", path)
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    expected = {}
    for case in cases.CASES:
        tf.reset_default_graph()
        with tempfile.TemporaryDirectory() as tmp:
            expected[case.__name__] = literal(case(tf, tmp))
    print("EXPECTED = " + pprint.pformat(expected, width=88, compact=True, sort_dicts=False))


if __name__ == "__main__":
    main()
