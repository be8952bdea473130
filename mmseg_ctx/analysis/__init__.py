# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The library of the tools and tests: label basis estimation and mIoU*,
memory initialisation by clustering, complexity counting, training-step
and memory cost, timing, BN folding, report writing, ONNX export; and,
imported on their own, each tool's work in a module named for it (e.g.
:mod:`.demo`, :mod:`.training_cost`, :mod:`.context_complexity`,
:mod:`.camvid_conversion`), the benchmark of config pairs
(:mod:`.benchmark`) and the GPU check (:mod:`.gpu_check`, the standard
library only, which its tool loads before the stack is installed).

The top layer: it may import everything below (``models``, ``engine``,
``datasets``, mmseg's APIs); nothing below imports it, and
``import mmseg_ctx`` does not. ``tools/`` are thin command lines over it:
argument parsing, a call, printing (``tests/test_layout.py``).
"""
from .bn_folding import count_batch_norms, fold_batch_norm, load_folded_model
from .complexity import flop_analyzer, sdpa_flop_jit
from .config_basis import (bilinear_restore, compute_label_basis,
                           ensure_config_basis, ensure_label_basis,
                           upper_bound)
from .label_basis_estimator import LabelBasisEstimator
from .label_resolution_memory import LabelResolutionMemory
from .memory_init import (check_trained_weights, cosine_cluster_center,
                          mcibi_head, pixel_representations)
from .onnx_export import SegLogits, export_onnx, onnx_differences
from .peak_memory import peak_bytes
from .reporting import run_table_tool, write_markdown
from .train_step import TrainStep, load_step_config

__all__ = [
    'LabelBasisEstimator', 'LabelResolutionMemory', 'SegLogits', 'TrainStep',
    'bilinear_restore', 'check_trained_weights', 'compute_label_basis',
    'cosine_cluster_center', 'count_batch_norms', 'ensure_config_basis',
    'ensure_label_basis', 'export_onnx', 'flop_analyzer', 'fold_batch_norm',
    'load_folded_model', 'load_step_config', 'mcibi_head', 'onnx_differences',
    'peak_bytes', 'pixel_representations', 'run_table_tool', 'sdpa_flop_jit',
    'upper_bound', 'write_markdown'
]
