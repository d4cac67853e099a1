"""Sessions: run the part of a graph that fetches need, with feeds, through cached plans.

`Session.run(fetches, feed_dict)` turns (fetches, feed keys) into a *plan* once and caches
it. A plan is the pruned subgraph in a valid order (data and control edges), compiled into
one straight-line Python function: constants are bound in, every intermediate is a local
variable that is deleted right after its last use (early release of memory), and a
failing kernel is reported as an `OpError` naming the op. A repeated `run` therefore only
checks feeds, calls that function and rebuilds the fetch structure.

Plans and graph structure are immutable once built and all per-run values are locals of
the plan function, so concurrent `run` calls on one session do not share intermediate
state; variable values and random generators live in the session's `RunContext`.
"""
import collections
import os
import threading

import numpy as np

from minigraph.framework import errors
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts

# Tests set MINIGRAPH_CHECK_KERNELS=1: every kernel output is then checked against the
# op's static dtype and shape, so a kernel that disagrees with its shape inference fails
# loudly instead of producing a subtly wrong graph downstream.
_CHECK_KERNELS = os.environ.get("MINIGRAPH_CHECK_KERNELS", "") not in ("", "0")


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

    __slots__ = ("fn", "feeds", "feed_checks", "copy_mask", "ops")

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


def needed_ops(fetch_tensors, target_ops=(), feed_tensors=()):
    """The ops a session runs for these fetches and targets, in a valid run order.

    The pruning of every `Session.run` plan, shared with `mg.viz` so pictures show exactly
    what would run: walk back from the fetches and targets along data and control edges,
    stopping at fed tensors (their producers are not run unless needed otherwise).

    Args:
      fetch_tensors: the tensors to compute.
      target_ops: the operations to run.
      feed_tensors: tensors whose values are fed.

    Returns:
      A list of `Operation`s, each after every op it depends on.

    Raises:
      errors.InvalidArgumentError: if the needed ops contain a cycle.
    """
    fed = feed_tensors if isinstance(feed_tensors, (dict, set, frozenset)) else set(feed_tensors)
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
        deps = [c for c in op._control_inputs] + [t.op for t in op._inputs if t not in fed]
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
    order = needed_ops(fetch_tensors, target_ops, fed)

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
            if op in run_for_effect:
                steps.append(op)  # a control input or target: read once, for the check
            continue
        if (len(op._outputs) == 1 and not op._op_def.stateful and not op._control_inputs
                and op._outputs[0] not in fed):
            value = _static_value(op)
            if value is not None:
                cname = "c%d" % len(env)
                env[cname] = np.asarray(value, dtype=op._outputs[0].dtype.as_numpy_dtype)
                names[op._outputs[0]] = cname
                continue
        steps.append(op)

    # Last use of each intermediate, so its local can be deleted right after.
    last_use = {}
    for si, op in enumerate(steps):
        for t in op._inputs:
            last_use[t] = si
    keep = set(fetch_tensors)

    for si, op in enumerate(steps):
        if op._op_def.read_at_use and op._outputs[0] in names:
            lines.append("_at = %d" % si)
            lines.append(names[op._outputs[0]])
            continue
        opname, kname = "op%d" % si, "k%d" % si
        env[opname] = op
        env[kname] = op._op_def.compute
        args = [names[t] for t in op._inputs]
        if op._op_def.needs_context:
            args = ["ctx", opname] + args
        else:
            args = [opname] + args
        outs = []
        for t in op._outputs:
            if t in fed:
                outs.append("_")
            else:
                names[t] = "v%d_%d" % (si, t.value_index)
                outs.append(names[t])
        lines.append("_at = %d" % si)
        call = "%s(%s)" % (kname, ", ".join(args))
        if len(outs) == 0:
            lines.append(call)
        elif len(outs) == 1:
            lines.append("%s = %s" % (outs[0], call))
        else:
            lines.append("%s, = %s" % (", ".join(outs), call))
        if _CHECK_KERNELS:
            for t, o in zip(op._outputs, outs):
                if o != "_":
                    lines.append("_chk(%s, %d, %s)" % (opname, t.value_index, o))
        dead = sorted({names[t] for t in op._inputs
                       if last_use.get(t) == si and t not in keep and names[t][0] == "v"})
        if dead:
            lines.append("del " + ", ".join(dead))

    ret = "[%s]" % ", ".join([names[t] for t in fetch_tensors])
    body = "\n".join("        " + ln for ln in lines) if lines else "        pass"
    src = ("def _plan(ctx, feeds):\n    _at = -1\n    try:\n%s\n"
           "    except _OpError:\n        raise\n"
           "    except Exception as e:\n        raise _wrap(_steps[_at], e) from e\n"
           "    return %s\n" % (body, ret))
    env["_steps"] = steps
    exec(compile(src, "<minigraph plan>", "exec"), env)  # noqa: S102 - generated by us

    plan = _Plan()
    plan.fn = env["_plan"]
    plan.ops = steps
    plan.feeds = list(feed_tensors)
    plan.feed_checks = [_feed_check(t) for t in feed_tensors]
    plan.copy_mask = [i for i, t in enumerate(fetch_tensors) if _may_alias_state(t, fed)]
    return plan


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
    ready = collections.deque(op for op in ops if indeg[op] == 0)
    out = []
    while ready:
        op = ready.popleft()
        out.append(op)
        for u in users[op]:
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
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
            arr = src.astype(np_dtype)
        else:
            arr = src
    if dims is not None:
        if arr.ndim != len(dims) or any(d is not None and d != s for d, s in zip(dims, arr.shape)):
            raise ValueError("Cannot feed value of shape %r for Tensor %r, which has shape %r"
                             % (arr.shape, tensor.name, _ts.shape_str(tensor.shape)))
    return arr


