"""Execution plans: prune a graph to what a run needs and compile it to one function.

A plan is the pruned subgraph (`needed_ops`) in a valid order, compiled into one
straight-line Python function: ops whose value is known at graph time are folded to
constants, variables are read where they are consumed, every intermediate is a local
that is deleted right after its last use (early release of memory), NumPy's error state
is set once per run, and a failing kernel is reported as an `OpError` naming the op.
Plans are immutable; all per-run values are locals of the plan function, so concurrent
runs share nothing but the `RunContext` (variable values, random generators).
"""
import collections
import concurrent.futures
import heapq
import contextvars
import os
import threading

import numpy as np

from minigraph.framework import errors
from minigraph.framework import graph as _graph
from minigraph.framework import registry
from minigraph.framework import tensor_shape as _ts
from minigraph.ops.kernels import budget as _budget

# Tests set MINIGRAPH_CHECK_KERNELS=1: every kernel output is then checked against the
# op's static dtype and shape, so a kernel that disagrees with its shape inference fails
# loudly instead of producing a subtly wrong graph downstream.
_CHECK_KERNELS = os.environ.get("MINIGRAPH_CHECK_KERNELS", "") not in ("", "0")

# Fused kernels for chains of ops (`registry.Fusion`); MINIGRAPH_FUSION=0 runs every op
# on its own (TF's `rewrite_options.remapping = OFF`). Read when a plan is compiled.
FUSION = os.environ.get("MINIGRAPH_FUSION", "1") != "0"

# Two independent mid-sized ops may run at once, one on a helper thread (TF's inter-op
# parallelism, for graphs whose ops are each too small to use both cores on their own).
# MINIGRAPH_INTER_OP=0 runs every step in order on the calling thread.
INTER_OP = os.environ.get("MINIGRAPH_INTER_OP", "1") != "0"
# An op is "mid-sized" when its static inputs and outputs hold this many elements in all:
# below, handing it to another thread (~20-50 us) costs more than it saves; above, its
# own kernel already uses every core.
_PAIR_MIN_ELEMENTS = 1 << 16
_PAIR_MAX_ELEMENTS = 1 << 21
# How far ahead in plan order a section of two lanes looks for steps (`_sections`).
_LOOKAHEAD = 32


class RunContext:
    """Per-session state that stateful kernels read and write.

    `variables` maps a variable's op to its current array; `rng(op)` is the op's random
    generator (seeded from the graph and op seeds, so a new session repeats the values).
    """

    def __init__(self):
        self.variables = {}
        self._rngs = {}
        self._lock = threading.Lock()

    def rng(self, op):
        gen = self._rngs.get(op)
        if gen is None:
            with self._lock:
                gen = self._rngs.get(op)
                if gen is None:
                    seed, seed2 = op.attrs.get("seed", 0), op.attrs.get("seed2", 0)
                    if seed == 0 and seed2 == 0:
                        gen = np.random.default_rng()
                    else:
                        gen = np.random.Generator(np.random.Philox(key=[seed, seed2]))
                    self._rngs[op] = gen
        return gen

    def read_variable(self, op):
        try:
            return self.variables[op]
        except KeyError:
            raise errors.FailedPreconditionError(
                None, op, "Attempting to use uninitialized value %s (variable op '%s' has not "
                          "been initialized in this session; run its initializer or "
                          "tf.global_variables_initializer() first)" % (op.name, op.name))


def _check_output(op, index, value):
    t = op._outputs[index]
    if not isinstance(value, (np.ndarray, np.generic)):
        raise errors.InternalError(None, op, "Kernel of %s (%s) returned %s for output %d, not "
                                   "a NumPy array" % (op.name, op.type, type(value).__name__, index))
    if value.dtype != t.dtype.as_numpy_dtype:
        raise errors.InternalError(None, op, "Kernel of %s (%s) returned dtype %s for output %d; "
                                   "shape inference said %s" % (op.name, op.type, value.dtype,
                                                               index, t.dtype.name))
    if not t.shape.is_compatible_with(np.shape(value)):
        raise errors.InternalError(None, op, "Kernel of %s (%s) returned shape %s for output %d; "
                                   "shape inference said %s" % (op.name, op.type, np.shape(value),
                                                               index, _ts.shape_str(t.shape)))


def _wrap_error(op, exc):
    if isinstance(exc, errors.OpError):
        return exc
    if isinstance(exc, MemoryError):
        return errors.ResourceExhaustedError(None, op, "OOM when running %s (%s): %s"
                                             % (op.name, op.type, exc))
    return errors.InvalidArgumentError(None, op, "%s: %s\n\t [[node %s (op type %s)]]"
                                       % (type(exc).__name__, exc, op.name, op.type))


