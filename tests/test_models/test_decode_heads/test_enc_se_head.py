# Copyright (c) mmseg_ctx contributors. All rights reserved.
import copy

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_ctx  # noqa: F401

K = 5
AUX = dict(type='EncSEHead', in_channels=32, in_index=2, channels=16,
           num_classes=K, norm_cfg=dict(type='BN'))


def samples(num=2, size=32):
    out = []
    for i in range(num):
        sample = SegDataSample()
        label = torch.full((1, size, size), 255)
        label[:, :8] = i  # class i present, with ignored pixels
        sample.gt_sem_seg = PixelData(data=label)
        sample.set_metainfo(dict(img_shape=(size, size),
                                 pad_shape=(size, size),
                                 ori_shape=(size, size)))
        out.append(sample)
    return out


def model(with_aux=True):
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
    return MODELS.build(cfg)


def test_a_loss_only_from_class_presence():
    head = MODELS.build(AUX)
    feats = [torch.randn(2, c, 4, 4) for c in (8, 16, 32)]
    logits = head(feats)
    assert logits.shape == (2, K)
    losses = head.loss_by_feat(logits, samples())
    assert set(losses) == {'loss_se'}
    losses['loss_se'].backward()
    assert head.se_layer.weight.grad.abs().sum() > 0
    assert head.encoding[0].codewords.grad.abs().sum() > 0
    assert not hasattr(head, 'conv_seg')  # no per-pixel output
    with pytest.raises(RuntimeError, match='auxiliary head'):
        head.predict(feats, [], {})
    with pytest.raises(ValueError, match='num_codes must be >= 1'):
        MODELS.build(dict(AUX, num_codes=0))


def test_as_auxiliary_head_it_trains_and_leaves_inference_alone():
    with_se, without = model(), model(with_aux=False)
    images = torch.randn(2, 3, 32, 32)
    losses = with_se.loss(images, samples())
    without.load_state_dict(
        {k: v for k, v in with_se.state_dict().items()
         if not k.startswith('auxiliary_head.')})
    assert {'decode.loss_ce', 'aux.loss_se'} <= set(losses)
    assert not any(k.startswith('aux.') and k != 'aux.loss_se'
                   for k in losses if k.startswith('aux.loss'))
    with_se.eval()
    without.eval()
    with torch.no_grad():
        a = with_se.predict(images, copy.deepcopy(samples()))
        b = without.predict(images, copy.deepcopy(samples()))
    for x, y in zip(a, b):
        torch.testing.assert_close(x.seg_logits.data, y.seg_logits.data)
