# Copyright (c) mmseg_ctx contributors. All rights reserved.
import gc
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from helpers import free_port
from torch import nn

from mmseg_ctx.engine import CPUDistributedDataParallel


def test_reverts_syncbn_and_trains(monkeypatch):
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    torch_dist.init_process_group(
        'gloo', rank=0, world_size=1, timeout=timedelta(seconds=60))
    wrapped = None
    try:
        model = nn.Sequential(
            nn.Conv2d(3, 4, 3), nn.SyncBatchNorm(4), nn.Conv2d(4, 2, 1))
        wrapped = CPUDistributedDataParallel(
            model, device_ids=None, broadcast_buffers=False)
        norms = [
            m for m in wrapped.module.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm)
        ]
        assert len(norms) == 1
        assert not isinstance(norms[0], nn.SyncBatchNorm)
        # a forward/backward that SyncBN would refuse on CPU
        wrapped(torch.randn(2, 3, 8, 8)).sum().backward()
        assert norms[0].num_batches_tracked.item() == 1
        assert model[0].weight.grad.abs().sum() > 0
    finally:
        # DDP's reducer holds the group: free it first, or destroying the
        # group leaves gloo's threads to be joined at garbage collection
        del wrapped
        gc.collect()
        torch_dist.destroy_process_group()