def _static_value(op):
    """The op's value when known before running; None when it is not, or when computing
    it fails: the kernel then runs and reports the error as an OpError, as in TF."""
    try:
        with np.errstate(all="ignore"):
            return op._op_def.static_value(op)
    except Exception:  # noqa: BLE001 - re-raised, wrapped, when the op runs
        return None


def _may_alias_state(tensor, fed):
    """True when a fetched value could be an array the graph or session keeps."""
    seen = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if t in fed:
            return True
        op = t.op
        if op in seen:
            continue
        seen.add(op)
        if op._op_def.stateful or _static_value(op) is not None:
            return True
        if op._op_def.aliases_input:
            stack.extend(op._inputs)
    return False


class _Plan:
    """A compiled run: feed checks, the straight-line function, and which outputs to copy."""

    __slots__ = ("fn", "feeds", "feed_checks", "copy_mask", "ops", "fused", "parallel")

    def run(self, ctx, feed_values):
        # TF1 kernels return inf/NaN silently (1/0, log(0), overflow); NumPy would warn.
        # Set that once per run here, so kernels stay plain NumPy calls.
        with np.errstate(all="ignore"):
            out = self.fn(ctx, feed_values)
        for i in self.copy_mask:
            v = out[i]
            if isinstance(v, np.ndarray):
                out[i] = v.copy()
        return out


def _fold_value(op, fed, memo):
    """The value a plan binds for `op` instead of running it (see `_static_value`), or
    None when the op runs: stateful ops, variable reads, ops with control inputs and
    fed outputs always run."""
    if op in memo:
        return memo[op]
    value = None
    d = op._op_def
    if (len(op._outputs) == 1 and not d.stateful and not d.read_at_use
            and not op._control_inputs and op._outputs[0] not in fed):
        value = _static_value(op)
    memo[op] = value
    return value


def needed_ops(fetch_tensors, target_ops=(), feed_tensors=(), _folded=None):
    """The ops a session runs for these fetches and targets, in a valid run order.

    The pruning of every `Session.run` plan, shared with `mg.viz` so pictures show exactly
    what would run: walk back from the fetches and targets along data and control edges,
    stopping at fed tensors (their producers are not run unless needed otherwise).

    An op whose value is known before running (`Op.static_value`: constants, the shape
    of a tensor whose static shape is fully defined) is bound into the plan as a
    constant and needs none of its inputs, so they are not run for it (TF's constant
    folding does the same): the gradient of `reduce_mean(square(y))` reads the shape
    of `square(y)` but never runs `square`.

    Args:
      fetch_tensors: the tensors to compute.
      target_ops: the operations to run.
      feed_tensors: tensors whose values are fed.
      _folded: a dict filled with each visited op's folded value (or None), for the
        plan compiler.

    Returns:
      A list of `Operation`s, each after every op it depends on.

    Raises:
      errors.InvalidArgumentError: if the needed ops contain a cycle.
    """
    fed = feed_tensors if isinstance(feed_tensors, (dict, set, frozenset)) else set(feed_tensors)
    memo = {} if _folded is None else _folded
    needed, order = set(), []
    roots = [t.op for t in fetch_tensors if t not in fed] + list(target_ops)
    stack = [(op, False) for op in reversed(roots)]
    while stack:
        op, expanded = stack.pop()
        if expanded:
            order.append(op)
            continue
        if op in needed:
            continue
        needed.add(op)
        stack.append((op, True))
        deps = list(op._control_inputs)
        if _fold_value(op, fed, memo) is None:
            # A value known before running (a shape of a fully defined tensor, a
            # constant) needs none of its inputs: `tf.shape(y)` does not run y.
            deps += [t.op for t in op._inputs if t not in fed]
        for dep in reversed(deps):
            if dep not in needed:
                stack.append((dep, False))
    # `order` is a post-order, but ops re-pushed before being expanded can appear early; a
    # stable topological sort over the needed set fixes that.
    return _toposort(order, fed)


