# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""What the cost tools measure: one training iteration of a config's model,
and the peak memory of a step, on any device."""
import json
import os.path as osp
import tempfile
import warnings
from typing import Callable, Sequence

import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import HOOKS, MODELS
from mmseg.structures import SegDataSample
from torch import nn
from torch.profiler import ProfilerActivity, profile

from ..engine import amp_optim_wrapper
from .paths import config_file
from .timing import synchronize


def peak_bytes(step: Callable[[], object], device: str) -> int:
    """Peak extra memory of one ``step()``: the most bytes of tensors it
    allocated that were alive at once, its inputs not counted.

    On CUDA the caching allocator's peak of allocated bytes; on CPU the
    same count read off the profiler's memory timeline (every allocation
    and free the c10 allocator reports), so that neither glibc's arenas
    nor the resident set of the process, which depend on its history,
    enter the figure.
    """
    if device.startswith('cuda'):
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        step()
        synchronize(device)
        return torch.cuda.max_memory_allocated(device) - base
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True,
                 record_shapes=True, with_stack=True) as prof:
        step()
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'timeline.json')
        with warnings.catch_warnings():  # deprecated for CUDA's snapshots
            warnings.simplefilter('ignore', FutureWarning)
            prof.export_memory_timeline(path, device='cpu')
        with open(path) as f:
            times, sizes = json.load(f)
    totals = [sum(size) for size in sizes]
    # the tensors alive before the step come first, at time -1
    base = totals[0] if times and times[0] == -1 else 0
    return max(totals, default=0) - base


class TrainStep:
    """One training iteration of a config's model through its optim
    wrapper (with ``amp``: the one ``--amp`` picks, fp16 on an accelerator,
    bf16 on a CPU) and its custom hooks (e.g. MCIBI's memory update), on
    ``batch`` random images of ``crop``.

    Args:
        config (str): a config file, or ``mmseg::`` one.
        crop (tuple): H, W of the images.
        batch (int): images an iteration.
        device (str): where the model runs.
        amp (bool): mixed precision, as ``tools/train.py --amp``.
        channels_last (bool): the model in the channels-last memory
            format, as ``tools/train.py --channels-last``.
    """

    def __init__(self, config: str, crop: Sequence[int], batch: int,
                 device: str, amp: bool = False,
                 channels_last: bool = False) -> None:
        cfg = Config.fromfile(config_file(config))
        init_default_scope('mmseg')
        cfg.model.pretrained = None
        cfg.model.data_preprocessor.size = tuple(crop)
        self.model: nn.Module = MODELS.build(cfg.model).to(device).train()
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        optim_cfg = amp_optim_wrapper(cfg.optim_wrapper) if amp else (
            cfg.optim_wrapper)
        self.optim_wrapper = build_optim_wrapper(self.model, optim_cfg)
        self.hooks = [HOOKS.build(h) for h in cfg.get('custom_hooks', [])]
        classes = cfg.model.decode_head.num_classes
        gen = torch.Generator().manual_seed(0)
        samples = []
        for _ in range(batch):
            sample = SegDataSample(metainfo=dict(
                img_shape=tuple(crop), ori_shape=tuple(crop),
                pad_shape=tuple(crop)))
            sample.gt_sem_seg = PixelData(data=torch.randint(
                0, classes, (1, *crop), generator=gen))
            samples.append(sample)
        self.data = dict(
            inputs=[torch.randint(0, 255, (3, *crop), generator=gen,
                                  dtype=torch.uint8) for _ in range(batch)],
            data_samples=samples)
        self.runner = _HookRunner(self.model)
        for hook in self.hooks:
            hook.before_train(self.runner)

    def __call__(self) -> None:
        outputs = self.model.train_step(self.data, self.optim_wrapper)
        for hook in self.hooks:
            hook.after_train_iter(self.runner, 0, self.data, outputs)


class _HookRunner:
    """What MCIBIMemoryHook reads of a Runner."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.iter, self.max_iters = 0, 1000
        self.train_loop = None  # an iteration schedule
        self.message_hub = MessageHub.get_instance('mmseg_ctx_cost')
