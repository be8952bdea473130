# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .cpu_amp_optim_wrapper import (CPUAmpOptimWrapper, amp_for_device,
                                    amp_optim_wrapper, amp_runs_natively,
                                    cpu_supports_bf16)

__all__ = [
    'CPUAmpOptimWrapper', 'amp_for_device', 'amp_optim_wrapper',
    'amp_runs_natively', 'cpu_supports_bf16'
]
