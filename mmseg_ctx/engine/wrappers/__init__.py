# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .cpu_distributed import CPUDistributedDataParallel

__all__ = ['CPUDistributedDataParallel']
