# Copyright (c) mmseg_ctx contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_ctx  # noqa: F401
from mmseg_ctx.models.utils import DUpsampling

K, CODE = 5, 6


def backbone(stride: int, device: str = 'cpu'):
    """Stem + four stages of a tiny ResNetV1c at output stride ``stride``."""
    strides, dilations = {
        8: ((1, 2, 1, 1), (1, 1, 2, 4)),
        16: ((1, 2, 2, 1), (1, 1, 1, 2)),
        32: ((1, 2, 2, 2), (1, 1, 1, 1))
    }[stride]
    return MODELS.build(
        dict(type='ResNetV1cWithStem', depth=18, stem_channels=8,
             base_channels=8, strides=strides,
             dilations=dilations)).to(device)


def images(height: int, width: int, device: str = 'cpu'):
    """Two random images, drawn on the CPU, on ``device``."""
    return torch.randn(2, 3, height, width).to(device)


def head(ratio: int, basis_file=None, device: str = 'cpu', **kwargs):
    cfg = dict(type='DUpsamplingHead', in_channels=64, in_index=4,
               channels=16, dilations=(1, 2), c1_in_index=(0, 3),
               c1_in_channels=(8, 32), c1_channels=4, ratio=ratio,
               basis_channels=CODE, basis_file=basis_file, num_classes=K,
               norm_cfg=dict(type='BN'))
    cfg.update(kwargs)
    module = MODELS.build(cfg)
    if basis_file is None:  # an orthonormal W, as the PCA gives
        size = ratio * ratio * K
        basis = torch.linalg.qr(torch.randn(size, CODE))[0]
        with torch.no_grad():
            module.dupsample.basis.copy_(basis)
            module.dupsample.mean.fill_(1 / K)
    return module.to(device)


def samples(height, width, num=2, device='cpu'):
    out = []
    for i in range(num):
        sample = SegDataSample()
        label = torch.randint(0, K, (1, height, width))
        label[:, :2] = 255
        sample.gt_sem_seg = PixelData(data=label.to(device))
        sample.set_metainfo(
            dict(img_shape=(height, width), pad_shape=(height, width)))
        out.append(sample)
    return out


@pytest.mark.parametrize('stride', [8, 16, 32])
def test_output_strides_and_non_square_inputs(stride, device):
    """Logits cover r x the last features; loss and predict crop them to
    the input, for sizes that are not multiples of r."""
    height, width = 50, 77
    feats = backbone(stride, device)(images(height, width, device))
    dup = head(stride, device=device)
    logits = dup(feats)
    size = feats[4].shape[-2:]
    assert logits.shape == (2, K, stride * size[0], stride * size[1])
    assert logits.shape[2] == stride * math.ceil(height / stride)
    batch = samples(height, width, device=device)
    losses = dup.loss_by_feat(logits, batch)
    # the loss is on the cropped logits (mmseg's CE averages over every
    # pixel, ignored ones included)
    labels = torch.cat([s.gt_sem_seg.data for s in batch])
    expected = F.cross_entropy(logits[:, :, :height, :width], labels,
                               ignore_index=255, reduction='none').mean()
    torch.testing.assert_close(losses['loss_ce'], expected)
    pred = dup.predict_by_feat(logits, [s.metainfo for s in batch])
    torch.testing.assert_close(pred, logits[:, :, :height, :width])


def test_predict_crops_to_the_padded_input_or_the_slide_window(device):
    dup = head(16, device=device)
    logits = torch.randn(1, K, 64, 96).to(device)
    # whole inference: the input was padded from img_shape to pad_shape;
    # mmseg's postprocessing removes the padding afterwards
    meta = dict(img_shape=(50, 77), pad_shape=(56, 81))
    assert dup.predict_by_feat(logits, [meta]).shape[-2:] == (56, 81)
    # slide inference passes the window as a torch.Size
    meta = dict(img_shape=torch.Size([60, 90]), pad_shape=(64, 96))
    assert dup.predict_by_feat(logits, [meta]).shape[-2:] == (60, 90)


