# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""What the Runner drives: hooks, model wrappers, the CPU launcher set-up,
mmengine's checkpoint loader for torch >= 2.6 and what ``--resume`` means."""
from .checkpoint import (TRUST_ENV, checkpoint_safe_globals, load_from_local,
                         register_checkpoint_loader, resolve_resume)
from .hooks import (EvalDeterminismHook, MCIBIMemoryHook, RNGStateHook,
                    add_hook, add_rng_state_hook)
from .launcher import release_distributed, setup_cpu_distributed
from .wrappers import CPUDistributedDataParallel

__all__ = [
    'CPUDistributedDataParallel', 'EvalDeterminismHook', 'MCIBIMemoryHook',
    'RNGStateHook', 'TRUST_ENV', 'add_hook', 'add_rng_state_hook',
    'checkpoint_safe_globals', 'load_from_local', 'register_checkpoint_loader',
    'release_distributed', 'resolve_resume', 'setup_cpu_distributed'
]
