"""`mg.train`: TF1's `tf.train` namespace (optimizers, global step, Saver, checkpoints)."""
from minigraph.train.optimizer import Optimizer  # noqa: F401
from minigraph.train.optimizers import (  # noqa: F401
    GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer, RMSPropOptimizer)
from minigraph.train.training_util import (  # noqa: F401
    global_step, get_global_step, create_global_step, get_or_create_global_step,
    assert_global_step)
from minigraph.train.saver import Saver, SaverDef  # noqa: F401
from minigraph.train.checkpoint_management import (  # noqa: F401
    CheckpointState, latest_checkpoint, get_checkpoint_state, update_checkpoint_state,
    generate_checkpoint_state_proto, checkpoint_exists, get_checkpoint_mtimes,
    remove_checkpoint)
from minigraph.train.checkpoint_io import NewCheckpointReader  # noqa: F401
from minigraph.train.checkpoint_utils import (  # noqa: F401
    load_checkpoint, load_variable, list_variables)
from minigraph.framework.meta_graph import export_meta_graph, import_meta_graph  # noqa: F401
