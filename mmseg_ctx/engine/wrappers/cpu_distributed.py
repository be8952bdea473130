# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging

from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmseg.registry import MODEL_WRAPPERS
from torch import nn


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` for processes that run on CPU.

    torch's ``SyncBatchNorm`` only runs on accelerators, so SyncBN layers
    (the norm of mmseg's configs) are reverted to ``BatchNorm`` first, as
    mmengine does for single-process training, and each rank normalises with
    the statistics of its own batch; the running statistics are rank 0's,
    broadcast at every forward (``broadcast_buffers=True``, set by
    :func:`~mmseg_ctx.engine.setup_cpu_distributed`), so that every rank
    uses the ones a checkpoint (rank 0's) holds. Selected by
    :func:`mmseg_ctx.engine.setup_cpu_distributed`; on GPUs the stock
    :class:`MMDistributedDataParallel` is used.

    Args:
        module (nn.Module): the model to wrap, on CPU.
        **kwargs: passed to :class:`MMDistributedDataParallel`;
            ``device_ids`` must be None for a CPU module.
    """

    def __init__(self, module: nn.Module, **kwargs) -> None:
        if any(isinstance(m, nn.SyncBatchNorm) for m in module.modules()):
            print_log(
                'SyncBN cannot run on CPU: its layers are reverted to BN, so '
                'each process normalises with its own batch statistics.',
                logger='current',
                level=logging.WARNING)
            module = revert_sync_batchnorm(module)
        super().__init__(module=module, **kwargs)