def _compile_plan(graph, fetch_tensors, target_ops, feed_tensors):
    fed = {t: i for i, t in enumerate(feed_tensors)}
    for t in feed_tensors:
        if t.graph is not graph:
            raise ValueError("Feed key %s is not an element of this session's graph." % t.name)
    folded = {}
    order = needed_ops(fetch_tensors, target_ops, fed, folded)

    for op in order:
        if op._op_def.requires_feed:
            raise errors.InvalidArgumentError(
                None, op, "You must feed a value for placeholder tensor '%s' with dtype %s and "
                          "shape %s" % (op.name, op._outputs[0].dtype.name,
                                        _ts.shape_str(op._outputs[0].shape)))

    names = {}  # tensor -> expression in generated code
    env = {"_wrap": _wrap_error, "_OpError": errors.OpError, "_chk": _check_output}
    lines = []
    for t, i in fed.items():
        names[t] = "f%d" % i
        lines.append("f%d = feeds[%d]" % (i, i))

    # Fold ops whose value is known at graph-construction time (constants).
    steps = []
    refs = set()  # tensors that are references to state, read where consumed
    run_for_effect = set(target_ops)
    for op in order:
        run_for_effect.update(op._control_inputs)
    for op in order:
        if op._op_def.read_at_use and not op._control_inputs and op._outputs[0] not in fed:
            # A reference to state (a variable): read where each consumer runs, so a read
            # placed after an assign (by control dependencies) sees the new value, as in TF1.
            rname, kname = "r%d" % len(env), "rk%d" % len(env)
            env[rname], env[kname] = op, op._op_def.compute
            names[op._outputs[0]] = "%s(ctx, %s)" % (kname, rname)
            refs.add(op._outputs[0])
            if op in run_for_effect:
                steps.append(op)  # a control input or target: read once, for the check
            continue
        if (op._op_def.forwards_reference and op._inputs and op._inputs[0] in refs
                and not op._control_inputs and op not in run_for_effect
                and op._outputs[0] not in fed):
            # An Identity of a variable (TF1's `w/read`): in TF1 it aliases the variable's
            # buffer, so a consumer sees the value current when the consumer runs. It is
            # read where consumed too, then, whatever order the plan runs ops in.
            names[op._outputs[0]] = names[op._inputs[0]]
            refs.add(op._outputs[0])
            continue
        value = _fold_value(op, fed, folded)
        if value is not None:
            cname = "c%d" % len(env)
            env[cname] = np.asarray(value, dtype=op._outputs[0].dtype.as_numpy_dtype)
            names[op._outputs[0]] = cname
            continue
        steps.append(op)

    steps = _fuse(steps, set(fetch_tensors), run_for_effect, fed)
    sections = (_sections(steps, fed, run_for_effect) if INTER_OP
                else [([step], []) for step in steps])
    steps = [step for lane_a, lane_b in sections for step in lane_a + lane_b]
    keep = set(fetch_tensors)

    # The section in which each tensor is last used: its local is deleted right after
    # the step using it (or, for a section of two lanes, after both lanes are done).
    last_use = {}
    for k, (lane_a, lane_b) in enumerate(sections):
        for step in lane_a + lane_b:
            for t in _step_inputs(step):
                last_use[t] = k

    env["_one"] = _budget.one_thread
    env["_lane_start"], env["_lane_wait"] = _lane_start, _lane_wait
    si = 0
    for k, (lane_a, lane_b) in enumerate(sections):
        made_a = ()
        if not lane_b:
            step = lane_a[0]
            _emit_step(step, si, names, env, lines, "", fed)
            si += 1
        else:
            # Lane b: a function of its own, run on the helper thread; its outside
            # inputs are evaluated here (variable reads too: no step of a section
            # writes state), its results needed later come back as a tuple.
            made_b = {t for step in lane_b for t in _step_outputs(step)}
            outside = []
            for step in lane_b:
                for t in _step_inputs(step):
                    if t not in made_b and t not in outside:
                        outside.append(t)
            later = {t for t in made_b if t in keep or last_use.get(t, -1) > k}
            names_b = dict(names)
            for i, t in enumerate(outside):
                names_b[t] = "a%d" % i
            lines_b = []
            si_b = si + len(lane_a)
            for j, step in enumerate(lane_b):
                _emit_step(step, si_b + j, names_b, env, lines_b, "", fed)
                _emit_lane_dels(lane_b, j, made_b, later, names_b, lines_b, "")
            results = [t for step in lane_b for t in _step_outputs(step)
                       if t in later and t in names_b and names_b[t][0] == "v"]
            fname = "_lane%d" % si_b
            body_b = "\n".join("        " + ln for ln in lines_b)
            src_b = ("def %s(ctx, %s):\n    _at = -1\n    try:\n%s\n"
                     "    except _OpError:\n        raise\n"
                     "    except Exception as e:\n        raise _wrap(_steps[_at], e) from e\n"
                     "    return (%s)\n" % (fname, "".join("a%d, " % i for i in range(len(outside))),
                                           body_b, "".join(names_b[t] + ", " for t in results)))
            exec(compile(src_b, "<minigraph plan>", "exec"), env)  # noqa: S102 - ours
            lines.append("_fut = _lane_start(%s, (ctx, %s))"
                         % (fname, "".join(names[t] + ", " for t in outside)))
            lines.append("try:")
            lines.append("    with _one():")
            made_a = {t for step in lane_a for t in _step_outputs(step)}
            later.update(t for t in made_a if t in keep or last_use.get(t, -1) > k)
            for j, step in enumerate(lane_a):
                _emit_step(step, si + j, names, env, lines, "        ", fed)
                _emit_lane_dels(lane_a, j, made_a, later, names, lines, "        ")
            lines.append("except BaseException:")
            lines.append("    _lane_wait(_fut)")
            lines.append("    raise")
            for t in results:
                names[t] = names_b[t]
            if results:
                lines.append("%s, = _fut.result()" % ", ".join(names[t] for t in results))
            else:
                lines.append("_fut.result()")
            si += len(lane_a) + len(lane_b)
        # Inputs last used in this section (those made in a lane and used there only
        # are deleted in the lane).
        dead = {names[t] for step in lane_a + lane_b for t in _step_inputs(step)
                if last_use.get(t) == k and t not in keep and t in names and names[t][0] == "v"
                and not (lane_b and t in made_a)}
        if dead:
            lines.append("del " + ", ".join(sorted(dead)))

    ret = "[%s]" % ", ".join([names[t] for t in fetch_tensors])
    body = "\n".join("        " + ln for ln in lines) if lines else "        pass"
    src = ("def _plan(ctx, feeds):\n    _at = -1\n    try:\n%s\n"
           "    except _OpError:\n        raise\n"
           "    except Exception as e:\n        raise _wrap(_steps[_at], e) from e\n"
           "    return %s\n" % (body, ret))
    env["_steps"] = [s.ops[-1] if isinstance(s, _Fused) else s for s in steps]
    exec(compile(src, "<minigraph plan>", "exec"), env)  # noqa: S102 - generated by us

    plan = _Plan()
    plan.fn = env["_plan"]
    plan.ops = env["_steps"]
    # For inspection: which chains of ops run as one fused kernel (tuples of op names),
    # and the two lanes of each section run on two threads (the calling thread's op
    # names, the helper thread's).
    plan.fused = [tuple(op.name for op in s.ops) for s in steps if isinstance(s, _Fused)]
    plan.parallel = [(tuple(_step_op(s).name for s in lane_a),
                      tuple(_step_op(s).name for s in lane_b))
                     for lane_a, lane_b in sections if lane_b]
    plan.feeds = list(feed_tensors)
    plan.feed_checks = [_feed_check(t) for t in feed_tensors]
    plan.copy_mask = [i for i, t in enumerate(fetch_tensors) if _may_alias_state(t, fed)]
    return plan


