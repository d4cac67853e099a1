"""Dev script (not collected by pytest): run TF1 programs under minigraph and under TF, diff.

Run from the repository root with minigraph's interpreter:

    .venv/bin/python tests/reference/run_conformance.py [-k SUBSTRING] [-v] [--messages]

Every `tests/reference/tf1_programs/p*.py` defines `run(tf)`: a TF1 program written against
the module `tf`, returning a dict of results (values, names, shapes, collection contents,
class names of expected exceptions). This script runs each program twice, in two
subprocesses, on a fresh default graph each time:

- minigraph: `import minigraph as tf` in this interpreter (.venv);
- TensorFlow: `tf.compat.v1` after `disable_v2_behavior()`, with eager execution and
  resource variables disabled (TF1 graph mode, ref variables, TF1 TensorShape/Dimension
  and Tensor equality) in the reference interpreter (`/work/refvenv/bin/python`,
  override with MG_REF_PYTHON), with TF_USE_LEGACY_KERAS=1 so `tf.layers` is TF1's.

It then diffs the two dicts key by key: strings, ints, bools, shapes and dtypes exactly,
floating values with rtol = atol = 1e-5 (float32). Keys starting with "_msg:" hold error
messages, printed with --messages but never compared. Mismatches listed in ALLOWED (with
the reason minigraph deviates on purpose) are reported as allowed; any other mismatch makes
the exit status 1.
"""
import argparse
import glob
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "tf1_programs")
ROOT = os.path.dirname(os.path.dirname(HERE))
REF_PYTHON = os.environ.get("MG_REF_PYTHON", "/work/refvenv/bin/python")
RTOL = ATOL = 1e-5

# (program, key) -> why minigraph differs from TF on purpose. A key ending in "*" matches
# every key with that prefix.
ALLOWED = {
    ("p01_graph_names", "op_types[2]"):
        "by design: tf.add and x + y build op type Add (TF 2.x builds AddV2); same numbers",
    ("p03_feeds_fetches", "feed_float_to_int"):
        "stricter: feeding 1.5 to an int32 placeholder is a TypeError; TF truncates silently",
    ("p06_gradients", "gather_grad_type"):
        "no IndexedSlices (not in API.md): gather's gradient is a dense Tensor with the "
        "values of TF's densified IndexedSlices (compared in grads.gather)",
    ("p06_gradients", "grad_ys_bad_shape"):
        "stricter: grad_ys of the wrong static shape fail at graph construction (STYLE rule "
        "4); TF only fails when run",
    ("p06_gradients", "ys_not_tensor"):
        "clearer: TypeError 'ys must be tensors'; TF crashes with AttributeError on None.op",
    ("p10_conv_pool", "names.atrous*"):
        "atrous_conv2d is one dilated Conv2D (documented in nn_ops.atrous_conv2d); TF wraps "
        "it in SpaceToBatchND/BatchToSpaceND, so its output is convolution/BatchToSpaceND",
    ("p10_conv_pool", "op_types.atrous*"): "as names.atrous (one dilated Conv2D)",
    ("p10_conv_pool", "names.dw_rate"):
        "depthwise_conv2d with rate > 1 is one dilated DepthwiseConv2dNative (documented in "
        "nn_depthwise_ops); TF wraps it in SpaceToBatchND/BatchToSpaceND",
    ("p10_conv_pool", "op_types.dw_rate"): "as names.dw_rate",
    ("p12_layers_core", "dense[2][4]"):
        "no tf.cond yet: tf.layers.dropout with a tensor `training` selects with Select "
        "(documented in layers/core.py), so its output is dropout_1/Select, not cond/Identity",
    ("p22_batchnorm", "dropout[1]"):
        "TF 1.15's dropout ends in x * scale * mask (op mul_1), as minigraph's; TF 2.x "
        "picks with SelectV2",
    ("p25_degenerate_args", "add_n_not_list"):
        "TF 1.15's add_n raises ValueError for a non-list, as minigraph; TF 2.x iterates the "
        "tensor and fails with OperatorNotAllowedInGraphError",
    ("p25_degenerate_args", "constant_overflow"):
        "stricter: 3000000000 does not fit int32 (TypeError); TF wraps it to -1294967296",
    ("p25_degenerate_args", "optimizer_lr_string"):
        "stricter: a string learning rate is a TypeError at minimize(); TF builds the graph",
    ("p25_degenerate_args", "sep_bad_rate_strides"):
        "stricter: rate > 1 with strides > 1 is a ValueError (TF1 documents it as invalid; "
        "TF computes a wrongly shaped result, 4x4 for a 6x6 input with stride 2)",
    # The static shapes/values prove these fail when run: minigraph raises ValueError at
    # graph construction (STYLE rule 4), TF only raises InvalidArgumentError/Unimplemented
    # at run time.
    ("p25_degenerate_args", "conv_batch_stride"): "graph-time error (STYLE rule 4)",
    ("p25_degenerate_args", "cumsum_axis"): "graph-time error (STYLE rule 4)",
    ("p25_degenerate_args", "pad_reflect_big"): "graph-time error (STYLE rule 4)",
    ("p25_degenerate_args", "pool_batch_ksize"): "graph-time error (STYLE rule 4)",
    ("p25_degenerate_args", "reshape_two_unknown"): "graph-time error (STYLE rule 4)",
    ("p25_degenerate_args", "slice_size"): "graph-time error (STYLE rule 4)",
    ("p25_degenerate_args", "tile_negative"): "graph-time error (STYLE rule 4)",
    ("p25_degenerate_args", "transpose_dup"): "graph-time error (STYLE rule 4)",
    ("p14_variables", "dtypes*"):
        "no ref dtypes: Variable.dtype is float32, not float32_ref (documented in "
        "framework/variables.py)",
}


