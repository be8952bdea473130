# Copyright (c) mmseg_ctx contributors. All rights reserved.
import copy
import math
import os.path as osp

import pytest
import torch
from helpers import ROOT
from mmcv.cnn import ConvModule
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.models.utils import InvertedResidual
from mmseg.registry import MODELS
from torch import nn

from mmseg_ctx.models.backbones import ContextNet

CONFIGS = osp.join(ROOT, 'configs', 'contextnet')
#: Table 4 of the paper (and Sec. 3.2 for the exact small counts)
PAPER_PARAMS = {
    'cn14': 0.85e6, 'cn12': 0.85e6, 'cn18': 0.85e6, 'cn124': 0.93e6,
    'cn14-500': 490_459, 'cn14-160': 159_387
}


def size_after(size: int, strides: int) -> int:
    for _ in range(strides):
        size = math.ceil(size / 2)
    return size


@pytest.mark.parametrize('height,width', [(64, 64), (100, 150), (97, 131),
                                          (256, 512)])
@pytest.mark.parametrize('scale', [4, 2, 8])
def test_output_shapes(height, width, scale, device):
    """Detail at 1/8 (three stride-2 layers); context: the input resized by
    1/scale, then three stride-2 layers (1/32 of the input for cn14);
    fused at the detail's size."""
    net = ContextNet(context_scale=scale, widen_factor=0.25).to(device)
    net.eval()
    detail, context, fused = net(torch.randn(2, 3, height, width).to(device))
    small = (size_after(height // scale, 3), size_after(width // scale, 3))
    assert detail.shape == (2, 32, size_after(height, 3),
                            size_after(width, 3))
    assert context.shape == (2, 32, *small)
    assert fused.shape == detail.shape
    assert net.out_channels == (32, 32, 32)


def test_layers_follow_the_paper():
    net = ContextNet()
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == len(convs)  # BN on every layer
    acts = {type(m) for m in net.modules()
            if isinstance(m, (nn.ReLU, nn.ReLU6, nn.SiLU, nn.GELU))}
    assert acts == {nn.ReLU6}
    # detail branch: 32, 64, 128, 128; strides 2, 2, 2, 1; no activation
    # between depthwise and pointwise
    detail = list(net.detail)
    assert [layer.conv.out_channels if isinstance(layer, ConvModule) else
            layer.pointwise_conv.conv.out_channels
            for layer in detail] == [32, 64, 128, 128]
    assert [layer.conv.stride[0] if isinstance(layer, ConvModule) else
            layer.depthwise_conv.conv.stride[0]
            for layer in detail] == [2, 2, 2, 1]
    assert detail[0].conv.groups == 1 and detail[0].with_activation
    for layer in detail[1:]:
        assert not layer.depthwise_conv.with_activation
        assert layer.pointwise_conv.with_activation
    # context branch: conv 32 s2, the 12 bottlenecks of Table 2, conv 128
    context = list(net.context)
    blocks = [m for m in context if isinstance(m, InvertedResidual)]
    assert len(blocks) == 12
    assert [b.conv[-1].conv.out_channels for b in blocks] == [
        32, 32, 48, 48, 48, 64, 64, 64, 96, 96, 128, 128]
    assert [b.stride for b in blocks] == [1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1,
                                          1]
    assert context[0].conv.stride == (2, 2)
    assert context[-1].conv.out_channels == 128
    # fusion: depthwise 3x3 of dilation 4 with activation; 1x1 convs
    # without; activation after the sum
    fusion = net.fusion
    assert fusion.dwconv.conv.dilation == (4, 4)
    assert fusion.dwconv.conv.groups == 128 and fusion.dwconv.with_activation
    assert not fusion.conv_lower_res.with_activation
    assert not fusion.conv_higher_res.with_activation
    assert isinstance(fusion.relu, nn.ReLU6)


@pytest.mark.parametrize('name', list(PAPER_PARAMS))
def test_parameter_counts_match_the_paper(name, device):
    """Inference parameters (the train-only auxiliary head excluded), 19
    classes, within 1% of the paper's (the issue allows 3%)."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        osp.join(CONFIGS, f'contextnet_{name}_4xb4-1000e_cityscapes-'
                 '1024x2048.py'))
    model = MODELS.build(cfg.model)
    count = sum(p.numel() for n, p in model.named_parameters()
                if not n.startswith('auxiliary_head.'))
    assert count == pytest.approx(PAPER_PARAMS[name], rel=0.01)
    # the classifier: dropout, then a bare 1x1 conv (no BN or ReLU on the
    # logits); the auxiliary one on the context branch, weight 0.4
    for head in (model.decode_head, model.auxiliary_head):
        assert isinstance(head.convs, nn.Identity) and not head.concat_input
        assert head.conv_seg.kernel_size == (1, 1)
        assert isinstance(head.dropout, nn.Dropout2d)
        assert head.dropout.p > 0
    assert model.decode_head.in_index == 2  # fused
    assert model.auxiliary_head.in_index == 1  # context
    assert model.auxiliary_head.loss_decode.loss_weight == 0.4
    model.to(device).eval()
    with torch.no_grad():  # channels agree between backbone and heads
        feats = model.extract_feat(torch.randn(1, 3, 64, 96).to(device))
        assert model.decode_head(feats).shape == (1, 19, 8, 12)
        assert model.auxiliary_head(feats).shape[:2] == (1, 19)


def test_half_resolution_branch(device):
    """cn124: the half-resolution shallow branch is fused with the context,
    then the full-resolution one with that."""
    net = ContextNet(half_branch=True, widen_factor=0.25).to(device)
    net.eval()
    seen = {}
    net.half_fusion.register_forward_hook(
        lambda m, args, out: seen.update(half=args[0], out=out))
    net.fusion.register_forward_hook(
        lambda m, args, out: seen.update(lower=args[1]))
    detail, context, fused = net(torch.randn(1, 3, 128, 192).to(device))
    assert seen['half'].shape == (1, 32, 8, 12)  # 1/2 input, then 1/8
    # the full-resolution fusion takes the half-resolution one's output
    assert seen['lower'] is seen['out']
    assert fused.shape == detail.shape == (1, 32, 16, 24)
    plain = ContextNet(widen_factor=0.25)
    extra = sum(p.numel() for p in net.parameters()) - sum(
        p.numel() for p in plain.parameters())
    assert extra == sum(p.numel() for p in net.half_detail.parameters()) + \
        sum(p.numel() for p in net.half_fusion.parameters())


def test_bad_arguments():
    with pytest.raises(ValueError, match='context_scale must be >= 1'):
        ContextNet(context_scale=0)
    with pytest.raises(ValueError, match=r'out_indices.*\(0, 3\)'):
        ContextNet(out_indices=(0, 3))
    with pytest.raises(ValueError, match='expects B x 3 x H x W'):
        ContextNet(widen_factor=0.25)(torch.randn(1, 4, 32, 32))
    with pytest.raises(ValueError, match='lower_in_channels 64 != '
                       'out_channels 128'):
        ContextNet(context_channels=64)
    net = ContextNet(widen_factor=0.25, out_indices=(2, ))
    net.eval()
    assert len(net(torch.randn(1, 3, 32, 32))) == 1


def test_optimiser_of_the_cityscapes_recipe():
    """RMSprop as the paper sets it; no decay on depthwise convs, BN and
    biases; the training pipeline builds."""
    from mmcv.transforms import Compose
    from mmengine.optim import build_optim_wrapper
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'contextnet_cn14_4xb4-1000e_cityscapes-'
                 '1024x2048.py'))
    model = MODELS.build(cfg.model)
    optimizer = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    assert isinstance(optimizer, torch.optim.RMSprop)
    group = optimizer.param_groups[0]
    assert (group['lr'], group['alpha'], group['momentum'],
            group['eps']) == (0.045, 0.9, 0.9, 1.0)
    decay = {id(g['params'][0]): g['weight_decay']
             for g in optimizer.param_groups}
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            depthwise = module.groups == module.in_channels > 1
            assert decay[id(module.weight)] == (0 if depthwise else 4e-5)
        if isinstance(module, nn.BatchNorm2d):
            assert decay[id(module.weight)] == decay[id(module.bias)] == 0
    assert cfg.param_scheduler[0].power == 0.98
    assert cfg.train_cfg.max_epochs == 1000
    assert cfg.train_dataloader.batch_size * 4 == 16
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    crop = [t for t in pipeline.transforms
            if type(t).__name__ == 'RandomCrop'][0]
    assert crop.crop_size == (1024, 2048)


def test_folded_weights_are_refused_by_the_unfolded_network():
    from mmseg_ctx.analysis import fold_batch_norm
    net = ContextNet(widen_factor=0.25)
    folded = fold_batch_norm(ContextNet(widen_factor=0.25))
    with pytest.raises(ValueError, match='load_folded_model'):
        net.load_state_dict(folded.state_dict(), strict=False)
    net.load_state_dict(ContextNet(widen_factor=0.25).state_dict())


@pytest.mark.parametrize('half_branch', [False, True])
def test_folded_batch_norm_gives_the_same_outputs(half_branch, device,
                                                  no_tf32):
    """BN merged into the convs (Sec. 3.1, ``fold_batch_norm``) leaves the
    three outputs as they were, with BN statistics and affine parameters
    far from their initial values, for an input that is not a multiple of
    32."""
    from mmseg_ctx.analysis import count_batch_norms, fold_batch_norm
    torch.manual_seed(0)
    net = ContextNet(widen_factor=0.25, half_branch=half_branch)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    net = net.to(device).eval()
    folded = fold_batch_norm(copy.deepcopy(net))
    assert count_batch_norms(net) > 30 and count_batch_norms(folded) == 0
    images = torch.randn(2, 3, 100, 150).to(device)
    with torch.no_grad():
        outputs, expected = folded(images), net(images)
    assert len(outputs) == len(expected) == 3
    for output, reference in zip(outputs, expected):
        torch.testing.assert_close(output, reference, atol=1e-4, rtol=0)
