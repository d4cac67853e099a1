# Dev scripts and the TF1 conformance programs run outside pytest (they need TensorFlow
# in a separate interpreter): see run_conformance.py.
collect_ignore_glob = ["*.py", "tf1_programs/*.py"]
