# Copyright (c) mmseg_ctx contributors. All rights reserved.
from contextlib import contextmanager
from typing import Callable

import torch
from mmengine.device import get_device
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS
from torch import nn


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bf16 natively (oneDNN's test: AVX512-BF16,
    AMX or Arm's BF16 extension), rather than through a slow emulation."""
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()


def amp_runs_natively(device: str) -> bool:
    """Whether ``--amp`` trains at its speed on ``device``: an accelerator
    (fp16), or a CPU with native bf16 (elsewhere :class:`CPUAmpOptimWrapper`
    refuses)."""
    return device != 'cpu' or cpu_supports_bf16()


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed-precision training on a CPU: the forward and the loss under
    torch's bf16 autocast, the weights, gradients and optimiser state in
    fp32, no loss scaling.

    mmengine's :class:`AmpOptimWrapper` refuses to run without an
    accelerator. bf16 keeps fp32's exponent range, so gradients under- or
    overflow no sooner than in fp32 and need no ``GradScaler`` (torch's
    CPU autocast has none). Our maths that must not round (MCIBI's memory
    update and cosine similarity, the Encoding layer's expansion, the
    DUpsampling softmax with its temperature) leaves autocast by itself.
    ``tools/train.py --amp`` picks this wrapper where there is no
    accelerator, mmengine's ``AmpOptimWrapper`` (unchanged) where there is.

    Args:
        allow_emulated_bf16 (bool): run on a CPU without native bf16 too,
            where torch emulates it: the same numbers, slower than fp32
            (for checking the maths on any CPU, as the tests do).
            Defaults to False.
        **kwargs: :class:`OptimWrapper`'s arguments.

    Raises:
        RuntimeError: on a CPU without native bf16 (unless
            ``allow_emulated_bf16``), where autocast would make training
            slower rather than faster.
    """

    def __init__(self, allow_emulated_bf16: bool = False, **kwargs) -> None:
        if not (allow_emulated_bf16 or cpu_supports_bf16()):
            raise RuntimeError(
                f'{type(self).__name__}: this CPU has no native bf16 '
                '(AVX512-BF16, AMX or Arm BF16), so bf16 autocast would '
                'be emulated and slower than fp32; train without --amp')
        super().__init__(**kwargs)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Callable:
        """mmengine's context (gradient accumulation) and bf16 autocast."""
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=torch.bfloat16):
            yield


def amp_optim_wrapper(optim_wrapper: dict) -> dict:
    """``optim_wrapper`` (a config's ``OptimWrapper``) made mixed-precision,
    as ``--amp`` asks: mmengine's ``AmpOptimWrapper`` with dynamic loss
    scaling where there is an accelerator, :class:`CPUAmpOptimWrapper`
    where there is none."""
    if optim_wrapper.get('type') != 'OptimWrapper':
        raise ValueError('--amp needs the optim wrapper type OptimWrapper, '
                         f"got {optim_wrapper.get('type')!r}")
    if get_device() == 'cpu':
        return dict(optim_wrapper, type=CPUAmpOptimWrapper.__name__)
    return dict(optim_wrapper, type='AmpOptimWrapper', loss_scale='dynamic')


#: keys of mmengine's ``AmpOptimWrapper`` that bf16 on a CPU has no use for
#: (no loss scaling; the dtype is bf16)
AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')


def amp_for_device(optim_wrapper: dict) -> dict:
    """``optim_wrapper`` as it can run here: mmengine's ``AmpOptimWrapper``
    (what ``--amp`` of mmseg's own tools sets) becomes
    :class:`CPUAmpOptimWrapper` without its loss-scaling keys where there
    is no accelerator, where mmengine's refuses to run; anything else is
    returned as it is."""
    if optim_wrapper.get('type') != 'AmpOptimWrapper' or \
            get_device() != 'cpu':
        return optim_wrapper
    return dict({
        key: value
        for key, value in optim_wrapper.items() if key not in AMP_ONLY_KEYS
    }, type=CPUAmpOptimWrapper.__name__)
