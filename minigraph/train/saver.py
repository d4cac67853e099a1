"""`Saver`: save variables to checkpoints and restore them, with TF1's API and bookkeeping.

The file format and the crash-safety argument are in `checkpoint_io`; the `checkpoint`
state file in `checkpoint_management`. Unlike TF1, a Saver adds no ops to the graph:
`save` fetches the variables' values with one `Session.run`, and `restore` writes the
loaded values into the session's variable store, so restored variables count as
initialized. A Saver therefore also works on a finalized graph.

Checkpoint keys are the variables' op names ("dense/kernel"), or the keys of a
`var_list` dict. A partitioned variable is saved whole, under its own name, with its
full shape: a checkpoint does not depend on how a variable was partitioned.
"""
import numbers
import os
import threading
import time

import numpy as np

from minigraph.framework import errors
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.train import checkpoint_io
from minigraph.train import checkpoint_management as _cm
from minigraph.train import saveable
from minigraph.train import training_util


class SaverDef:
    """The configuration of a Saver (TF1's SaverDef, without the graph tensor names,
    since a minigraph Saver adds no ops)."""

    V1 = 1
    V2 = 2

    def __init__(self, max_to_keep=5, keep_checkpoint_every_n_hours=10000.0, sharded=False,
                 version=2, filename_tensor_name="", save_tensor_name="", restore_op_name=""):
        self.max_to_keep = max_to_keep
        self.keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self.sharded = sharded
        self.version = version
        self.filename_tensor_name = filename_tensor_name
        self.save_tensor_name = save_tensor_name
        self.restore_op_name = restore_op_name

    def __repr__(self):
        return ("SaverDef(max_to_keep=%r, keep_checkpoint_every_n_hours=%r, sharded=%r, "
                "version=%r)" % (self.max_to_keep, self.keep_checkpoint_every_n_hours,
                                 self.sharded, self.version))


def _check_session(sess):
    from minigraph.framework.session import BaseSession
    if not isinstance(sess, BaseSession):
        raise TypeError("'sess' must be a Session; %s" % (sess,))
    if sess._closed:
        raise RuntimeError("Attempted to use a closed Session.")


