# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .mcibi_memory_hook import MCIBIMemoryHook

__all__ = ['MCIBIMemoryHook']
