"""The `checkpoint` state file and checkpoint discovery (`latest_checkpoint`, ...).

The state file (default name "checkpoint", next to the checkpoints) is TF1's text
format, so tools that read TF1 checkpoint directories understand it:

    model_checkpoint_path: "/dir/model.ckpt-300"
    all_model_checkpoint_paths: "/dir/model.ckpt-200"
    all_model_checkpoint_paths: "/dir/model.ckpt-300"

Strings are C-escaped as TF's text format does. The file is replaced atomically, and
`Saver.save` updates it only after the checkpoint it names is completely written.
"""
import glob
import os
import re

from minigraph.train import checkpoint_io


class CheckpointState:
    """TF1's CheckpointState: the newest checkpoint and every one still kept."""

    def __init__(self, model_checkpoint_path="", all_model_checkpoint_paths=None):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths or [])

    def __eq__(self, other):
        return (isinstance(other, CheckpointState)
                and self.model_checkpoint_path == other.model_checkpoint_path
                and self.all_model_checkpoint_paths == other.all_model_checkpoint_paths)

    def __str__(self):
        lines = ['model_checkpoint_path: "%s"' % _c_escape(self.model_checkpoint_path)]
        lines += ['all_model_checkpoint_paths: "%s"' % _c_escape(p)
                  for p in self.all_model_checkpoint_paths]
        return "\n".join(lines) + "\n"

    __repr__ = __str__


def _c_escape(text):
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "'":
            out.append("\\'")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return "".join(out)


_SIMPLE_ESCAPES = {"n": 0x0a, "r": 0x0d, "t": 0x09, "\\": 0x5c, "'": 0x27, '"': 0x22,
                   "a": 0x07, "b": 0x08, "f": 0x0c, "v": 0x0b, "?": 0x3f}


def _c_unescape(text):
    raw, i = bytearray(), 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            raw += c.encode("utf-8")
            i += 1
            continue
        if i + 1 >= len(text):
            raise ValueError("dangling backslash")
        n = text[i + 1]
        if n in _SIMPLE_ESCAPES:
            raw.append(_SIMPLE_ESCAPES[n])
            i += 2
        elif n in "01234567":
            j = i + 1
            while j < len(text) and j < i + 4 and text[j] in "01234567":
                j += 1
            raw.append(int(text[i + 1:j], 8) & 0xff)
            i = j
        elif n in "xX":
            j = i + 2
            while j < len(text) and j < i + 4 and text[j] in "0123456789abcdefABCDEF":
                j += 1
            raw.append(int(text[i + 2:j], 16))
            i = j
        else:
            raise ValueError("unknown escape \\%s" % n)
    return raw.decode("utf-8")


def _parse_state(text):
    """Parse the text-format state; unknown fields (e.g. TF2's timestamps) are ignored."""
    state = CheckpointState()
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        value = value.strip()
        if not sep:
            raise ValueError("line %d: expected 'field: value', got %r" % (lineno, line))
        key = key.strip()
        if key not in ("model_checkpoint_path", "all_model_checkpoint_paths"):
            continue
        if len(value) < 2 or value[0] not in "\"'" or value[-1] != value[0]:
            raise ValueError("line %d: %s must be a quoted string, got %s" % (lineno, key, value))
        s = _c_unescape(value[1:-1])
        if key == "model_checkpoint_path":
            state.model_checkpoint_path = s
        else:
            state.all_model_checkpoint_paths.append(s)
    return state


def _state_path(checkpoint_dir, latest_filename):
    return os.path.join(checkpoint_dir, latest_filename or "checkpoint")


def generate_checkpoint_state_proto(save_dir, model_checkpoint_path,
                                    all_model_checkpoint_paths=None):
    """A `CheckpointState` naming `model_checkpoint_path` last among all kept paths.

    As in TF1, when `save_dir` is relative, relative paths are rewritten relative to it.
    """
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    return CheckpointState(model_checkpoint_path, paths)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None, save_relative_paths=False):
    """Atomically (re)write the state file in `save_dir`.

    Args:
      save_dir: directory of the state file.
      model_checkpoint_path: the newest checkpoint prefix.
      all_model_checkpoint_paths: every kept checkpoint, oldest first.
      latest_filename: state file name (default "checkpoint").
      save_relative_paths: write paths relative to `save_dir`.

    Raises:
      RuntimeError: if the state file would overwrite the checkpoint it describes.
    """
    if save_relative_paths:
        model_checkpoint_path = (os.path.relpath(model_checkpoint_path, save_dir)
                                 if os.path.isabs(model_checkpoint_path) else model_checkpoint_path)
        all_model_checkpoint_paths = [os.path.relpath(p, save_dir) if os.path.isabs(p) else p
                                      for p in all_model_checkpoint_paths or []]
    state = generate_checkpoint_state_proto(save_dir, model_checkpoint_path,
                                            all_model_checkpoint_paths)
    path = _state_path(save_dir, latest_filename)
    if path == state.model_checkpoint_path:
        raise RuntimeError("Save path '%s' conflicts with path used for checkpoint state.  "
                           "Please use a different save path." % model_checkpoint_path)
    checkpoint_io.atomic_write_string(path, str(state))


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The `CheckpointState` in `checkpoint_dir`, with relative paths made absolute-ish.

    Returns:
      The state, or None if there is no readable state file (as TF1, which only logs).

    Raises:
      ValueError: if the state file names no checkpoint at all.
    """
    path = _state_path(checkpoint_dir, latest_filename)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        state = _parse_state(text)
    except ValueError:
        return None
    if not state.model_checkpoint_path:
        raise ValueError("Invalid checkpoint state loaded from %s: it names no "
                         "model_checkpoint_path (file %s)" % (checkpoint_dir, path))
    if not os.path.isabs(state.model_checkpoint_path):
        state.model_checkpoint_path = os.path.join(checkpoint_dir, state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [
        p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
        for p in state.all_model_checkpoint_paths]
    return state


def checkpoint_exists(checkpoint_prefix):
    """Whether a complete checkpoint with this prefix exists (its index file is there)."""
    return os.path.isfile(checkpoint_io.index_filename(checkpoint_prefix))


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint recorded in `checkpoint_dir`, else None.

    None also when the state file names a checkpoint whose files are gone.
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is not None and state.model_checkpoint_path \
            and checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def get_checkpoint_mtimes(checkpoint_prefixes):
    """Modification times of the given checkpoints (missing ones are skipped)."""
    out = []
    for prefix in checkpoint_prefixes:
        try:
            out.append(os.path.getmtime(checkpoint_io.index_filename(prefix)))
        except OSError:
            pass
    return out


def meta_graph_filename(checkpoint_filename, meta_graph_suffix="meta"):
    """"/dir/model.ckpt-100" -> "/dir/model.ckpt-100.meta" (a "-?????-of-?????" shard suffix
    is dropped first, as in TF1)."""
    basename = re.sub(r"-[\d\?]+-of-\d+$", "", checkpoint_filename)
    return ".".join([basename, meta_graph_suffix])


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=2, meta_graph_suffix="meta"):
    """Delete the files of one checkpoint (missing files are ignored)."""
    paths = [checkpoint_io.index_filename(checkpoint_prefix),
             meta_graph_filename(checkpoint_prefix, meta_graph_suffix)]
    paths += glob.glob(glob.escape(checkpoint_prefix) + ".data-?????-of-?????")
    for p in paths:
        try:
            os.remove(p)
        except FileNotFoundError:
            pass

