# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .cpu_distributed import CPUDistributedDataParallel
from .unwrap import unwrap_model

__all__ = ['CPUDistributedDataParallel', 'unwrap_model']