# -- child side: run programs under one backend -------------------------------------------------
def _backend(name):
    if name == "mg":
        sys.path.insert(0, ROOT)
        import minigraph as tf
        return tf
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    v1 = tf.compat.v1
    if os.environ.get("MG_TF_V2_BEHAVIOR") != "1":
        # All of TF1's behaviour: Dimension objects in shapes, Tensor.__eq__ by identity,
        # control flow v1, ... (set MG_TF_V2_BEHAVIOR=1 to keep TF 2's defaults for those).
        v1.disable_v2_behavior()
    v1.disable_eager_execution()
    v1.disable_resource_variables()
    v1.logging.set_verbosity(v1.logging.ERROR)
    return v1


def _encode(value):
    """Results as JSON: arrays keep dtype and shape, tuples become lists."""
    import numpy as np
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind in "SUO":
            return {"array": [_encode(v) for v in arr.ravel().tolist()],
                    "dtype": "object", "shape": list(arr.shape)}
        return {"array": arr.ravel().tolist(), "dtype": str(arr.dtype), "shape": list(arr.shape)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"repr": repr(value), "type": type(value).__name__}


def child(backend, names, out_path):
    tf = _backend(backend)
    sys.path.insert(0, PROGRAMS)
    results = {}
    for name in names:
        spec = importlib.util.spec_from_file_location(name, os.path.join(PROGRAMS, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            tf.reset_default_graph()
            with tempfile.TemporaryDirectory() as tmp:
                results[name] = _encode(module.run(tf, tmp))
        except Exception:
            results[name] = {"__crash__": traceback.format_exc()}
    with open(out_path, "w") as f:
        json.dump(results, f)


# -- parent side: run both, diff ---------------------------------------------------------------
def _close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return False
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= ATOL + RTOL * abs(b)
    return a == b


def diff(ours, ref, path=""):
    """A list of (path, ours, ref) where the values differ."""
    if isinstance(ours, dict) and isinstance(ref, dict):
        if "array" in ours and "array" in ref:
            problems = []
            if ours["shape"] != ref["shape"]:
                problems.append("shape %s vs %s" % (ours["shape"], ref["shape"]))
            if ours["dtype"] != ref["dtype"]:
                problems.append("dtype %s vs %s" % (ours["dtype"], ref["dtype"]))
            if not problems:
                bad = [i for i, (a, b) in enumerate(zip(ours["array"], ref["array"]))
                       if not _close(a, b)]
                if bad:
                    problems.append("%d/%d values differ, first at flat index %d: %r vs %r"
                                    % (len(bad), len(ours["array"]), bad[0],
                                       ours["array"][bad[0]], ref["array"][bad[0]]))
            return [(path, "; ".join(problems), "")] if problems else []
        out = []
        for key in sorted(set(ours) | set(ref)):
            if key.startswith("_msg:"):
                continue
            sub = "%s.%s" % (path, key) if path else key
            if key not in ours:
                out.append((sub, "<missing>", _short(ref[key])))
            elif key not in ref:
                out.append((sub, _short(ours[key]), "<missing>"))
            else:
                out.extend(diff(ours[key], ref[key], sub))
        return out
    if isinstance(ours, list) and isinstance(ref, list):
        if len(ours) != len(ref):
            return [(path, _short(ours), _short(ref))]
        out = []
        for i, (a, b) in enumerate(zip(ours, ref)):
            out.extend(diff(a, b, "%s[%d]" % (path, i)))
        return out
    if isinstance(ours, bool) != isinstance(ref, bool) or not _close(ours, ref):
        return [(path, _short(ours), _short(ref))]
    return []


def _short(value, width=70):
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= width else text[:width - 3] + "..."


def _allowed(program, key):
    for (prog, pattern), reason in ALLOWED.items():
        if prog != program:
            continue
        if key == pattern or (pattern.endswith("*") and key.startswith(pattern[:-1])):
            return reason
    return None


def _run_side(python, backend, names, env):
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    cmd = [python, os.path.abspath(__file__), "--child", backend, "--out", out] + names
    return out, subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", default="", help="only programs whose name contains this")
    parser.add_argument("-v", action="store_true", help="also print allowed mismatches")
    parser.add_argument("--messages", action="store_true",
                        help="print minigraph's and TF's error messages side by side")
    parser.add_argument("--dump", metavar="DIR",
                        help="also write both sides' results to DIR/minigraph.json, DIR/TF.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.names, args.out)
        return 0

    names = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(PROGRAMS, "p*.py")))
    names = [n for n in names if args.k in n]
    env_mg = dict(os.environ)
    env_tf = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3",
                  CUDA_VISIBLE_DEVICES="")
    out_mg, proc_mg = _run_side(sys.executable, "mg", names, env_mg)
    out_tf, proc_tf = _run_side(REF_PYTHON, "tf", names, env_tf)
    logs = {"minigraph": proc_mg.communicate()[0], "TF": proc_tf.communicate()[0]}
    results = {}
    for side, path, proc in [("minigraph", out_mg, proc_mg), ("TF", out_tf, proc_tf)]:
        if proc.returncode != 0:
            print("%s side failed:\n%s" % (side, logs[side]))
            return 2
        with open(path) as f:
            results[side] = json.load(f)
        os.unlink(path)
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            with open(os.path.join(args.dump, side + ".json"), "w") as f:
                json.dump(results[side], f, indent=1, sort_keys=True)

    rows, details, failed = [], [], False
    for name in names:
        ours, ref = results["minigraph"][name], results["TF"][name]
        for side, res in [("minigraph", ours), ("TF", ref)]:
            if "__crash__" in res:
                details.append("%s crashed under %s:\n%s" % (name, side, res["__crash__"]))
        if "__crash__" in ours or "__crash__" in ref:
            rows.append((name, "-", "-", "-", "CRASH"))
            failed = True
            continue
        found = diff(ours, ref)
        keys = len([k for k in set(ours) | set(ref) if not k.startswith("_msg:")])
        allowed = [(k, a, b, _allowed(name, k)) for k, a, b in found if _allowed(name, k)]
        bad = [(k, a, b) for k, a, b in found if not _allowed(name, k)]
        rows.append((name, keys, keys - len({k.split(".")[0].split("[")[0] for k, *_ in found}),
                     len(allowed), "MISMATCH" if bad else "match"))
        failed |= bool(bad)
        for k, a, b in bad:
            details.append("%s  %s\n    minigraph: %s\n    TF:        %s" % (name, k, a, b))
        if args.v:
            for k, a, b, why in allowed:
                details.append("%s  %s (allowed: %s)\n    minigraph: %s\n    TF:        %s"
                               % (name, k, why, a, b))
        if args.messages:
            for key in sorted(k for k in ours if k.startswith("_msg:")):
                details.append("%s  %s\n    minigraph: %s\n    TF:        %s"
                               % (name, key[5:], ours[key], ref.get(key, "")))

    print("%-28s %6s %6s %8s  %s" % ("program", "keys", "equal", "allowed", "result"))
    for row in rows:
        print("%-28s %6s %6s %8s  %s" % row)
    if details:
        print()
        print("\n".join(details))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
