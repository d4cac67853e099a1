"""The checkpoint file format: writing and reading the tensors saved under one prefix.

A checkpoint with prefix `P` (e.g. "/dir/model.ckpt-100") is two files:

- `P.data-00000-of-00001`: an uncompressed NumPy `.npz` archive (a zip of `.npy` files,
  read with `np.load(allow_pickle=False)`, so loading never runs code). Tensors are stored
  under the keys "t0", "t1", ... and the archive holds one more entry, "header": a uint8
  vector of UTF-8 JSON `{"format": "minigraph-checkpoint", "version": 1, "tensors":
  [{"name": "w", "key": "t0", "dtype": "float32", "shape": [2]}, ...]}`. The data file is
  self-describing: restoring reads only this file.
- `P.index`: the same JSON, as plain text, so tools and people can list a checkpoint
  without opening the archive. Its existence is what marks `P` as a checkpoint (as in
  TF1, where code checks `os.path.exists(P + ".index")`).

Both files are written to a temporary name in the same directory, flushed to disk and
moved into place with `os.replace`, data first. A process killed at any moment therefore
leaves either the previous complete files or the new complete ones at each name; and
because the data file describes itself, a crash between the two renames still restores
a consistent (the new) checkpoint. Leftover `*.tmp-*` files of a killed writer are
harmless and are not mistaken for checkpoints.
"""
import json
import os

import numpy as np

from minigraph.framework import errors
from minigraph.framework.file_io import atomic_write, atomic_write_string  # noqa: F401

FORMAT = "minigraph-checkpoint"
VERSION = 1
_HEADER_KEY = "header"


def data_filename(prefix):
    return prefix + ".data-00000-of-00001"


def index_filename(prefix):
    return prefix + ".index"


def write_checkpoint(prefix, tensors):
    """Write `tensors` (an ordered dict {name: NumPy array}) as checkpoint `prefix`.

    Raises:
      OSError: if the files cannot be written.
    """
    entries, arrays = [], {}
    for i, (name, value) in enumerate(tensors.items()):
        value = np.asarray(value)
        if value.dtype.kind not in "fiub":
            raise TypeError("Cannot save %s: dtype %s is not numeric" % (name, value.dtype))
        key = "t%d" % i
        arrays[key] = value
        entries.append({"name": name, "key": key, "dtype": value.dtype.name,
                        "shape": list(value.shape)})
    header = json.dumps({"format": FORMAT, "version": VERSION, "tensors": entries},
                        indent=1, sort_keys=True)
    arrays[_HEADER_KEY] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    atomic_write(data_filename(prefix), lambda f: np.savez(f, **arrays))
    atomic_write_string(index_filename(prefix), header + "\n")


class CheckpointReader:
    """Reads the tensors of one checkpoint (TF1's `tf.train.NewCheckpointReader`).

    Raises (from the constructor):
      errors.NotFoundError: if the checkpoint's files do not exist.
      errors.DataLossError: if the data file is not a minigraph checkpoint.
    """

    def __init__(self, prefix):
        self._prefix = prefix
        path = data_filename(prefix)
        if not os.path.exists(path):
            raise errors.NotFoundError(
                None, None, "Unsuccessful TensorSliceReader constructor: Failed to find any "
                            "matching files for %s (no file %s)" % (prefix, path))
        try:
            self._npz = np.load(path, allow_pickle=False)
            header = json.loads(bytes(self._npz[_HEADER_KEY]).decode("utf-8"))
            if header.get("format") != FORMAT:
                raise ValueError("format is %r" % header.get("format"))
        except Exception as e:  # noqa: BLE001 - any failure to parse means a bad file
            raise errors.DataLossError(
                None, None, "Unable to read checkpoint %s: %s is not a minigraph checkpoint "
                            "data file (%s: %s)" % (prefix, path, type(e).__name__, e))
        self._entries = {e["name"]: e for e in header["tensors"]}

    @property
    def prefix(self):
        return self._prefix

    def has_tensor(self, name):
        return name in self._entries

    def get_variable_to_shape_map(self):
        return {n: list(e["shape"]) for n, e in self._entries.items()}

    def get_variable_to_dtype_map(self):
        from minigraph.framework import dtypes
        return {n: dtypes.as_dtype(e["dtype"]) for n, e in self._entries.items()}

    def get_tensor(self, name):
        """The saved value of `name` (a fresh array).

        Raises:
          errors.NotFoundError: if the checkpoint has no tensor called `name`.
        """
        e = self._entries.get(name)
        if e is None:
            raise errors.NotFoundError(
                None, None, "Key %s not found in checkpoint %s (it holds: %s)"
                            % (name, self._prefix, ", ".join(sorted(self._entries)) or "nothing"))
        try:
            value = self._npz[e["key"]]
        except Exception as ex:  # noqa: BLE001
            raise errors.DataLossError(None, None, "Checkpoint %s: cannot read tensor %s (%s)"
                                       % (self._prefix, name, ex))
        if value.dtype.name != e["dtype"] or list(value.shape) != e["shape"]:
            raise errors.DataLossError(
                None, None, "Checkpoint %s is corrupt: tensor %s has dtype %s and shape %s in "
                            "the data file but the header says %s %s"
                            % (self._prefix, name, value.dtype, list(value.shape), e["dtype"],
                               e["shape"]))
        return value

    def debug_string(self):
        return "".join("%s (%s) %s\n" % (n, e["dtype"], e["shape"])
                       for n, e in sorted(self._entries.items())).encode("utf-8")

    def close(self):
        self._npz.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def NewCheckpointReader(filepattern):  # noqa: N802 - TF1 name
    """A `CheckpointReader` for checkpoint prefix `filepattern`."""
    return CheckpointReader(filepattern)
