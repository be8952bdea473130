# Copyright (c) mmseg_ctx contributors. All rights reserved.
import copy

import pytest
import torch
import torch.nn.functional as F
from config_writers import write_tiny_config
from helpers import ROOT
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_ctx  # noqa: F401
from mmseg_ctx.models.losses import presence_targets

K = 5
AUX = dict(type='EncSEHead', in_channels=32, in_index=2, channels=16,
           num_classes=K, norm_cfg=dict(type='BN'))


def samples(num=2, size=32, ignore=255, device='cpu'):
    out = []
    for i in range(num):
        sample = SegDataSample()
        label = torch.full((1, size, size), ignore, device=device)
        label[:, :8] = i  # class i present, with ignored pixels
        sample.gt_sem_seg = PixelData(data=label)
        sample.set_metainfo(dict(img_shape=(size, size),
                                 pad_shape=(size, size),
                                 ori_shape=(size, size)))
        out.append(sample)
    return out


def model(with_aux=True, device='cpu'):
    cfg = dict(
        type='EncoderDecoder',
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                      base_channels=8, dilations=(1, 1, 2, 4),
                      strides=(1, 2, 1, 1)),
        decode_head=dict(type='FCNHead', in_channels=64, in_index=3,
                         channels=16, num_classes=K,
                         norm_cfg=dict(type='BN')),
        auxiliary_head=AUX if with_aux else None,
        test_cfg=ConfigDict(mode='whole'))
    return MODELS.build(cfg).to(device)


def stages(device: str = 'cpu', channels=(8, 16, 32)):
    """Backbone outputs, drawn on the CPU, on ``device``."""
    return [torch.randn(2, c, 4, 4).to(device) for c in channels]


def test_a_loss_only_from_class_presence(device):
    head = MODELS.build(AUX).to(device)
    feats = stages(device)
    logits = head(feats)
    assert logits.shape == (2, K)
    losses = head.loss_by_feat(logits, samples(device=device))
    assert set(losses) == {'loss_se'}
    losses['loss_se'].backward()
    assert head.se_layer.weight.grad.abs().sum() > 0
    assert head.encoding[0].codewords.grad.abs().sum() > 0
    assert not hasattr(head, 'conv_seg')  # no per-pixel output
    with pytest.raises(RuntimeError, match='auxiliary head'):
        head.predict(feats, [], {})
    with pytest.raises(ValueError, match='num_codes must be >= 1'):
        MODELS.build(dict(AUX, num_codes=0))
    with pytest.raises(ValueError, match='must be SemanticEncodingLoss'):
        MODELS.build(dict(AUX, loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=0.2)))
    with pytest.raises(ValueError, match='in_channels=32 at in_index=2, '
                       'but the backbone gives 16 channels'):
        head(stages(device, (8, 16, 16)))


def test_loss_is_the_se_loss_on_the_label_maps(device):
    """0.2 x BCE against the classes present; the head's ignore_index (here
    not 255) is no class."""
    head = MODELS.build(dict(AUX, ignore_index=250)).to(device)
    logits = head(stages(device))
    batch = samples(ignore=250, device=device)
    losses = head.loss_by_feat(logits, batch)
    labels = torch.cat([s.gt_sem_seg.data for s in batch])
    targets = presence_targets(labels, K, ignore_index=250)
    assert targets.tolist() == [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]
    torch.testing.assert_close(
        losses['loss_se'],
        0.2 * F.binary_cross_entropy_with_logits(logits, targets))


def test_dropout_before_the_fc(device):
    head = MODELS.build(dict(AUX, dropout_ratio=0.5)).to(device)
    feats = stages(device)
    torch.manual_seed(0)
    assert not torch.equal(head(feats), head(feats))  # training: dropped
    head.eval()
    assert torch.equal(head(feats), head(feats))
    assert MODELS.build(AUX).dropout is None  # none by default (paper)


def test_as_auxiliary_head_it_trains_and_leaves_inference_alone(device):
    with_se = model(device=device)
    without = model(with_aux=False, device=device)
    images = torch.randn(2, 3, 32, 32).to(device)
    losses = with_se.loss(images, samples(device=device))
    without.load_state_dict(
        {k: v for k, v in with_se.state_dict().items()
         if not k.startswith('auxiliary_head.')})
    assert {'decode.loss_ce', 'aux.loss_se'} <= set(losses)
    assert not any(k.startswith('aux.') and k != 'aux.loss_se'
                   for k in losses if k.startswith('aux.loss'))
    with_se.eval()
    without.eval()
    with torch.no_grad():
        a = with_se.predict(images, copy.deepcopy(samples(device=device)))
        b = without.predict(images, copy.deepcopy(samples(device=device)))
    for x, y in zip(a, b):
        torch.testing.assert_close(x.seg_logits.data, y.seg_logits.data)


def test_encnet_trains_on_context_shapes(tiny_data, tmp_path):
    """A few iterations of the demo's EncNet (both Context Encoding Modules)
    with the stock Runner: both SE-losses are logged and the stage-3
    module's codewords learn."""
    config = write_tiny_config(
        str(tmp_path / 'encnet.py'), tiny_data,
        base=f'{ROOT}/configs/encnet/'
        'encnet-se3_r18s-d8_1xb8-300it_context-shapes-128x128.py',
        iters=3)
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    codewords = runner.model.auxiliary_head.encoding[0].codewords.clone()
    runner.train()
    assert runner.iter == 3
    for key in ('decode.loss_ce', 'decode.loss_se', 'aux.loss_se'):
        value = runner.message_hub.get_scalar(f'train/{key}').current()
        assert 0 < value < float('inf'), key
    assert not torch.equal(
        runner.model.auxiliary_head.encoding[0].codewords, codewords)
