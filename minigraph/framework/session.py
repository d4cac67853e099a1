"""Sessions: run the part of a graph that fetches need, with feeds, through cached plans.

`Session.run(fetches, feed_dict)` turns (fetches, feed keys) into a *plan* once and caches
it. A plan is the pruned subgraph in a valid order (data and control edges), compiled into
one straight-line Python function: constants are bound in, every intermediate is a local
variable that is deleted right after its last use (early release of memory), and a
failing kernel is reported as an `OpError` naming the op. A repeated `run` therefore only
checks feeds, calls that function and rebuilds the fetch structure.

Plans and graph structure are immutable once built and all per-run values are locals of
the plan function, so concurrent `run` calls on one session do not share intermediate
state; variable values and random generators live in the session's `RunContext`. How
plans are built is in plan.py.
"""
import threading

import numpy as np

from minigraph.framework import graph as _graph
from minigraph.framework.plan import (  # noqa: F401 - needed_ops is shared with mg.viz
    RunContext, _compile_plan, _convert_feed, needed_ops)


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
