# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ..wrappers import unwrap_model


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Trains, validates and tests in the channels-last (NHWC) memory
    format.

    Before the run, the model's 4-d parameters and buffers (convolution
    kernels) are put in ``torch.channels_last``; a convolution with such a
    kernel makes its output channels-last too (oneDNN on a CPU, cuDNN on a
    GPU), so the whole network runs in NHWC without a copy of the inputs.
    Parameters keep their identity (the optimiser and checkpoints see the
    same tensors and names), the numbers are the same up to the order of
    floating-point sums. Measured by ``tools/analysis_tools/
    training_cost.py`` (its channels-last column); ``tools/train.py
    --channels-last`` adds the hook.

    Under ``DistributedDataParallel`` the model is wrapped before any hook
    runs, so its gradient buckets keep the old layout: PyTorch warns once
    that the strides differ and copies each gradient into its bucket.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        unwrap_model(runner.model).to(memory_format=torch.channels_last)
