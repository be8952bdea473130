# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch
from config_writers import write_tiny_config
from helpers import ROOT
from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.registry import MODELS
from torch import nn

import mmseg_ctx  # noqa: F401
from mmseg_ctx.models.decode_heads import PyramidPoolingHead
from mmseg_ctx.models.utils import ExportableAdaptiveMaxPool2d

HEAD = dict(type='PyramidPoolingHead', in_channels=32, channels=8,
            num_classes=3, norm_cfg=dict(type='BN'))


@pytest.mark.parametrize('bins', [(1, ), (1, 2, 3, 6)])
@pytest.mark.parametrize('pool_type', ['avg', 'max'])
@pytest.mark.parametrize('reduction', [True, False])
def test_table1_variants(bins, pool_type, reduction, device):
    head = MODELS.build(dict(HEAD, pool_scales=bins, pool_type=pool_type,
                             reduction=reduction)).to(device)
    head.eval()
    pool = nn.AdaptiveAvgPool2d if pool_type == 'avg' else \
        ExportableAdaptiveMaxPool2d  # torch's, exportable
    level_channels = 32 // len(bins) if reduction else 32
    assert len(head.psp_modules) == len(bins)
    for level, scale in zip(head.psp_modules, bins):
        assert type(level[0]) is pool and level[0].output_size == scale
        if reduction:  # 1x1 conv to 1/N of the channels
            assert level[1].conv.kernel_size == (1, 1)
            assert level[1].conv.out_channels == level_channels
        else:
            assert isinstance(level[1], nn.Identity)
    assert head.bottleneck.conv.in_channels == 32 + len(bins) * \
        level_channels
    x = torch.randn(2, 32, 9, 11).to(device)
    levels = head.psp_modules(x)
    assert [o.shape for o in levels] == [(2, level_channels, 9, 11)] * len(
        bins)
    if pool_type == 'max' and not reduction and bins == (1, ):
        # the global level is the channel-wise maximum, everywhere
        torch.testing.assert_close(levels[0][:, :, 4, 5],
                                   x.amax(dim=(2, 3)))
    assert head([x]).shape == (2, 3, 9, 11)


def test_bad_arguments():
    with pytest.raises(ValueError, match='pool_type must be one of'):
        MODELS.build(dict(HEAD, pool_type='median'))
    with pytest.raises(ValueError, match='at least one level'):
        MODELS.build(dict(HEAD, pool_scales=()))
    with pytest.raises(ValueError, match='in_channels=32 needs N=3'):
        MODELS.build(dict(HEAD, pool_scales=(1, 2, 3)))
    # without DR a wrong input would fail in the bottleneck, with its sizes
    head = MODELS.build(dict(HEAD, reduction=False))
    with pytest.raises(ValueError, match='PyramidPoolingHead was built for '
                       'in_channels=32 at in_index=-1, but the backbone '
                       'gives 64 channels'):
        head([torch.randn(2, 64, 6, 6)])


def test_best_row_is_mmseg_psphead(device):
    """B1236+AVE+DR with in_channels / 4 == channels (2048 / 4 = 512 in
    the R-50 configs) is mmseg's PSPHead: its checkpoints load strictly and
    give the same logits."""
    torch.manual_seed(0)
    ours = MODELS.build(dict(HEAD, pool_scales=(1, 2, 3, 6))).to(device)
    mmseg = MODELS.build(dict(HEAD, type='PSPHead',
                              pool_scales=(1, 2, 3, 6))).to(device)
    ours.load_state_dict(mmseg.state_dict(), strict=True)
    ours.eval()
    mmseg.eval()
    x = torch.randn(2, 32, 9, 11).to(device)
    torch.testing.assert_close(ours([x]), mmseg([x]))


def test_context_shapes_config_trains(tmp_path, tiny_data):
    """The ablation head's ContextShapes config, made tiny, with the stock
    Runner: it is our head that trains."""
    config = write_tiny_config(
        str(tmp_path / 'ppm.py'), tiny_data,
        base=f'{ROOT}/configs/pspnet/'
        'pspnet-b1236-avg-dr_r18s-d8_1xb8-300it_context-shapes-128x128.py',
        iters=2)
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    assert type(runner.model.decode_head) is PyramidPoolingHead
    before = [p.clone() for p in runner.model.decode_head.parameters()]
    runner.train()
    assert runner.iter == 2
    assert any(not torch.equal(a, b) for a, b in
               zip(before, runner.model.decode_head.parameters()))
