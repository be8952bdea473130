# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
import torch.distributed as torch_dist
from helpers import free_port
from torch import nn

from mmseg_ctx.engine import CPUDistributedDataParallel


def test_reverts_syncbn_and_trains(monkeypatch):
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    torch_dist.init_process_group('gloo', rank=0, world_size=1)
    try:
        model = nn.Sequential(
            nn.Conv2d(3, 4, 3), nn.SyncBatchNorm(4), nn.Conv2d(4, 2, 1))
        wrapped = CPUDistributedDataParallel(
            model, device_ids=None, broadcast_buffers=False)
        norms = [m for m in wrapped.module.modules() if 'Norm' in type(m).__name__]
        assert len(norms) == 1
        assert not isinstance(norms[0], nn.SyncBatchNorm)
        assert isinstance(norms[0], nn.modules.batchnorm._BatchNorm)
        # a forward/backward that SyncBN would refuse on CPU
        wrapped(torch.randn(2, 3, 8, 8)).sum().backward()
        assert norms[0].num_batches_tracked.item() == 1
    finally:
        torch_dist.destroy_process_group()
