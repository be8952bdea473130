# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""ChannelsLastHook: the model in NHWC before the run, every method's
training step giving the NCHW step's losses and gradients."""
import copy
from types import SimpleNamespace

import pytest
import torch
from config_writers import DEMO_CONFIGS
from data_makers import random_batch
from mmengine.model import MMDistributedDataParallel
from model_makers import demo_segmentor
from torch import nn

from mmseg_ctx.engine import ChannelsLastHook


def test_converts_the_kernels_and_keeps_the_parameters():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    params = list(model.parameters())
    ChannelsLastHook().before_run(SimpleNamespace(model=model))
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not model[0].weight.is_contiguous()
    assert list(model.parameters()) == params  # the optimiser's tensors
    out = model(torch.randn(2, 3, 8, 8))
    assert out.is_contiguous(memory_format=torch.channels_last)


def test_unwraps_a_model_wrapper():
    """DDP's module is converted (DDP itself is not built: it needs a
    process group)."""
    inner = nn.Conv2d(3, 4, 3)
    wrapper = MMDistributedDataParallel.__new__(MMDistributedDataParallel)
    nn.Module.__init__(wrapper)
    wrapper.module = inner
    ChannelsLastHook().before_run(SimpleNamespace(model=wrapper))
    assert inner.weight.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize('name', list(DEMO_CONFIGS))
def test_training_step_matches_nchw(name):
    """One loss and backward of the method's segmentor in train mode,
    NCHW and NHWC from the same weights (dropout off, since its mask is
    drawn in memory order): same losses (accuracies to a few pixels), and
    each parameter's gradient the same to 0.5% of its norm (the order of
    the sums differs)."""
    torch.manual_seed(0)
    nchw = demo_segmentor(name)
    for module in nchw.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd):
            module.p = 0.0
    nhwc = copy.deepcopy(nchw)
    ChannelsLastHook().before_run(SimpleNamespace(model=nhwc))
    seen = []
    nhwc.backbone.register_forward_hook(
        lambda module, args, out: seen.append(out[-1]))
    results = []
    for model in (nchw, nhwc):
        data = model.data_preprocessor(random_batch(), True)
        losses = model.loss(**data)
        loss, _ = model.parse_losses(losses)
        loss.backward()
        results.append((losses, {n: p.grad for n, p in
                                 model.named_parameters()
                                 if p.grad is not None}))
    # the backbone's output (the heads' input) was NHWC
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    (losses, grads), (losses_cl, grads_cl) = results
    assert losses.keys() == losses_cl.keys()
    for key in losses:
        # accuracies (%) count argmax hits, which round-off flips at
        # near-ties: one pixel of a batch's 8192 is 0.012 points
        atol = 0.1 if key.endswith('acc_seg') else 1e-5
        torch.testing.assert_close(losses_cl[key], losses[key],
                                   rtol=1e-4, atol=atol)
    assert grads.keys() == grads_cl.keys()
    for key in grads:  # as a whole: single small elements are round-off;
        # 1e-6: the gradients that are zero but for round-off (the bias of
        # a BN before another BN)
        error = (grads_cl[key] - grads[key]).norm()
        assert error <= 5e-3 * grads[key].norm() + 1e-6, (key, float(error))
