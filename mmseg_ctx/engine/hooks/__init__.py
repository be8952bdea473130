# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .mcibi_memory_hook import MCIBIMemoryHook
from .rng_state_hook import (RNGStateHook, add_rng_state_hook, get_rng_state,
                             set_rng_state)

__all__ = [
    'MCIBIMemoryHook', 'RNGStateHook', 'add_rng_state_hook', 'get_rng_state',
    'set_rng_state'
]
