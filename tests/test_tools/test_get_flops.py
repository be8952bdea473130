# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""get_flops.py: mmseg's command line, any config, attention counted."""
import os.path as osp
import re

import mmseg
import torch
from helpers import ROOT, run_script
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_ctx.analysis.model_complexity import complexity

MCIBI = osp.join(ROOT, 'configs', 'mcibi',
                 'mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py')
MMSEG_FCN = osp.join(
    osp.dirname(mmseg.__file__), '.mim', 'configs', 'fcn',
    'fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py')
FCN = osp.join(ROOT, 'configs', 'fcn',
               'fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py')


def printed(out: str) -> dict:
    return dict(re.findall(r'^(Input shape|Flops|Params): (.+)$', out,
                           re.MULTILINE))


def test_ours_and_mmseg_configs():
    out = printed(run_script('tools/analysis_tools/get_flops.py', MCIBI,
                             '--shape', '64', '96'))
    assert out['Input shape'] == '(64, 96)'
    assert out['Flops'].endswith('G') or out['Flops'].endswith('M')
    # a package config (mmseg's own), one size for a square
    out = printed(run_script(
        'tools/analysis_tools/get_flops.py', MMSEG_FCN, '--shape', '64'))
    assert out['Input shape'] == '(64, 64)' and float(out['Params'][:-1]) > 0


def plain_count(cfg: Config, shape) -> int:
    """mmengine's counter without our attention handle."""
    model = MODELS.build(cfg.model)
    model.auxiliary_head = None
    model.eval()
    inputs = torch.rand(1, 3, *shape)
    with torch.no_grad():
        return FlopAnalyzer(model, (inputs, )).unsupported_ops_warnings(
            False).uncalled_modules_warnings(False).total()


def test_attention_is_counted():
    mcibi = complexity(Config.fromfile(MCIBI), [64, 64])
    cfg = Config.fromfile(MCIBI)
    head = cfg.model.decode_head
    # eq. 13-14 at 1/8 resolution: 8 x 8 queries, 8 x 8 keys (the memory
    # read per pixel), query/key/value of C/2 channels: Q K^T and P V
    channels = head.get('transform_channels') or head.channels // 2
    attention = 64 * 64 * 2 * channels
    assert mcibi['flops'] - plain_count(cfg, (64, 64)) == attention
    fcn = complexity(Config.fromfile(FCN), [64, 64])
    assert fcn['flops'] == plain_count(Config.fromfile(FCN), (64, 64))
    assert fcn['params'] == sum(
        p.numel() for p in MODELS.build(Config.fromfile(FCN).model)
        .parameters()) - sum(
            p.numel() for p in MODELS.build(Config.fromfile(FCN).model)
            .auxiliary_head.parameters())
