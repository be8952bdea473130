# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .channels_last_hook import ChannelsLastHook
from .eval_determinism_hook import EvalDeterminismHook
from .mcibi_memory_hook import MCIBIMemoryHook
from .rng_state_hook import (RNGStateHook, add_hook, add_rng_state_hook,
                             get_rng_state, set_rng_state)

__all__ = [
    'ChannelsLastHook', 'EvalDeterminismHook', 'MCIBIMemoryHook',
    'RNGStateHook', 'add_hook', 'add_rng_state_hook', 'get_rng_state',
    'set_rng_state'
]
