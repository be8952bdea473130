# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The GPU check's library (``tools/misc/gpu_check.py``): the kit of the
stack for a machine without network, and the checks of what only a GPU can
tell (the suite's device cases, training with AMP, resume, the timed
tables), each in its own processes within a budget, and their report.

The standard library only (torch, mmengine where a check needs them, once
installed): the tool loads this package from its folder, before the stack
that ``mmseg_ctx`` imports is installed.
"""
from .check import ROOT, Check, run_check
from .checks import CHECKS, MODES
from .kit import WHEELS, install, prepare
from .resume import compare_runs, max_difference
from .session import deadlines, markdown_report, run
from .training import METHODS, test_miou

__all__ = [
    'CHECKS', 'MODES', 'METHODS', 'ROOT', 'WHEELS', 'Check', 'compare_runs',
    'deadlines', 'install', 'markdown_report', 'max_difference', 'prepare',
    'run', 'run_check', 'test_miou'
]
