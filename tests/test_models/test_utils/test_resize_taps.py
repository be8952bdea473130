# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Bilinear resizing as taps: the resize, the squared norms of resized
vectors and the adjoint, each against ``F.interpolate``."""
import torch
import torch.nn.functional as F

from mmseg_ctx.models.utils import (bilinear_taps, neighbour_products,
                                    resized_square_norms)

#: (source size, output size): up, identity, down, from a single pixel
CASES = (((3, 5), (7, 12)), ((6, 4), (6, 4)), ((9, 7), (4, 5)),
         ((1, 1), (3, 2)))


def test_bilinear_taps_are_torch_resize(device):
    """Four taps and weights per output pixel reproduce F.interpolate, for
    both align_corners, up and down."""
    gen = torch.Generator().manual_seed(0)
    for (h, w), size in CASES:
        feat = torch.randn(2, h, w, generator=gen).to(device)
        padded = F.pad(feat, (0, 1, 0, 1)).flatten(1)
        for align_corners in (False, True):
            index, weight = bilinear_taps((h, w), size, align_corners,
                                          feat.device)
            ours = (padded[:, index] * weight).sum(1).view(2, *size)
            torch.testing.assert_close(
                ours, F.interpolate(feat[None], size=size, mode='bilinear',
                                    align_corners=align_corners)[0])


def test_square_norms_and_adjoint_of_the_resize(device):
    """``|R_o|^2`` from the neighbours' dot products is the squared norm of
    the resized vectors; scattering weights back to the taps is the
    adjoint: ``<resize(f), v> = <f, resize^T(v)>`` (to fp32 round-off: the
    taps' weights are torch's fp32 ones)."""
    gen = torch.Generator().manual_seed(1)
    for (h, w), size in CASES:
        feat = torch.randn(3, 4, h, w, generator=gen).to(device)
        padded = F.pad(feat, (0, 1, 0, 1))
        index, weight = bilinear_taps((h, w), size, False, feat.device)
        resized = F.interpolate(feat, size=size, mode='bilinear')
        norms = resized_square_norms(neighbour_products(padded), index,
                                     weight)
        torch.testing.assert_close(
            norms, resized.pow(2).sum(1).flatten(1), rtol=1e-5, atol=1e-5)
        values = torch.randn(size, generator=gen).to(device).flatten()
        down = torch.zeros(padded[0, 0].numel(), device=device).index_add_(
                               0, index.flatten(),
                               (weight * values).flatten())
        torch.testing.assert_close(
            (resized * values.view(size)).sum((2, 3)),
            padded.flatten(2) @ down, rtol=1e-5, atol=1e-5)