class Saver:
    """Saves and restores variables (TF1's `tf.train.Saver`).

    Args:
      var_list: the variables to save: a list (checkpoint keys are the variables' op
        names) or a dict {checkpoint key: variable}; a PartitionedVariable is saved whole
        under its name. Default: every global variable (and SAVEABLE_OBJECTS).
      reshape: on restore, accept a saved value of a different shape with the same number
        of elements (it is reshaped).
      max_to_keep: keep at most this many recent checkpoints (older ones' files are
        deleted); None or 0 keeps all.
      keep_checkpoint_every_n_hours: additionally keep one checkpoint per this many hours.
      allow_empty: with no variables, make `save`/`restore` no-ops instead of raising.
      defer_build: resolve `var_list` only when `build()` is called.
      pad_step_number: name checkpoints "model-00000100" instead of "model-100".
      save_relative_paths: write paths relative to the directory in the state file.
      saver_def: a `SaverDef` to take max_to_keep etc. from.
      sharded, name, restore_sequentially, builder, write_version, filename: accepted for
        TF1 compatibility; minigraph always writes one data file in its own format.

    Raises:
      ValueError: if there are no variables to save (and not `allow_empty`), or two
        variables would be saved under one name.
      TypeError: if `var_list` is not a list or dict, or holds something that is not a
        variable.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        if saver_def is not None:
            max_to_keep = saver_def.max_to_keep
            keep_checkpoint_every_n_hours = saver_def.keep_checkpoint_every_n_hours
            sharded = saver_def.sharded
        if defer_build and var_list is not None:
            raise ValueError("If `var_list` is provided then build cannot be deferred. Either "
                             "set defer_build=False or var_list=None.")
        self._var_list = var_list
        self._reshape = reshape
        self._sharded = sharded
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._name = name
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._save_relative_paths = save_relative_paths
        self._filename = filename
        self.saver_def = SaverDef(max_to_keep, keep_checkpoint_every_n_hours, sharded,
                                  write_version)
        self._next_checkpoint_time = time.time() + keep_checkpoint_every_n_hours * 3600
        self._last_checkpoints = []          # (path, time), oldest first
        self._checkpoints_to_be_deleted = []
        self._lock = threading.Lock()
        self._is_built = False
        self._is_empty = False
        self._graph = None
        self._saveables = []
        if not defer_build:
            self.build()

    def build(self):
        """Resolve the variables to save (the default: the graph's global variables).

        Raises:
          ValueError, TypeError: as the constructor.
        """
        if self._is_built:
            return
        var_list = self._var_list
        graph = _graph.get_default_graph()
        if var_list is None:
            var_list = saveable.all_saveable_objects(graph)
        if isinstance(var_list, dict):
            saveables = saveable.saveables_from_dict(var_list)
        elif isinstance(var_list, (list, tuple, set)):
            saveables = saveable.saveables_from_list(list(var_list))
        else:
            raise TypeError("Variables to save should be passed in a dict or a list. Got %r"
                            % (var_list,))
        if not saveables:
            if not self._allow_empty:
                raise ValueError("No variables to save")
            self._is_empty = True
        else:
            graph = saveables[0].parts[0][0].graph
            for s in saveables:
                for op, _, _ in s.parts:
                    if op.graph is not graph:
                        raise ValueError("Saver: variable %s is from a different graph than %s"
                                         % (op.name, saveables[0].parts[0][0].name))
        self._saveables = saveables
        self._graph = graph
        self._is_built = True

    # -- bookkeeping of kept checkpoints ------------------------------------------------------
    @property
    def last_checkpoints(self):
        """The kept checkpoint prefixes, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        if not isinstance(last_checkpoints, list):
            raise TypeError("last_checkpoints must be a list, got %r" % (last_checkpoints,))
        self._last_checkpoints = [(p, None) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        if not isinstance(last_checkpoints_with_time, list):
            raise TypeError("last_checkpoints_with_time must be a list, got %r"
                            % (last_checkpoints_with_time,))
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths):
        """Resume the bookkeeping (and deletion) of `checkpoint_paths`, e.g. after a restart.

        Paths whose files are gone are dropped.
        """
        with_time = []
        for p in checkpoint_paths:
            mtime = _cm.get_checkpoint_mtimes([p])
            if mtime:
                with_time.append((p, mtime[0]))
        self.set_last_checkpoints_with_time(with_time)

    def _record_last_checkpoint(self, path):
        if not self.saver_def.max_to_keep:
            return
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != path]
        self._last_checkpoints.append((path, time.time()))
        while len(self._last_checkpoints) > self.saver_def.max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix):
        while self._checkpoints_to_be_deleted:
            path, saved_at = self._checkpoints_to_be_deleted.pop(0)
            # Keep one checkpoint per keep_checkpoint_every_n_hours, as TF1 does.
            if saved_at is not None and saved_at > self._next_checkpoint_time:
                self._next_checkpoint_time += self.saver_def.keep_checkpoint_every_n_hours * 3600
                continue
            _cm.remove_checkpoint(path, meta_graph_suffix=meta_graph_suffix)

    # -- save -------------------------------------------------------------------------------------
    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Save the variables' values in `sess` as checkpoint `save_path`[-global_step].

        The checkpoint files are complete before the state file names them; files of
        checkpoints beyond `max_to_keep` are deleted afterwards.

        Args:
          sess: the session holding the values.
          save_path: the checkpoint prefix, e.g. "/dir/model.ckpt".
          global_step: optional int, or a variable/tensor whose value is used, appended
            as "-<step>".
          latest_filename: name of the state file (default "checkpoint").
          meta_graph_suffix: extension of the meta graph file.
          write_meta_graph: also write `<prefix>.meta` (the graph, as JSON).
          write_state: update the state file and the kept-checkpoints list.

        Returns:
          The checkpoint prefix written (e.g. "/dir/model.ckpt-100"), or None if the Saver
          is empty.

        Raises:
          TypeError: if `sess` is not a Session.
          ValueError: if `latest_filename` has a directory part or equals the checkpoint's
            file name, or the directory cannot be created.
          errors.FailedPreconditionError: if a variable is not initialized.
        """
        if not self._is_built:
            raise RuntimeError("`build()` should be called before save if defer_build==True")
        if latest_filename is None:
            latest_filename = "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = os.fspath(save_path)
        if global_step is not None:
            if not isinstance(global_step, numbers.Integral):
                global_step = training_util.global_step(sess, global_step)
            if self._pad_step_number:
                checkpoint_file = "%s-%08d" % (save_path, global_step)
            else:
                checkpoint_file = "%s-%d" % (save_path, global_step)
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == latest_filename and not self._sharded:
                raise ValueError("'latest_filename' collides with 'save_path': '%s' and '%s'"
                                 % (latest_filename, save_path))
        _check_session(sess)
        save_dir = os.path.dirname(save_path)
        if self._is_empty:
            return None
        self._check_graph(sess)
        if save_dir:
            try:
                os.makedirs(save_dir, exist_ok=True)
            except OSError:
                raise ValueError("Parent directory of %s doesn't exist, can't save." % save_path)
        checkpoint_io.write_checkpoint(checkpoint_file, self._fetch_values(sess))
        if write_meta_graph:
            self._write_meta_graph(sess, _cm.meta_graph_filename(checkpoint_file,
                                                                 meta_graph_suffix),
                                   strip_default_attrs, save_debug_info)
        if write_state:
            with self._lock:
                self._record_last_checkpoint(checkpoint_file)
                _cm.update_checkpoint_state(
                    save_dir, checkpoint_file, self.last_checkpoints, latest_filename,
                    save_relative_paths=self._save_relative_paths)
                self._maybe_delete_old_checkpoints(meta_graph_suffix)
        return checkpoint_file

    def _check_graph(self, sess):
        if sess.graph is not self._graph:
            raise ValueError("The Saver's variables (e.g. %s) are not in the graph of the given "
                             "session; use the session of the graph the Saver was built in"
                             % self._saveables[0].name)

    def _fetch_values(self, sess):
        ops = [op for s in self._saveables for op, _, _ in s.parts]
        values = dict(zip(ops, sess.run([op._outputs[0] for op in ops])))
        out = {}
        for s in self._saveables:
            if s.full_shape is None:
                out[s.name] = np.asarray(values[s.parts[0][0]])
                continue
            full = np.empty(s.full_shape, dtype=s.dtype.as_numpy_dtype)
            covered = 0
            for op, offset, shape in s.parts:
                full[tuple(slice(o, o + n) for o, n in zip(offset, shape))] = values[op]
                covered += int(np.prod(shape))
            if covered != full.size:
                raise ValueError("Cannot save partitioned variable %s: its partitions cover %d "
                                 "of its %d elements" % (s.name, covered, full.size))
            out[s.name] = full
        return out

    def _write_meta_graph(self, sess, path, strip_default_attrs, save_debug_info):
        exporter = _meta_graph_exporter()
        if exporter is None:
            return
        exporter(filename=path, graph=sess.graph, saver_def=self.saver_def,
                 strip_default_attrs=strip_default_attrs, save_debug_info=save_debug_info)

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False,
                          export_scope=None, clear_devices=False, clear_extraneous_savers=False,
                          strip_default_attrs=False, save_debug_info=False):
        """Write the Saver's graph as a meta graph file (see `mg.train.export_meta_graph`).

        Raises:
          NotImplementedError: if this minigraph has no meta graph support.
        """
        exporter = _meta_graph_exporter()
        if exporter is None:
            raise NotImplementedError("export_meta_graph is not available in this minigraph")
        return exporter(filename=filename, graph=self._graph or _graph.get_default_graph(),
                        saver_def=self.saver_def, collection_list=collection_list,
                        as_text=as_text, export_scope=export_scope, clear_devices=clear_devices,
                        clear_extraneous_savers=clear_extraneous_savers,
                        strip_default_attrs=strip_default_attrs, save_debug_info=save_debug_info)

    def as_saver_def(self):
        return self.saver_def

    # -- restore ----------------------------------------------------------------------------------
    def restore(self, sess, save_path):
        """Set the variables in `sess` to the values saved in checkpoint `save_path`.

        Every variable is checked (present, same dtype, same shape) before any is set, so a
        failed restore changes nothing. Restored variables count as initialized.

        Raises:
          ValueError: if `save_path` is None or is not a checkpoint.
          errors.NotFoundError: if a variable is missing from the checkpoint, or the
            checkpoint's data file is gone.
          errors.InvalidArgumentError: if a saved value has another shape or dtype than its
            variable.
          TypeError: if `sess` is not a Session.
        """
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if not _cm.checkpoint_exists(save_path):
            raise ValueError("The passed save_path is not a valid checkpoint: %s" % save_path)
        _check_session(sess)
        self._check_graph(sess)
        with checkpoint_io.CheckpointReader(save_path) as reader:
            new_values = {}
            for s in self._saveables:
                value = self._checked_value(reader, s, save_path)
                if s.full_shape is None:
                    new_values[s.parts[0][0]] = value
                    continue
                for op, offset, shape in s.parts:
                    part = value[tuple(slice(o, o + n) for o, n in zip(offset, shape))]
                    new_values[op] = np.array(part, copy=True)
        variables = sess._ctx.variables
        for op, value in new_values.items():
            variables[op] = value

    def _checked_value(self, reader, s, save_path):
        if not reader.has_tensor(s.name):
            raise errors.NotFoundError(
                None, None, "Key %s not found in checkpoint %s (restoring variable %s; the "
                            "checkpoint holds: %s)"
                % (s.name, save_path, s.parts[0][0].name,
                   ", ".join(sorted(reader.get_variable_to_shape_map())) or "nothing"))
        value = reader.get_tensor(s.name)
        want = s.dtype
        if value.dtype != np.dtype(want.as_numpy_dtype):
            raise errors.InvalidArgumentError(
                None, None, "tensor_name = %s; expected dtype %s does not equal original dtype "
                            "%s (restoring variable %s from checkpoint %s)"
                % (s.name, want.name, value.dtype.name, s.parts[0][0].name, save_path))
        shape = s.static_shape()
        if not shape.is_compatible_with(value.shape):
            if (self._reshape and shape.is_fully_defined()
                    and int(np.prod(shape.as_list())) == value.size):
                return value.reshape(shape.as_list())
            raise errors.InvalidArgumentError(
                None, None, "Restoring variable %s from checkpoint %s: the variable has shape %s "
                            "but the checkpoint holds shape %s for key %s"
                % (s.parts[0][0].name, save_path, _ts.shape_str(shape), list(value.shape),
                   s.name))
        return value


def _meta_graph_exporter():
    """`export_meta_graph` if minigraph has meta graph support, else None."""
    try:
        from minigraph.framework import meta_graph
    except ModuleNotFoundError as e:
        if e.name == "minigraph.framework.meta_graph":
            return None
        raise
    return getattr(meta_graph, "export_meta_graph", None)