def _emit_lane_dels(lane, j, made, later, names, lines, indent):
    # After step j of a lane: delete the intermediates made in the lane whose last use
    # that was (`later`: those needed by a later section or fetched).
    dead = {names[t] for t in _step_inputs(lane[j]) if t in made and t not in later
            and names[t][0] == "v" and not any(t in _step_inputs(nxt) for nxt in lane[j + 1:])}
    if dead:
        lines.append(indent + "del " + ", ".join(sorted(dead)))


def _emit_step(step, si, names, env, lines, indent, fed):
    """Append to `lines` the code running step number `si` (a `_Fused` step or an op),
    reading its inputs from the expressions `names`, and name its outputs there."""
    if isinstance(step, _Fused):
        op = step.ops[-1]
        opname, kname = "op%d" % si, "k%d" % si
        env[opname], env[kname] = op, step
        args = [names[t] for t in step.inputs]
    else:
        op = step
        if op._op_def.read_at_use and op._outputs[0] in names:
            # A variable read run for its check only (a control input or target).
            lines.append(indent + "_at = %d" % si)
            lines.append(indent + names[op._outputs[0]])
            return
        opname, kname = "op%d" % si, "k%d" % si
        env[opname] = op
        env[kname] = op._op_def.compute
        args = [names[t] for t in op._inputs]
        args = (["ctx", opname] if op._op_def.needs_context else [opname]) + args
    outs = []
    for k, t in enumerate(_step_outputs(step)):
        if t in fed:
            outs.append("_")
        else:
            names[t] = "v%d_%d" % (si, t.value_index if k == 0 or t.op is op else 100 + k)
            outs.append(names[t])
    lines.append(indent + "_at = %d" % si)
    call = "%s(%s)" % (kname, ", ".join(args))
    if len(outs) == 0:
        lines.append(indent + call)
    elif len(outs) == 1:
        lines.append(indent + "%s = %s" % (outs[0], call))
    else:
        lines.append(indent + "%s, = %s" % (", ".join(outs), call))
    if _CHECK_KERNELS:
        for t, o in zip(_step_outputs(step), outs):
            if o != "_":
                oname = opname
                if t.op is not op:
                    oname = "%s_x%d" % (opname, t.value_index)
                    env[oname] = t.op
                lines.append(indent + "_chk(%s, %d, %s)" % (oname, t.value_index, o))


