"""Reading checkpoints without a graph: `list_variables`, `load_variable`, `load_checkpoint`."""
import os

from minigraph.train import checkpoint_io
from minigraph.train import checkpoint_management as _cm


def _get_checkpoint_filename(ckpt_dir_or_file):
    if os.path.isdir(ckpt_dir_or_file):
        return _cm.latest_checkpoint(ckpt_dir_or_file)
    return ckpt_dir_or_file


def load_checkpoint(ckpt_dir_or_file):
    """A `CheckpointReader` for a checkpoint prefix, or for the newest one in a directory.

    Raises:
      ValueError: if a directory holds no checkpoint.
      errors.NotFoundError: if the checkpoint's files do not exist.
    """
    filename = _get_checkpoint_filename(ckpt_dir_or_file)
    if filename is None:
        raise ValueError("Couldn't find 'checkpoint' file or checkpoints in given directory %s"
                         % ckpt_dir_or_file)
    return checkpoint_io.NewCheckpointReader(filename)


def load_variable(ckpt_dir_or_file, name):
    """The saved value of `name` (a trailing ":0" is ignored) as a NumPy array."""
    if name.endswith(":0"):
        name = name[:-2]
    with load_checkpoint(ckpt_dir_or_file) as reader:
        return reader.get_tensor(name)


def list_variables(ckpt_dir_or_file):
    """[(name, shape), ...] of every tensor in a checkpoint, sorted by name."""
    with load_checkpoint(ckpt_dir_or_file) as reader:
        return sorted(reader.get_variable_to_shape_map().items())
