# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The Runner every entry point builds (:class:`ContextRunner`) and what it
drives: hooks, model and optim wrappers (bf16 AMP on a CPU), the CPU
launcher set-up,
mmengine's checkpoint loader for torch >= 2.6 and what ``--resume`` means."""
from .checkpoint import (TRUST_ENV, checkpoint_safe_globals, load_from_local,
                         register_checkpoint_loader, resolve_resume)
from .hooks import (ChannelsLastHook, EvalDeterminismHook, MCIBIMemoryHook,
                    RNGStateHook, add_hook, add_rng_state_hook)
from .launcher import release_distributed, setup_cpu_distributed
from .optim import (CPUAmpOptimWrapper, amp_for_device, amp_optim_wrapper,
                    amp_runs_natively, cpu_supports_bf16)
from .runner import ContextRunner, build_runner
from .wrappers import CPUDistributedDataParallel

__all__ = [
    'CPUAmpOptimWrapper', 'CPUDistributedDataParallel', 'ChannelsLastHook',
    'ContextRunner', 'amp_for_device',
    'EvalDeterminismHook', 'MCIBIMemoryHook', 'RNGStateHook', 'TRUST_ENV',
    'add_hook', 'add_rng_state_hook', 'amp_optim_wrapper', 'amp_runs_natively',
    'build_runner',
    'checkpoint_safe_globals', 'cpu_supports_bf16', 'load_from_local',
    'register_checkpoint_loader',
    'release_distributed', 'resolve_resume', 'setup_cpu_distributed'
]