# -- two lanes at a time ---------------------------------------------------------------------------
_helper = {"pool": None}
_helper_lock = threading.Lock()


def _helper_pool():
    if _helper["pool"] is None:
        with _helper_lock:
            if _helper["pool"] is None:
                _helper["pool"] = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="minigraph-inter-op")
    return _helper["pool"]


def _lane_start(fn, args):
    """fn(*args) on the helper thread (in a copy of this thread's context: NumPy's error
    state applies there too), with its kernels on one thread (`kernels.budget`)."""
    return _helper_pool().submit(contextvars.copy_context().run, _budget.call_single_threaded,
                                 fn, *args)


def _lane_wait(future):
    """Wait for the helper thread's lane when this thread's lane failed: its error is
    raised, and the other lane still must not outlive the run."""
    concurrent.futures.wait([future])


def _step_op(step):
    return step.ops[-1] if isinstance(step, _Fused) else step


def _step_outputs(step):
    return step.outputs if isinstance(step, _Fused) else step._outputs


def _elements(tensors):
    total = 0
    for t in tensors:
        shape = t.shape
        if not shape.is_fully_defined():
            return None
        n = 1
        for d in shape.as_list():
            n *= d
        total += n
    return total


def _pairable(step, run_for_effect):
    if isinstance(step, _Fused):
        ops, inputs, outputs = step.ops, step.inputs, step.outputs
    else:
        ops, inputs, outputs = [step], step._inputs, step._outputs
    for op in ops:
        d = op._op_def
        if (d.stateful or d.needs_context or d.read_at_use or op._control_inputs
                or op in run_for_effect):
            return False
    n = _elements(list(inputs) + list(outputs))
    return n is not None and _PAIR_MIN_ELEMENTS <= n <= _PAIR_MAX_ELEMENTS


def _cost(step):
    # What a step costs, roughly: the elements its inputs and outputs hold.
    return _elements(list(_step_inputs(step)) + list(_step_outputs(step))) or 0


def _sections(steps, fed, run_for_effect):
    """`steps` cut in sections run one after another: ([step], []) runs one step, with
    all cores for its kernels; (lane_a, lane_b), two lists of mid-sized steps
    (`_pairable`), runs lane_a on the calling thread while lane_b runs on the helper
    thread, each in its own order, every kernel on one thread.

    The steps of one lane depend on steps of earlier sections or of the same lane only,
    so the lanes meet only at the section's end, and one hand-off to the helper thread
    (~50 us to wake it on a virtual machine) serves the whole lane. Built greedily, in
    plan order over a look-ahead window: a step whose producers inside the section are
    all in one lane joins that lane; one with none joins the lane with less work so
    far (`_cost`); one that needs both lanes, or a step left out, waits for a later
    section. A section whose lighter lane would hold too little work to pay for the
    hand-off is not made: the first step then runs alone.
    """
    deps = _step_deps(steps, fed)
    pairable = {step for step in steps if _pairable(step, run_for_effect)}
    if len(pairable) < 2:
        return [([step], []) for step in steps]
    done, sections = set(), []
    remaining = list(steps)
    while remaining:
        head = remaining[0]
        lanes, load, lane_of, left_out = ([], []), [0, 0], {}, set()
        if head in pairable:
            for step in remaining[:_LOOKAHEAD]:
                inside = deps[step] - done
                if step not in pairable or inside & left_out or not inside <= lane_of.keys():
                    left_out.add(step)
                    continue
                sides = {lane_of[d] for d in inside}
                if len(sides) == 2:
                    left_out.add(step)
                    continue
                lane = sides.pop() if sides else int(load[1] < load[0])
                lanes[lane].append(step)
                lane_of[step] = lane
                load[lane] += _cost(step)
        if min(load) < _PAIR_MIN_ELEMENTS:
            sections.append(([head], []))
            done.add(head)
            remaining.pop(0)
            continue
        sections.append(lanes)
        done.update(lane_of)
        remaining = [step for step in remaining if step not in lane_of]
    return sections


