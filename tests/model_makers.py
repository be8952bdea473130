# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Models the tests build: demo segmentors, the SDPA attention pair,
checkpoints loaded back, autocast dtypes."""
import os.path as osp
from typing import List

import torch
from config_writers import DEMO_CONFIGS
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS


def demo_segmentor(name: str, size: int = 64) -> torch.nn.Module:
    """The method's demo segmentor at ``size`` x ``size`` (DUpsampling
    with a random orthonormal basis instead of its file, MCIBI's memory
    updates on)."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', DEMO_CONFIGS[name]))
    init_default_scope('mmseg')
    cfg.model.data_preprocessor.size = (size, size)
    if name == 'DUpsampling':
        cfg.model.decode_head.basis_file = None
    model = MODELS.build(cfg.model)
    if name == 'DUpsampling':
        dupsample = model.decode_head.dupsample
        basis = torch.linalg.qr(torch.randn(dupsample.basis.shape))[0]
        with torch.no_grad():
            dupsample.basis.copy_(basis)
            dupsample.mean.fill_(1 / 9)
    if name == 'MCIBI':
        model.decode_head.enable_memory_updates()
    return model


def autocast_dtypes(device: str) -> List[torch.dtype]:
    """The autocast dtypes of mixed-precision training on ``device``: bf16
    on the CPU, fp16 and bf16 on CUDA."""
    if torch.device(device).type == 'cuda':
        return [torch.float16, torch.bfloat16]
    return [torch.bfloat16]


def assert_checkpoint_loads(config: str, checkpoint: str,
                            iters: int = 4) -> None:
    """``checkpoint`` (of ``config``) loads strictly, after ``iters``
    iterations, with finite weights."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmseg.registry import MODELS

    import mmseg_ctx  # noqa: F401
    init_default_scope('mmseg')
    model = MODELS.build(Config.fromfile(config).model)
    state = load_checkpoint(model, checkpoint, map_location='cpu',
                            strict=True)
    assert state['meta']['iter'] == iters
    assert all(torch.isfinite(p).all() for p in model.parameters())


def sdpa_blocks():
    """Our SDPASelfAttentionBlock and mmseg's SelfAttentionBlock, in eval
    mode with the same weights, as MCIBI's attention configures them."""
    from mmseg.models.utils import SelfAttentionBlock

    from mmseg_ctx.models.decode_heads.mcibi_head import MEMORY_ATTENTION
    from mmseg_ctx.models.utils import SDPASelfAttentionBlock
    block = dict(
        key_in_channels=32,
        query_in_channels=32,
        channels=16,
        out_channels=32,
        conv_cfg=None,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='ReLU'),
        **MEMORY_ATTENTION)
    ours = SDPASelfAttentionBlock(**block).eval()
    theirs = SelfAttentionBlock(**block).eval()
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs
