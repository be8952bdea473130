# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...models.decode_heads import MCIBIHead
from ...models.utils import memory_momentum


@HOOKS.register_module()
class MCIBIMemoryHook(Hook):
    """Update MCIBI's feature memory after every training iteration: the
    Runner's side of :class:`MCIBIHead`'s memory contract.

    Runs after the optimiser step of the iteration (``after_train_iter``),
    so the losses of an iteration all see the memory of its start. The
    momentum follows eq. 7 of the paper,
    ``m_t = (1 - t / T)^p (m0 - m0 / 100) + m0 / 100`` with ``t`` the
    runner's iteration and ``T = runner.max_iters``, for iteration- and
    epoch-based loops alike; after a resume it goes on from the restored
    iteration (the memory itself is a buffer in the checkpoint). Under DDP
    the model is unwrapped and every rank applies the same all-reduced
    update (see :class:`~mmseg_ctx.models.utils.FeatureMemory`).

    Args:
        momentum (float): m0 of eq. 7. Defaults to 0.9.
        power (float): p of eq. 7. Defaults to 0.9.
    """

    priority = 'NORMAL'

    def __init__(self, momentum: float = 0.9, power: float = 0.9) -> None:
        if not 0 < momentum <= 1:
            raise ValueError(f'momentum must be in (0, 1], got {momentum}')
        self.momentum = momentum
        self.power = power
        self._memory_heads: List[MCIBIHead] = []

    @staticmethod
    def _heads(runner) -> List[MCIBIHead]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        return [m for m in model.modules() if isinstance(m, MCIBIHead)]

    def before_train(self, runner) -> None:
        heads = self._heads(runner)
        if not heads:
            raise ValueError('MCIBIMemoryHook found no MCIBIHead in the '
                             'model; remove the hook or use the head')
        for head in heads:
            head.enable_memory_updates()
        self._memory_heads = heads

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        momentum = memory_momentum(runner.iter, runner.max_iters,
                                   self.momentum, self.power)
        for head in self._memory_heads:
            head.update_memory(momentum)
        runner.message_hub.update_scalar('train/memory_momentum', momentum)
