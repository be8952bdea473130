# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""A hook the tests add to MCIBI configs, registered into mmseg's ``HOOKS``
when a config imports this module (``custom_imports``), as a plugin's
modules register (``config_writers.DUMP_HOOK_IMPORTS``); no test imports it."""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmseg_ctx.engine.wrappers import unwrap_model


@HOOKS.register_module()
class DumpMemoryHook(Hook):
    """Save every rank's MCIBI memory before training and after each
    training iteration, as ``memory_rank{rank}_{start|iter}{n}.pth``."""
    priority = 'LOWEST'

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir

    def _dump(self, runner, name: str) -> None:
        memory = unwrap_model(runner.model).decode_head.memory
        torch.save(
            dict(memory=memory.memory.clone(),
                 initialized=memory.initialized.clone()),
            osp.join(self.out_dir, f'memory_rank{get_rank()}_{name}.pth'))

    def before_train(self, runner) -> None:
        self._dump(runner, f'start{runner.iter}')

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self._dump(runner, f'iter{runner.iter}')