def test_low_level_features_are_downsampled_to_the_last_resolution(device):
    feats = backbone(16, device)(images(64, 96, device))
    dup = head(16, device=device)
    seen = {}
    dup.c1_bottleneck.register_forward_hook(
        lambda m, args, out: seen.update(shape=args[0].shape))
    dup(feats)
    # conv1_3 (8 ch, 1/2) and layer3 (32 ch, 1/16) at layer4's 1/16
    assert seen['shape'] == (2, 8 + 32, *feats[4].shape[-2:])
    assert feats[0].shape[-2:] == (32, 48)


def test_temperature_is_positive_learnt_and_sharpens(device):
    dup = head(16, device=device)
    assert dup.temperature.item() == 1.0  # initialised to 1 (Sec. 4)
    feats = backbone(16, device)(images(32, 32, device))
    logits = dup(feats)
    batch = samples(32, 32, device=device)
    loss = dup.loss_by_feat(logits, batch)['loss_ce']
    loss.backward()
    assert dup.log_temperature.grad is not None
    assert dup.log_temperature.grad.abs() > 0
    with torch.no_grad():
        dup.log_temperature.fill_(-30.)
    assert dup.temperature.item() > 0  # stays positive for any parameter
    dup.eval()
    with torch.no_grad():
        dup.log_temperature.zero_()
        logits = dup(feats)
        dup.log_temperature.fill_(math.log(0.5))
        torch.testing.assert_close(dup(feats), 2 * logits)


def test_vanilla_softmax_and_fixed_basis():
    dup = head(16, adaptive_temperature=False)
    assert dup.log_temperature is None
    assert dup.temperature.item() == 1.0
    # W and the mean are buffers: in checkpoints, not in the optimiser
    names = {n for n, _ in dup.named_parameters()}
    assert not any('dupsample' in n for n in names)
    assert {'dupsample.basis', 'dupsample.mean'} <= dup.state_dict().keys()
    learnt = head(16, trainable_basis=True)
    assert {'dupsample.basis', 'dupsample.mean'} <= {
        n for n, _ in learnt.named_parameters()}


def test_basis_from_file_and_mismatches(tmp_path, device):
    size = 16 * 16 * K
    record = dict(basis=torch.linalg.qr(torch.randn(size, CODE))[0],
                  mean=torch.rand(size), ratio=16, num_classes=K,
                  channels=CODE)
    path = str(tmp_path / 'basis.pth')
    torch.save(record, path)
    dup = head(16, basis_file=path, device=device)
    # W and the mean are buffers: they move with the head
    assert dup.dupsample.basis.device.type == torch.device(device).type
    torch.testing.assert_close(dup.dupsample.basis.cpu(), record['basis'])
    torch.testing.assert_close(dup.dupsample.mean.cpu(), record['mean'])
    with pytest.raises(ValueError, match='has ratio=16 but ratio=32 is '
                       'expected'):
        head(32, basis_file=path)
    with pytest.raises(ValueError, match='has num_classes=5 but '
                       'num_classes=4 is expected'):
        head(16, basis_file=path, num_classes=4)
    with pytest.raises(ValueError, match='has channels=6 but channels=8 is '
                       'expected'):
        head(16, basis_file=path, basis_channels=8)
    with pytest.raises(ValueError, match='DUpsampling expects B x 6'):
        DUpsampling.from_file(path, 16, K, CODE)(torch.zeros(1, 5, 2, 2))


def test_missing_basis_file_waits_for_a_checkpoint(tmp_path):
    path = str(tmp_path / 'not_there.pth')
    dup = head(16, basis_file=path)  # e.g. testing on another machine
    assert not dup.dupsample.basis.any()
    with pytest.raises(RuntimeError, match='not_there.pth'):
        dup(backbone(16)(torch.randn(2, 3, 32, 32)))


def test_zero_basis_needs_a_checkpoint(device):
    trained = head(16, device=device)
    fresh = MODELS.build(dict(
        type='DUpsamplingHead', in_channels=64, in_index=4, channels=16,
        dilations=(1, 2), c1_in_index=(0, 3), c1_in_channels=(8, 32),
        c1_channels=4, ratio=16, basis_channels=CODE, num_classes=K,
        norm_cfg=dict(type='BN'))).to(device)
    feats = backbone(16, device)(images(32, 32, device))
    with pytest.raises(RuntimeError, match='basis W is zero'):
        fresh(feats)
    fresh.load_state_dict(trained.state_dict())
    trained.eval()
    fresh.eval()
    torch.testing.assert_close(fresh(feats), trained(feats))


