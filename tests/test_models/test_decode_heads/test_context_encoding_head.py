# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from model_makers import autocast_dtypes

import mmseg_ctx  # noqa: F401
from mmseg_ctx.models.losses import presence_targets

K = 5
HEAD = dict(type='ContextEncodingHead', in_channels=[8, 16, 32],
            in_index=(0, 1, 2), channels=16, num_classes=K,
            norm_cfg=dict(type='BN'))


def feats(device: str = 'cpu'):
    """Three stages drawn on the CPU (the same on every device)."""
    gen = torch.Generator().manual_seed(0)
    return [
        torch.randn(2, c, 6, 6, generator=gen).to(device) for c in (8, 16, 32)
    ]


def test_attention_as_the_paper_and_as_mmseg(device):
    torch.manual_seed(0)
    paper = MODELS.build(HEAD).to(device)
    ours = MODELS.build(dict(HEAD, attention='mmseg')).to(device)
    ours.load_state_dict(paper.state_dict())
    paper.eval()
    ours.eval()
    x = torch.randn(2, 16, 6, 6).to(device)
    encoded, y = paper.enc_module(x)
    gamma = paper.enc_module.fc(encoded)[:, :, None, None]
    torch.testing.assert_close(y, x * gamma)  # Y = X * gamma
    _, y_mmseg = ours.enc_module(x)
    torch.testing.assert_close(y_mmseg, F.relu(x + x * gamma))
    assert not torch.allclose(y, y_mmseg)


def test_mmseg_checkpoints_load_and_match_with_mmseg_attention(device):
    torch.manual_seed(0)
    theirs = MODELS.build(dict(HEAD, type='EncHead')).to(device)
    ours = MODELS.build(dict(HEAD, attention='mmseg')).to(device)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    theirs.eval()
    ours.eval()
    with torch.no_grad():
        for a, b in zip(theirs(feats(device)), ours(feats(device))):
            torch.testing.assert_close(a, b)


def test_zero_codewords_is_global_average_pooling(device):
    head = MODELS.build(dict(HEAD, num_codes=0)).to(device)
    head.eval()
    module = head.enc_module
    assert module.encoding is None
    assert not any('encoding.0' in k for k in head.state_dict())
    x = torch.randn(2, 16, 6, 6).to(device)
    encoded, _ = module(x)
    torch.testing.assert_close(encoded,
                               module.encoding_project(x).mean((2, 3)))
    seg, presence = head(feats(device))
    assert seg.shape == (2, K, 6, 6) and presence.shape == (2, K)


def label_batch(device: str = 'cpu'):
    batch = []
    for i in range(2):
        sample = SegDataSample()
        label = torch.full((1, 12, 12), 255, device=device)
        label[:, :4] = i + 1
        sample.gt_sem_seg = PixelData(data=label)
        batch.append(sample)
    return batch


def test_losses_include_the_se_loss_on_label_maps(device):
    head = MODELS.build(HEAD).to(device)
    batch = label_batch(device)
    seg, presence = head(feats(device))
    losses = head.loss_by_feat((seg, presence), batch)
    assert {'loss_ce', 'loss_se', 'acc_seg'} <= set(losses)
    labels = torch.cat([s.gt_sem_seg.data for s in batch])
    expected = 0.2 * F.binary_cross_entropy_with_logits(
        presence, presence_targets(labels, K))
    torch.testing.assert_close(losses['loss_se'], expected)


def test_without_se_loss_only_the_pixel_losses(device):
    """FCN + Context Encoding Module without SE-loss (the paper's Table 1
    "Encoding" row): one output, per-pixel losses only."""
    head = MODELS.build(dict(HEAD, use_se_loss=False)).to(device)
    seg = head(feats(device))
    assert isinstance(seg, torch.Tensor) and seg.shape == (2, K, 6, 6)
    losses = head.loss_by_feat(seg, label_batch(device))
    assert set(losses) == {'loss_ce', 'acc_seg'}
    losses['loss_ce'].backward()
    assert head.enc_module.encoding[0].codewords.grad.abs().sum() > 0


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="attention must be one of"):
        MODELS.build(dict(HEAD, attention='residual'))
    with pytest.raises(ValueError, match='num_codes must be >= 0'):
        MODELS.build(dict(HEAD, num_codes=-1))
    with pytest.raises(ValueError, match='SemanticEncodingLoss'):
        MODELS.build(dict(HEAD, loss_se_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=0.2)))
    wrong = feats()
    wrong[1] = torch.randn(2, 12, 6, 6)
    with pytest.raises(ValueError, match=r'in_channels=\[8, 16, 32\] at '
                       r'in_index=\(0, 1, 2\), but the backbone gives '
                       r'\[8, 12, 32\]'):
        MODELS.build(HEAD)(wrong)


def test_encoding_runs_in_fp32_under_autocast(device):
    """The soft assignment exp(-s_k |x_i - d_k|^2) (eq. 1) sums C squared
    residuals per pixel and codeword: under autocast (bf16 on the CPU, fp16
    and bf16 on CUDA) it must stay in fp32 (the fp32 codewords promote the
    residuals), and the head's output follows the fp32 one."""
    torch.manual_seed(0)
    head = MODELS.build(HEAD).to(device)
    head.eval()
    seen = {}
    head.enc_module.encoding[0].register_forward_hook(
        lambda module, args, out: seen.update(dtype=out.dtype))
    x = [10 * f for f in feats(device)]  # large activations
    with torch.no_grad():
        reference, _ = head(x)
    for dtype in autocast_dtypes(device):
        seen.clear()
        with torch.no_grad(), torch.autocast(
                torch.device(device).type, dtype=dtype):
            logits, presence = head(x)
        assert seen['dtype'] == torch.float32, dtype
        assert torch.isfinite(logits).all(), dtype
        assert torch.isfinite(presence).all(), dtype
        torch.testing.assert_close(
            logits.float(), reference, rtol=0.1,
            atol=0.1 * reference.abs().max().item(),
            msg=lambda message, dtype=dtype: f'{dtype}: {message}')