def _fetch_structure(graph, fetches, elems, index):
    """Flatten `fetches`; returns a function rebuilding the structure from flat results."""
    if isinstance(fetches, dict):
        subs = [(k, _fetch_structure(graph, v, elems, index)) for k, v in fetches.items()]
        cls = type(fetches)

        def rebuild(flat):
            d = cls() if cls is not dict else {}
            for k, f in subs:
                d[k] = f(flat)
            return d
        return rebuild
    if isinstance(fetches, (list, tuple)):
        subs = [_fetch_structure(graph, v, elems, index) for v in fetches]
        if isinstance(fetches, tuple) and hasattr(fetches, "_fields"):
            cls = type(fetches)
            return lambda flat: cls(*[f(flat) for f in subs])
        if isinstance(fetches, tuple):
            return lambda flat: tuple(f(flat) for f in subs)
        return lambda flat: [f(flat) for f in subs]
    if fetches is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    try:
        elem = graph.as_graph_element(fetches, allow_tensor=True, allow_operation=True)
    except TypeError:
        raise TypeError("Fetch argument %r has invalid type %r, must be a string or Tensor. "
                        "(Can not convert a %s into a Tensor or Operation.)"
                        % (fetches, type(fetches), type(fetches).__name__))
    except ValueError as e:
        raise ValueError("Fetch argument %r cannot be interpreted as a Tensor. (%s)" % (fetches, e))
    except KeyError as e:  # TF1 turns the graph's KeyError into a ValueError here
        raise ValueError("Fetch argument %r cannot be interpreted as a Tensor. (%s)"
                       % (fetches, e.args[0] if e.args else e))
    i = index.get(elem)
    if i is None:
        i = index[elem] = len(elems)
        elems.append(elem)
    if isinstance(elem, _graph.Operation):
        return lambda flat: None
    return lambda flat: flat[i]


def _fetch_key(fetches):
    if isinstance(fetches, dict):
        return (type(fetches), tuple((k, _fetch_key(v)) for k, v in fetches.items()))
    if isinstance(fetches, (list, tuple)):
        return (type(fetches), tuple(_fetch_key(v) for v in fetches))
    return fetches


class BaseSession:
    pass