def test_bad_configuration_is_refused():
    feats = backbone(16)(torch.randn(2, 3, 32, 32))
    with pytest.raises(ValueError, match=r'one channel count per '
                       r'c1_in_index \[0, 3\]'):
        head(16, c1_in_channels=(8, ))
    with pytest.raises(ValueError, match=r'outputs \[0, 2\] have \[8, 16\] '
                       r'channels.*\[8, 32\]'):
        head(16, c1_in_index=(0, 2))(feats)
    with pytest.raises(ValueError, match='out_channels=1'):
        head(16, num_classes=2, out_channels=1, threshold=0.5)
    with pytest.raises(ValueError, match='DUpsamplingHead was built for '
                       'in_channels=128 at in_index=4, but the backbone '
                       'gives 64 channels'):
        head(16, in_channels=128)(feats)
    # a basis for r = 16 on an output stride 8 backbone
    logits = head(16)(backbone(8)(torch.randn(2, 3, 32, 32)))
    with pytest.raises(ValueError, match=r'r=16 gave 64x64 logits for a '
                       r'32x32 input'):
        head(16).loss_by_feat(logits, samples(32, 32))


def bilinear_head(**kwargs):
    """The head of :func:`head` (r = 8) as its bilinear baseline."""
    cfg = dict(type='DUpsamplingHead', in_channels=64, in_index=4,
               channels=16, dilations=(1, 2), c1_in_index=(0, 3),
               c1_in_channels=(8, 32), c1_channels=4, ratio=8,
               basis_channels=CODE, basis_file=None, num_classes=K,
               norm_cfg=dict(type='BN'), upsample='bilinear',
               adaptive_temperature=False)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_bilinear_baseline_is_the_same_network(device):
    """Table 1's baseline: the same layers but ``conv_seg`` (K logits, not
    the C~ codes), no basis, no temperature; its logits at the feature
    resolution, resized bilinearly to the labels and the input as mmseg's
    heads do."""
    torch.manual_seed(0)
    ours, theirs = bilinear_head().to(device), head(8, device=device)
    ours_keys, theirs_keys = ours.state_dict(), theirs.state_dict()
    assert set(ours_keys) == {
        k for k in theirs_keys
        if not k.startswith('dupsample.') and k != 'log_temperature'
    }
    for key, value in ours_keys.items():
        if not key.startswith('conv_seg.'):
            assert value.shape == theirs_keys[key].shape, key
    assert ours.conv_seg.weight.shape == (K, 16, 1, 1)
    feats = backbone(8, device)(images(32, 40, device))
    logits = ours(feats)
    assert logits.shape == (2, K, 4, 5)
    labels = samples(32, 40, device=device)
    loss = ours.loss_by_feat(logits, labels)['loss_ce']
    target = torch.stack([s.gt_sem_seg.data[0] for s in labels])
    # mmseg's mean over every pixel, the ignored ones counted as 0
    expected = F.cross_entropy(
        F.interpolate(logits, size=(32, 40), mode='bilinear',
                      align_corners=False), target, ignore_index=255,
        reduction='none').mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert ours.predict_by_feat(
        logits, [dict(img_shape=(32, 40))] * 2).shape == (2, K, 32, 40)


def test_bilinear_baseline_refuses_a_basis_or_temperature():
    with pytest.raises(ValueError, match="'dupsampling' or 'bilinear', got "
                       "'nearest'"):
        bilinear_head(upsample='nearest')
    with pytest.raises(ValueError, match=r"set basis_file to None/False, "
                       r"got \{'basis_file': 'b.pth'\}"):
        bilinear_head(basis_file='b.pth')
    with pytest.raises(ValueError, match='set trainable_basis, '
                       'adaptive_temperature to'):
        bilinear_head(adaptive_temperature=True, trainable_basis=True)
