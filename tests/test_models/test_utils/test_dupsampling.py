# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch

from mmseg_ctx.models.utils import DUpsampling, label_patches

K, R = 3, 4


def labels(height=8, width=12, seed=0, device='cpu'):
    """Labels drawn on the CPU (the same on every device), on ``device``."""
    gen = torch.Generator().manual_seed(seed)
    out = torch.randint(0, K, (2, height, width), generator=gen)
    out[0, 0, :3] = 255
    return out.to(device)


def identity_upsampler(trainable=False, device='cpu'):
    size = R * R * K
    return DUpsampling(torch.eye(size), torch.zeros(size), R, K,
                       trainable).to(device)


def test_patch_order_and_padding(device):
    lab = labels(10, 13, device=device)
    vectors, observed = label_patches(lab, R, K)
    assert vectors.device == observed.device == lab.device
    assert vectors.shape == (2, 3, 4, R * R * K)  # padded to 12 x 16
    assert observed.shape == (2, 3, 4, R * R)
    # entry (dy, dx, k) of patch (i, j) is pixel (i r + dy, j r + dx) == k
    i, j, dy, dx = 1, 2, 3, 1
    k = int(lab[1, i * R + dy, j * R + dx])
    assert vectors[1, i, j, (dy * R + dx) * K + k] == 1
    assert vectors[1, i, j].sum() == R * R
    # ignored pixels and padding are unobserved and belong to no class
    assert not observed[0, 0, 0, :3].any() and observed[0, 0, 0, 3:].all()
    grid = observed.view(2, 3, 4, R, R)  # ..., dy, dx
    assert not grid[:, 2, :, 2:].any()  # rows 10, 11 are padding
    assert grid[:, 2, :3, :2].all()  # rows 8, 9 of full columns are real
    assert not grid[:, :, 3, :, 1:].any()  # columns 13-15 are padding
    assert vectors[0, 0, 0, :3 * K].sum() == 0


def test_full_basis_restores_labels_on_non_square_maps(device):
    """With C~ = N, compress then DUpsample gives the labels back."""
    up = identity_upsampler(device=device)
    lab = labels(8, 12, device=device)
    codes = up.compress(lab)
    assert codes.shape == (2, R * R * K, 2, 3)
    restored = up(codes)
    assert restored.shape == (2, K, 8, 12)
    keep = lab != 255
    assert torch.equal(restored.argmax(1)[keep], lab[keep])


def test_mismatched_basis_is_refused():
    with pytest.raises(ValueError, match=r'48 x C~ for ratio r=4 and K=3'):
        DUpsampling(torch.zeros(50, 8), torch.zeros(50), R, K)
    with pytest.raises(ValueError, match='mean patch must have 48 entries'):
        DUpsampling(torch.zeros(48, 8), torch.zeros(47), R, K)
    with pytest.raises(ValueError, match='expects B x 48 x h x w'):
        identity_upsampler()(torch.zeros(1, 8, 2, 2))
    with pytest.raises(ValueError, match='label 5 is outside'):
        label_patches(torch.full((1, 4, 4), 5), R, K)


def test_fixed_or_trainable_basis(device):
    fixed = identity_upsampler(device=device)
    learnt = identity_upsampler(True, device)
    assert {n for n, _ in fixed.named_buffers()} == {'basis', 'mean'}
    assert not list(fixed.parameters())
    assert {n for n, _ in learnt.named_parameters()} == {'basis', 'mean'}
    learnt(torch.randn(1, R * R * K, 2, 3).to(device)).sum().backward()
    assert learnt.basis.grad is not None


def test_compress_takes_the_mean_at_ignored_pixels(device):
    """As in the PCA, an ignored (or padded) pixel contributes nothing
    after centring: a fully ignored patch has the zero code."""
    gen = torch.Generator().manual_seed(0)
    size = R * R * K
    up = DUpsampling(torch.linalg.qr(torch.randn(size, 5, generator=gen))[0],
                     torch.rand(size, generator=gen), R, K).to(device)
    lab = torch.randint(0, K, (1, 8, 8), generator=gen).to(device)
    lab[0, :4, :4] = 255
    codes = up.compress(lab)
    assert codes[0, :, 0, 0].abs().max() == 0
    assert codes[0, :, 1, 1].abs().max() > 0
    # a partly ignored patch: only its labelled pixels count
    lab[0, 4:, 4:5] = 255
    codes = up.compress(lab)
    vectors, observed = label_patches(lab, R, K)
    mask = observed.repeat_interleave(K, -1)
    expected = ((vectors - up.mean) * mask) @ up.basis
    torch.testing.assert_close(codes.permute(0, 2, 3, 1), expected)
