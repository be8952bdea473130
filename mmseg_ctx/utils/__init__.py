# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .checkpoint import load_from_local
from .complexity import flop_analyzer, sdpa_flop_jit
from .config_utils import (add_runner_args, load_runner_config,
                           parse_runner_args)
from .deploy import count_batch_norms, fold_batch_norm, load_folded_model
from .dist_utils import release_distributed, setup_cpu_distributed
from .dupsampling_basis import (bilinear_restore, compute_label_basis,
                                ensure_label_basis, load_label_basis,
                                save_label_basis, upper_bound)
from .label_basis import LabelBasisEstimator
from .memory_features import (cosine_cluster_center, mcibi_head,
                              pixel_representations)
from .reporting import write_markdown

__all__ = [
    'LabelBasisEstimator', 'add_runner_args', 'bilinear_restore',
    'compute_label_basis', 'cosine_cluster_center', 'count_batch_norms',
    'ensure_label_basis', 'flop_analyzer', 'fold_batch_norm',
    'load_folded_model', 'load_from_local', 'load_label_basis',
    'load_runner_config', 'mcibi_head', 'parse_runner_args',
    'pixel_representations', 'release_distributed', 'save_label_basis',
    'sdpa_flop_jit', 'setup_cpu_distributed', 'upper_bound', 'write_markdown'
]