class Session(BaseSession):
    """Runs ops and evaluates tensors of one graph, holding variable values between runs.

    `with mg.Session() as sess:` also makes the session (and its graph) the default.
    """

    def __init__(self, target="", graph=None, config=None):
        if graph is None:
            graph = _graph.get_default_graph()
        elif not isinstance(graph, _graph.Graph):
            raise TypeError("graph must be a tf.Graph, but got %s" % type(graph).__name__)
        self._graph = graph
        self._closed = False
        self._ctx = RunContext()
        self._cache = {}
        self._cache_lock = threading.Lock()
        self._default_ctx = None
        self._graph_ctx = None

    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return self._graph

    @property
    def sess_str(self):
        return ""

    def close(self):
        """Release the session's variable values; later runs raise RuntimeError."""
        self._closed = True
        self._ctx.variables.clear()
        self._cache.clear()

    def as_default(self):
        return _default_session(self)

    def __enter__(self):
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._default_ctx.__exit__(exc_type, exc, tb)
        self._graph_ctx.__exit__(exc_type, exc, tb)
        self.close()
        return False

    def _plan_for(self, fetches, feed_keys):
        """The cached (plan, rebuild) for these fetches and feed keys."""
        ft = type(fetches)
        if ft is _graph.Tensor or ft is _graph.Operation or ft is str:
            key = (fetches, feed_keys)
        else:
            key = (_fetch_key(fetches), feed_keys)
        entry = self._cache.get(key)
        if entry is not None and entry[2] == self._graph._control_version():
            return entry
        elems, index = [], {}
        rebuild = _fetch_structure(self._graph, fetches, elems, index)
        feed_tensors = []
        for k in feed_keys:
            try:
                t = self._graph.as_graph_element(k, allow_tensor=True, allow_operation=False)
            except (TypeError, ValueError, KeyError) as e:
                raise TypeError("Cannot interpret feed_dict key as Tensor: %s" % (e,))
            feed_tensors.append(t)
        if len(set(feed_tensors)) != len(feed_tensors):
            raise ValueError("feed_dict feeds the same tensor more than once: %s"
                             % [t.name for t in feed_tensors])
        fetch_tensors = [e if isinstance(e, _graph.Tensor) else None for e in elems]
        targets = [e for e in elems if isinstance(e, _graph.Operation)]
        tensors_only = [t for t in fetch_tensors if t is not None]
        plan = _compile_plan(self._graph, tensors_only, targets, feed_tensors)
        # Map the plan's flat tensor results back to the positions of `elems`.
        pos, j = [], 0
        for t in fetch_tensors:
            pos.append(j if t is not None else None)
            j += t is not None
        if all(p == i for i, p in enumerate(pos)):
            flat_rebuild = rebuild
        else:
            def flat_rebuild(flat, _pos=pos, _rebuild=rebuild):
                return _rebuild([None if p is None else flat[p] for p in _pos])
        entry = (plan, flat_rebuild, self._graph._control_version())
        with self._cache_lock:
            self._cache[key] = entry
        return entry

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluate `fetches` (a tensor, op, name, or any nesting of list/tuple/dict/
        namedtuple of them) with `feed_dict` overriding tensor values.

        Returns:
          The fetched values (NumPy arrays; None for ops) in the structure of `fetches`.

        Raises:
          RuntimeError: if the session is closed.
          TypeError: if a fetch or feed has the wrong type.
          ValueError: if a fed value has a shape the tensor cannot take.
          errors.InvalidArgumentError: if a needed placeholder is not fed, or a kernel fails.
          errors.FailedPreconditionError: if an uninitialized variable is read.
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if feed_dict:
            feed_keys = tuple(feed_dict)
            plan, rebuild, _ = self._plan_for(fetches, feed_keys)
            feeds = [_convert_feed(c, v) for c, v in zip(plan.feed_checks, feed_dict.values())]
        else:
            plan, rebuild, _ = self._plan_for(fetches, ())
            feeds = ()
        flat = plan.run(self._ctx, feeds)
        for i, v in enumerate(flat):
            if type(v) is np.ndarray and v.ndim == 0:
                flat[i] = v[()]
        return rebuild(flat)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function that runs `fetches`, taking values for `feed_list` positionally."""
        feed_keys = tuple(feed_list or ())

        def call(*args, **kwargs):
            if len(args) != len(feed_keys):
                raise TypeError("Callable expects %d feed values, got %d"
                                % (len(feed_keys), len(args)))
            return self.run(fetches, dict(zip(feed_keys, args)) if feed_keys else None)
        return call

    def list_devices(self):
        return ["/job:localhost/replica:0/task:0/device:CPU:0"]


class InteractiveSession(Session):
    """A Session that makes itself the default session (and its graph the default graph)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()

    def close(self):
        if not self._closed:
            try:
                self._graph_ctx.__exit__(None, None, None)
                self._default_ctx.__exit__(None, None, None)
            except Exception:  # closing out of nesting order: leave the stacks alone
                pass
        super().close()


_session_local = threading.local()


def _session_stack():
    s = getattr(_session_local, "stack", None)
    if s is None:
        s = _session_local.stack = []
    return s


class _default_session:  # noqa: N801
    def __init__(self, sess):
        self._sess = sess

    def __enter__(self):
        _session_stack().append(self._sess)
        return self._sess

    def __exit__(self, *exc):
        stack = _session_stack()
        if stack and stack[-1] is self._sess:
            stack.pop()
        elif self._sess in stack:
            stack.remove(self._sess)
        return False


def get_default_session():
    """The innermost session entered with `as_default()` / `with`, else None."""
    stack = _session_stack()
    return stack[-1] if stack else None


def _run_with_default(element, feed_dict, session, what):
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate %s using %s: No default session is registered. "
                             "Use `with sess.as_default()` or pass an explicit session to "
                             "`%s`" % (element.name, what, what.replace("()", "(session=sess)")))
    if session.graph is not element.graph:
        raise ValueError("Cannot use the given session to evaluate %s: its graph is different "
                         "from the session's graph." % element.name)
    return session.run(element, feed_dict)