# -- fusion ----------------------------------------------------------------------------------------
class _Fused:
    """One step of a plan running a chain or tree of ops with one fused kernel.

    Called with the arrays of the ops' outside inputs (`inputs`), returns the last op's
    output, or, when some intermediate results are needed outside the chain too
    (`exports`: indices into ops), a tuple of the last op's output and those (the
    tensors of `outputs`). `wiring[i]` says where each input of ops[i] comes from:
    k >= 0 for inputs[k], -(j + 1) for the output of ops[j]. When the fused kernel
    fails, the ops are replayed one by one so the error names the op that cannot run,
    exactly as without fusion.
    """

    __slots__ = ("ops", "inputs", "fn", "wiring", "exports", "outputs")

    def __init__(self, ops, fn, wiring, inputs, exports=()):
        self.ops = ops
        self.fn = fn
        self.wiring = wiring
        self.inputs = inputs
        self.exports = tuple(exports)
        self.outputs = [ops[-1]._outputs[0]] + [ops[i]._outputs[0] for i in self.exports]

    @staticmethod
    def wire(ops):
        """(wiring, inputs) of ops in run order: an input made by one of the ops is
        wired to it, every other one is an outside input, in order of first use (for a
        chain: every input of ops[0], then each next op's inputs but the chained one)."""
        index = {op: i for i, op in enumerate(ops)}
        inputs, wiring = [], []
        for op in ops:
            wires = []
            for t in op._inputs:
                if t.op in index:
                    wires.append(-index[t.op] - 1)
                else:
                    wires.append(len(inputs))
                    inputs.append(t)
            wiring.append(wires)
        return wiring, inputs

    def replay(self, arrays):
        """The result computed op by op (errors wrapped as the failing op's)."""
        values = []
        for op, wires in zip(self.ops, self.wiring):
            args = [arrays[w] if w >= 0 else values[-w - 1] for w in wires]
            try:
                values.append(op._op_def.compute(op, *args))
            except Exception as e:  # noqa: BLE001 - wrapped, naming the op
                raise _wrap_error(op, e) from e
        if self.exports:
            return (values[-1],) + tuple(values[i] for i in self.exports)
        return values[-1]

    def __call__(self, *arrays):
        try:
            out = self.fn(*arrays)
        except Exception:
            self.replay(arrays)  # raises the unfused ops' own error, if there is one
            raise
        if _CHECK_KERNELS:
            want = self.replay(arrays)
            if self.exports:
                for t, g, w in zip(self.outputs, out, want):
                    _check_fused(self, g, w, t.op)
            else:
                _check_fused(self, out, want, self.ops[-1])
        return out


def _check_fused(step, got, want, op):
    if (got.shape != want.shape or got.dtype != want.dtype
            or not np.allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True)):
        raise errors.InternalError(None, op, "Fused kernel of %s disagrees with the ops run one "
                                   "by one (max abs difference %s)"
                                   % (" -> ".join("%s (%s)" % (o.name, o.type) for o in step.ops),
                                      np.max(np.abs(got - want)) if got.shape == want.shape
                                      else "shape %s vs %s" % (got.shape, want.shape)))


def _step_inputs(step):
    return step.inputs if isinstance(step, _Fused) else step._inputs


def _fusable(op):
    d = op._op_def
    return (len(op._outputs) == 1 and not op._control_inputs and not d.stateful
            and not d.needs_context and not d.read_at_use)


