# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Bilinear resizing as taps: every output pixel of ``F.interpolate(...,
mode='bilinear')`` is a weighted sum of four source pixels, ``R_o = sum_s
w_os f_s``. With the taps, what a resized map would give can be computed at
the source resolution: its dot products with fixed vectors (``M f`` read
at the taps), its squared norms (:func:`resized_square_norms`, a quadratic
form of neighbouring dot products) and sums weighted per output pixel (the
adjoint: the weights scattered back to the four taps). MCIBI's memory
update (eq. 8-10, :class:`FeatureMemory`) is computed this way."""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def linear_taps(size_in: int, size_out: int, align_corners: bool,
                device: torch.device) -> Tuple[Tensor, Tensor, Tensor]:
    """torch's linear interpolation from ``size_in`` to ``size_out`` points
    as taps: for each output point the first source index ``i`` and the
    weights of ``i`` and ``i + 1`` (0 where ``i`` is the last source).

    Read off ``F.interpolate`` of the identity, so they are torch's own
    weights for either ``align_corners``; bilinear resizing is this in each
    direction.
    """
    eye = torch.eye(size_in, dtype=torch.float32, device=device)[None]
    weights = F.interpolate(
        eye, size=size_out, mode='linear',
        align_corners=align_corners)[0].t()  # size_out x size_in
    first = (weights > 0).int().argmax(1)  # the first tap is never 0
    second = (first + 1).clamp(max=size_in - 1)
    w_first = weights.gather(1, first[:, None])[:, 0]
    w_second = torch.where(first + 1 < size_in,
                           weights.gather(1, second[:, None])[:, 0], 0.)
    return first, w_first, w_second


def bilinear_taps(size_in: Tuple[int, int], size_out: Tuple[int, int],
                  align_corners: bool,
                  device: torch.device) -> Tuple[Tensor, Tensor]:
    """The four source pixels of every output pixel of a bilinear resize
    and their weights, so that ``resize(f)[:, o] = sum_s w[s, o] *
    f_pad[:, index[s, o]]``.

    Indices are into the source map padded with a zero row and column,
    flattened: ``(h + 1) * (w + 1)`` positions, so that the neighbour of a
    last row or column is a zero of weight 0, never another pixel. The taps
    are, in order, (y, x), (y, x + 1), (y + 1, x), (y + 1, x + 1).

    Returns:
        tuple[Tensor, Tensor]: ``index`` and ``weight``, both 4 x HW.
    """
    (height, width), stride = size_in, size_in[1] + 1
    row, row_w0, row_w1 = linear_taps(height, size_out[0], align_corners,
                                      device)
    col, col_w0, col_w1 = linear_taps(width, size_out[1], align_corners,
                                      device)
    top_left = (row[:, None] * stride + col[None]).flatten()
    index = torch.stack([
        top_left, top_left + 1, top_left + stride, top_left + stride + 1
    ])
    weight = torch.stack([(a[:, None] * b[None]).flatten()
                          for a in (row_w0, row_w1)
                          for b in (col_w0, col_w1)])
    return index, weight


def neighbour_products(padded: Tensor) -> Dict[str, Tensor]:
    """Dot products of each feature vector of zero-padded (B x) C x (h + 1)
    x (w + 1) maps with itself and with its neighbours to the right, below
    and on both diagonals of its 2 x 2 block, flattened like the maps ((B x)
    P): all that the squared norm of a bilinearly resized vector needs."""
    more = F.pad(padded, (0, 1, 0, 1))
    here, right = more[..., :-1, :-1], more[..., :-1, 1:]
    down, diagonal = more[..., 1:, :-1], more[..., 1:, 1:]

    def dot(a: Tensor, b: Tensor) -> Tensor:
        # on the shifted views as they are (einsum would copy them first)
        return (a * b).sum(-3).flatten(-2)

    return dict(
        self=dot(here, here),
        right=dot(here, right),
        down=dot(here, down),
        diagonal=dot(here, diagonal),
        anti_diagonal=dot(right, down))


def resized_square_norms(products: Dict[str, Tensor], index: Tensor,
                         weight: Tensor) -> Tensor:
    """``|R_o|^2`` of every output pixel o of the bilinear resize, with
    ``R_o = sum_s w_s f_s`` over its four taps: the quadratic form
    ``sum_s sum_t w_s w_t <f_s, f_t>`` of the neighbour products."""
    w00, w01, w10, w11 = weight
    i00, i01, i10, i11 = index
    p = products
    sq = (w00 * w00 * p['self'][..., i00] + w01 * w01 * p['self'][..., i01] +
          w10 * w10 * p['self'][..., i10] + w11 * w11 * p['self'][..., i11])
    cross = (w00 * w01 * p['right'][..., i00] +
             w10 * w11 * p['right'][..., i10] +
             w00 * w10 * p['down'][..., i00] +
             w01 * w11 * p['down'][..., i01] +
             w00 * w11 * p['diagonal'][..., i00] +
             w01 * w10 * p['anti_diagonal'][..., i00])
    return sq + 2 * cross
