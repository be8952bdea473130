# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmseg_ctx.models.losses import SemanticEncodingLoss, presence_targets


def test_presence_targets_exclude_ignore_and_absent_classes(device):
    labels = torch.full((3, 4, 5), 255, device=device)
    labels[0, 0, :2] = torch.tensor([0, 3], device=device)
    labels[1] = 2
    # image 2: only ignored pixels -> no class present
    targets = presence_targets(labels, 4)
    assert targets.device == labels.device
    assert targets.tolist() == [[1, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0]]
    with pytest.raises(ValueError, match='label 7 is outside'):
        presence_targets(torch.full((1, 2, 2), 7, device=device), 4)
    with pytest.raises(ValueError, match='label -1 is outside'):
        presence_targets(torch.full((1, 2, 2), -1, device=device), 4)


def test_loss_is_weighted_binary_cross_entropy(device):
    loss = SemanticEncodingLoss()
    assert loss.loss_weight == 0.2 and loss.loss_name == 'loss_se'
    logits = torch.randn(2, 4).to(device).requires_grad_()
    labels = torch.tensor([[[0, 255], [1, 1]], [[3, 3], [255, 255]]],
                          device=device)
    value = loss(logits, labels[:, None])  # B x 1 x H x W also taken
    expected = 0.2 * F.binary_cross_entropy_with_logits(
        logits, torch.tensor([[1., 1, 0, 0], [0, 0, 0, 1]], device=device))
    torch.testing.assert_close(value, expected)
    value.backward()
    assert logits.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='must start with "loss_"'):
        SemanticEncodingLoss(loss_name='se')
    with pytest.raises(ValueError, match='B x K with B = 2'):
        loss(torch.randn(3, 4, device=device), labels)