def _fuse(steps, keep, run_for_effect, fed):
    """`steps` with each fusable chain of ops (see `registry.Fusion`) and then each
    fusable tree (`registry.TreeFusion`) replaced by one `_Fused` step at the position of
    its last op."""
    if not FUSION:
        return steps
    trees = registry.tree_fusions()
    heads = [op for op in steps if registry.fusions_from(op.type)]
    if not heads and not trees:
        return steps
    consumers = collections.defaultdict(list)
    for op in steps:
        for t in op._inputs:
            consumers[t].append(op)

    def sole_next(op, slot):
        # The one op that takes `op`'s output, as its input `slot` only, if op may feed a
        # chain.
        t = op._outputs[0]
        users = consumers.get(t, ())
        if (op in run_for_effect or t in keep or t in fed or len(users) != 1
                or len(users[0]._inputs) <= slot or users[0]._inputs[slot] is not t
                or users[0]._inputs.count(t) != 1):
            return None
        return users[0]

    def shared_next(op, slot, types):
        # (the op of `types` taking `op`'s output as its input `slot`, whether the output
        # is used elsewhere too): for a chain that can hand that output out as well (the
        # other users then run after the fused step: `_after_producers`).
        t = op._outputs[0]
        if op in run_for_effect or t in fed:
            return None, False
        users = consumers.get(t, ())
        nexts = [u for u in users if u.type in types and len(u._inputs) > slot
                 and u._inputs[slot] is t and u._inputs.count(t) == 1]
        if len(nexts) != 1:
            return None, False
        return nexts[0], len(users) > 1 or t in keep

    in_plan = set(steps)

    def acyclic(ops, exports):
        # Whether no outside input of the chain depends on a result it hands out (the
        # fused step would have to run both before and after that input's producer).
        handed = {ops[i]._outputs[0] for i in exports}
        stack = [t.op for op in ops for t in op._inputs if t.op not in ops and t not in fed]
        seen = set()
        while stack:
            o = stack.pop()
            if o in seen or o not in in_plan:
                continue
            seen.add(o)
            if any(t in handed for t in o._inputs):
                return False
            stack.extend(t.op for t in o._inputs if t not in fed)
            stack.extend(o._control_inputs)
        return True

    taken = {}
    for head in heads:
        if head in taken or not _fusable(head):
            continue
        for rule in registry.fusions_from(head.type):
            chain = _longest_chain(rule, head, sole_next, shared_next, acyclic, taken)
            if chain is not None:
                ops, fn, exports = chain
                step = _Fused(ops, fn, *_Fused.wire(ops), exports)
                for op in step.ops:
                    taken[op] = step
                break
    if trees:
        order = {op: i for i, op in enumerate(steps)}
        for root in reversed(steps):  # a consumer's tree takes its producers first
            for rule in trees:
                if root in taken or not _fusable(root) or not rule.member(root):
                    continue
                step = _tree_step(rule, root, order, sole_next, taken)
                if step is not None:
                    for op in step.ops:
                        taken[op] = step
    if not taken:
        return steps
    steps = [taken[op] if op in taken else op for op in steps
             if op not in taken or taken[op].ops[-1] is op]
    if any(isinstance(s, _Fused) and s.exports for s in steps):
        steps = _after_producers(steps, fed)
    return steps


def _step_deps(steps, fed):
    """{step: the steps it must run after}: those making its inputs, and those holding
    its ops' control inputs."""
    producer, step_of = {}, {}
    for step in steps:
        for t in _step_outputs(step):
            producer[t] = step
        for op in (step.ops if isinstance(step, _Fused) else [step]):
            step_of[op] = step
    deps = {}
    for step in steps:
        ds = {producer[t] for t in _step_inputs(step) if t in producer and t not in fed}
        for op in (step.ops if isinstance(step, _Fused) else [step]):
            ds.update(step_of.get(c) for c in op._control_inputs)
        ds.discard(None)
        ds.discard(step)
        deps[step] = ds
    return deps


