# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import List, Optional, Tuple

from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from mmseg.registry import HOOKS

from ...models.decode_heads import MCIBIHead
from ...models.utils import memory_momentum
from ..wrappers import unwrap_model


@HOOKS.register_module()
class MCIBIMemoryHook(Hook):
    """Update MCIBI's feature memory after every training iteration: the
    Runner's side of :class:`MCIBIHead`'s memory contract.

    Runs after the optimiser step of the iteration (``after_train_iter``),
    so the losses of an iteration all see the memory of its start. The
    momentum follows eq. 7 of the paper,
    ``m_t = (1 - t / T)^p (m0 - m0 / 100) + m0 / 100`` with ``t / T`` the
    progress of training (see :meth:`progress`), so after any resume it
    goes on from where training stands (the memory itself is a buffer in
    the checkpoint). Under DDP
    the model is unwrapped and every rank applies the same all-reduced
    update (see :class:`~mmseg_ctx.models.utils.FeatureMemory`).

    Args:
        init_momentum (float): m0 of eq. 7, the momentum at ``t = 0``
            (``momentum`` below this hook is always the ``m_t`` of an
            iteration). Defaults to 0.9.
        power (float): p of eq. 7. Defaults to 0.9.
    """

    priority = 'NORMAL'

    def __init__(self, init_momentum: float = 0.9,
                 power: float = 0.9) -> None:
        if not 0 < init_momentum <= 1:
            raise ValueError(
                f'init_momentum must be in (0, 1], got {init_momentum}')
        self.init_momentum = init_momentum
        self.power = power
        self._memory_heads: List[MCIBIHead] = []

    @staticmethod
    def _heads(runner) -> List[MCIBIHead]:
        model = unwrap_model(runner.model)
        return [m for m in model.modules() if isinstance(m, MCIBIHead)]

    def before_train(self, runner) -> None:
        heads = self._heads(runner)
        if not heads:
            raise ValueError('MCIBIMemoryHook found no MCIBIHead in the '
                             'model; remove the hook or use the head')
        for head in heads:
            head.enable_memory_updates()
        self._memory_heads = heads

    @staticmethod
    def progress(runner, batch_idx: int) -> Tuple[int, int]:
        """``(t, T)`` of eq. 7 for the iteration that just ran.

        Iteration loops (and custom ones): the runner's iteration of its
        ``max_iters``. Epoch loops: ``epoch * n + batch_idx`` of
        ``max_epochs * n``, ``n`` the batches of the current epoch, i.e. the
        progress ``(epoch + batch_idx / n) / max_epochs``. ``runner.iter``
        would not do there: it counts the iterations of earlier epochs at
        their batch size, so after a resume with another batch size, GPU
        count or in the middle of an epoch it runs past ``max_iters``,
        which mmengine computes from the current epoch length.
        """
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            batches = len(runner.train_dataloader)
            return (runner.epoch * batches + batch_idx,
                    runner.max_epochs * batches)
        return runner.iter, runner.max_iters

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        momentum = memory_momentum(*self.progress(runner, batch_idx),
                                   self.init_momentum, self.power)
        for head in self._memory_heads:
            head.update_memory(momentum)
        runner.message_hub.update_scalar('train/memory_momentum', momentum)
