# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .cpu_amp_optim_wrapper import (CPUAmpOptimWrapper, amp_optim_wrapper,
                                    cpu_supports_bf16)

__all__ = ['CPUAmpOptimWrapper', 'amp_optim_wrapper', 'cpu_supports_bf16']
