# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""What the Runner drives: hooks, model wrappers, the CPU launcher set-up
and mmengine's checkpoint loader for torch >= 2.6."""
from .checkpoint import load_from_local, register_checkpoint_loader
from .hooks import MCIBIMemoryHook
from .launcher import release_distributed, setup_cpu_distributed
from .wrappers import CPUDistributedDataParallel

__all__ = [
    'CPUDistributedDataParallel', 'MCIBIMemoryHook', 'load_from_local',
    'register_checkpoint_loader', 'release_distributed',
    'setup_cpu_distributed'
]