def _after_producers(steps, fed):
    """`steps` in their order, but each after the steps making its inputs: a fused step
    that hands out an intermediate sits where its chain's last op was, which may be
    after another user of that intermediate. Stable (Kahn's algorithm taking the
    earliest ready step)."""
    index = {step: i for i, step in enumerate(steps)}
    users = collections.defaultdict(list)
    deps = {}
    for step, ds in _step_deps(steps, fed).items():
        deps[step] = len(ds)
        for d in ds:
            users[d].append(step)
    ready = [index[s] for s in steps if deps[s] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        step = steps[heapq.heappop(ready)]
        out.append(step)
        for u in users[step]:
            deps[u] -= 1
            if deps[u] == 0:
                heapq.heappush(ready, index[u])
    return out


def _tree_step(rule, root, order, sole_next, taken):
    """The `_Fused` step of the largest tree of `rule` rooted at `root` that its kernel
    takes, or None. A producer joins when it is a member whose output goes to one op of
    the tree only, as exactly one of that op's inputs."""
    ops, frontier = {root}, [root]
    while frontier:
        op = frontier.pop()
        for k, t in enumerate(op._inputs):
            p = t.op
            if (p in order and p not in ops and p not in taken and _fusable(p)
                    and rule.member(p) and sole_next(p, k) is op):
                ops.add(p)
                frontier.append(p)
    if len(ops) < 2:
        return None
    ops = sorted(ops, key=order.get)
    wiring, inputs = _Fused.wire(ops)
    fn = rule.kernel(ops, wiring)
    return None if fn is None else _Fused(ops, fn, wiring, inputs)


def _longest_chain(rule, head, sole_next, shared_next, acyclic, taken):
    """(ops, kernel, exports) for the longest match of `rule` from `head` that its kernel
    takes; exports: the indices of ops whose output is needed outside the chain too
    (only at the rule's `exports` steps, whose kernel can hand them out, and only when
    `acyclic(ops, exports)`)."""
    steps = rule.steps
    last_required = max(i for i, (_, optional, _) in enumerate(steps) if not optional)
    ops, at, shared, candidates = [head], [0], [], []
    if last_required == 0:
        candidates.append((list(ops), []))
    for si in range(1, len(steps)):
        types, optional, slot = steps[si]
        nxt, share = sole_next(ops[-1], slot), False
        if nxt is None and at[-1] in rule.exports:
            nxt, share = shared_next(ops[-1], slot, types)
        if nxt is not None and nxt.type in types and nxt not in taken and _fusable(nxt):
            if share:
                shared.append(len(ops) - 1)
            ops.append(nxt)
            at.append(si)
        elif not optional:
            break
        if si >= last_required and (not candidates or len(candidates[-1][0]) != len(ops)):
            candidates.append((list(ops), list(shared)))
    for ops, exports in reversed(candidates):
        if len(ops) < 2 or (exports and not acyclic(ops, exports)):
            continue
        fn = rule.kernel(ops, tuple(exports)) if exports else rule.kernel(ops)
        if fn is not None:
            return ops, fn, tuple(exports)
    return None


def _toposort(ops, fed):
    opset = set(ops)
    indeg = {op: 0 for op in ops}
    users = collections.defaultdict(list)
    for op in ops:
        deps = set(op._control_inputs) | {t.op for t in op._inputs if t not in fed}
        for d in deps:
            if d in opset:
                indeg[op] += 1
                users[d].append(op)
    # Among the ops ready to run, the one whose inputs were made most recently runs
    # first, so a large result is consumed while it is still in cache. (Taking ops in
    # the order they became ready put a 25 MB elementwise op between a depthwise conv and
    # the product reading its output, and made that product 1.7x slower.) Ops with no
    # inputs to wait for (variable reads, sources) come first, in graph order.
    index = {op: i for i, op in enumerate(ops)}
    ready = [(-len(ops), index[op], op) for op in ops if indeg[op] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, _, op = heapq.heappop(ready)
        made = len(out)
        out.append(op)
        for u in users[op]:
            indeg[u] -= 1
            if indeg[u] == 0:
                heapq.heappush(ready, (-made, index[u], u))
    if len(out) != len(ops):
        raise errors.InvalidArgumentError(None, None, "Graph has a cycle among ops: %s"
                                          % sorted(op.name for op in ops if indeg[op] > 0))
    return out


def _feed_check(tensor):
    shape = tensor.shape
    dims = None if shape.ndims is None else [d.value for d in shape]
    return (tensor, tensor.dtype.as_numpy_dtype, np.dtype(tensor.dtype.as_numpy_dtype), dims)


def _convert_feed(check, value):
    tensor, np_type, np_dtype, dims = check
    if type(value) is np.ndarray and value.dtype == np_dtype:
        arr = value
    else:
        if isinstance(value, (_graph.Tensor, _graph.Operation)) or hasattr(value, "_as_graph_element"):
            raise TypeError("The value of a feed cannot be a tf.Tensor object (feeding %s). "
                            "Acceptable feed values include Python scalars, strings, lists, "
                            "numpy ndarrays." % tensor.name)
        src = np.asarray(value)
        if src.dtype.kind == "O":
            raise TypeError("Cannot feed %r to %s: not a rectangular numeric array"
                            % (value, tensor.name))
        if src.dtype != np_dtype:
            if np_dtype.kind in "iub" and src.dtype.kind == "f":
                if not np.all(np.isfinite(src)) or not np.array_equal(src, np.trunc(src)):
                    raise TypeError("Cannot feed float values to %s of dtype %s: they are not "
                                    "integral and would be truncated" % (tensor.name, np_dtype))
            if np_dtype.kind in "iu" and src.dtype.kind in "iu" and src.size:
                info = np.iinfo(np_dtype)
                if src.min() < info.min or src.max() > info.max:
                    raise TypeError("Feed value for %s is out of range for dtype %s (values in "
                                    "[%s, %s]); use a larger dtype such as int64"
                                    % (tensor.name, np_dtype, src.min(), src.max()))
            try:
                arr = src.astype(np_dtype)
            except ValueError as e:  # TF1 relays only NumPy's message, naming no tensor
                raise ValueError("Cannot feed a value of dtype %s to %s of dtype %s: %s"
                                 % (src.dtype, tensor.name, tensor.dtype.name, e)) from None
        else:
            arr = src
    if dims is not None:
        if arr.ndim != len(dims) or any(d is not None and d != s for d, s in zip(dims, arr.shape)):
            raise ValueError("Cannot feed value of shape %r for Tensor %r, which has shape %r"
                             % (arr.shape, tensor.name, _ts.shape_str(tensor.shape)))
    return arr
