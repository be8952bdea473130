# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Batch normalisation folded into the convolutions for inference
(ContextNet, Sec. 3.1: "parameters of batch normalization are merged with
the weights and bias of parent layers")."""
from typing import Union

from mmcv.cnn import fuse_conv_bn
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmseg.apis import init_model
from torch import nn


def fold_batch_norm(model: nn.Module) -> nn.Module:
    """Fold every BN that follows a conv into it (mmcv's ``fuse_conv_bn``;
    the BN becomes an ``Identity``), in eval mode, in place."""
    model.eval()
    return fuse_conv_bn(model)


def count_batch_norms(model: nn.Module) -> int:
    return sum(
        isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.SyncBatchNorm))
        for m in model.modules())


def load_folded_model(config: Union[str, Config],
                      checkpoint: str,
                      device: str = 'cpu') -> nn.Module:
    """A model whose BN was folded by ``tools/deploy/fuse_bn.py``: built
    from its config, folded (the same structure), then loaded strictly."""
    model = fold_batch_norm(init_model(config, None, device='cpu'))
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model.to(device)
