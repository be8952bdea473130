# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The Runner every entry point builds (:class:`ContextRunner`), the
command line and config loading of the entry points, and what the Runner
drives: hooks, model and optim wrappers (bf16 AMP on a CPU), the CPU
launcher set-up, mmengine's checkpoint loader for torch >= 2.6 and what
``--resume`` means."""
from .checkpoint import (TRUST_ENV, checkpoint_safe_globals, load_from_local,
                         resolve_resume)
from .checkpoint_schemes import register_checkpoint_loader
from .hooks import (ChannelsLastHook, EvalDeterminismHook, MCIBIMemoryHook,
                    RNGStateHook, add_hook, add_rng_state_hook)
from .launcher import release_distributed, setup_cpu_distributed
from .optim import (CPUAmpOptimWrapper, amp_for_device, amp_optim_wrapper,
                    amp_runs_natively, cpu_supports_bf16)
from .runner import ContextRunner, build_runner
from .runner_args import (add_runner_args, apply_training_options,
                          load_runner_config, parse_runner_args,
                          unknown_options)
from .wrappers import CPUDistributedDataParallel

__all__ = [
    'CPUAmpOptimWrapper', 'CPUDistributedDataParallel', 'ChannelsLastHook',
    'ContextRunner', 'EvalDeterminismHook', 'MCIBIMemoryHook', 'RNGStateHook',
    'TRUST_ENV', 'add_hook', 'add_rng_state_hook', 'add_runner_args',
    'amp_for_device', 'amp_optim_wrapper', 'amp_runs_natively',
    'apply_training_options', 'build_runner', 'checkpoint_safe_globals',
    'cpu_supports_bf16', 'load_from_local', 'load_runner_config',
    'parse_runner_args', 'register_checkpoint_loader', 'release_distributed',
    'resolve_resume', 'setup_cpu_distributed', 'unknown_options'
]
