# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Context within the image (``A_wi`` of MCIBI, eq. 3) from mmseg's own
modules, so MCIBI can sit on FCN (none), PSPNet (PPM), DeepLabV3 (ASPP) or
OCRNet (OCR). Each maps R (B x C x h x w) to C_wi of the same shape."""
from typing import Optional, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.decode_heads.ocr_head import (ObjectAttentionBlock,
                                                SpatialGatherModule)
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.models.utils import resize
from torch import Tensor, nn


class PPMContext(nn.Module):
    """PSPNet's pyramid pooling on R, then a 3x3 conv back to C."""

    def __init__(self, channels: int, pool_scales: Sequence[int],
                 align_corners: bool, **cfg) -> None:
        super().__init__()
        self.ppm = PPM(pool_scales, channels, channels // len(pool_scales),
                       align_corners=align_corners, **cfg)
        self.bottleneck = ConvModule(
            channels + len(pool_scales) * (channels // len(pool_scales)),
            channels, 3, padding=1, **cfg)

    def forward(self, feats: Tensor, coarse: Tensor) -> Tensor:
        return self.bottleneck(torch.cat([feats, *self.ppm(feats)], dim=1))


class ASPPContext(nn.Module):
    """DeepLabV3's ASPP with image pooling on R, then a 3x3 conv to C."""

    def __init__(self, channels: int, dilations: Sequence[int],
                 align_corners: bool, **cfg) -> None:
        super().__init__()
        self.align_corners = align_corners
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), ConvModule(channels, channels, 1, **cfg))
        self.aspp = ASPPModule(dilations, channels, channels, **cfg)
        self.bottleneck = ConvModule(
            (len(dilations) + 1) * channels, channels, 3, padding=1, **cfg)

    def forward(self, feats: Tensor, coarse: Tensor) -> Tensor:
        pooled = resize(
            self.image_pool(feats),
            size=feats.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return self.bottleneck(torch.cat([pooled, *self.aspp(feats)], dim=1))


class OCRContext(nn.Module):
    """OCRNet's object-contextual representations on R; the soft object
    regions are MCIBI's coarse prediction H1(R)."""

    def __init__(self, channels: int, ocr_channels: int, **cfg) -> None:
        super().__init__()
        self.gather = SpatialGatherModule(scale=1)
        self.object_attention = ObjectAttentionBlock(
            channels, ocr_channels, scale=1, **cfg)

    def forward(self, feats: Tensor, coarse: Tensor) -> Tensor:
        return self.object_attention(feats, self.gather(feats, coarse))


def build_image_context(kind: str,
                        channels: int,
                        align_corners: bool = False,
                        pool_scales: Sequence[int] = (1, 2, 3, 6),
                        dilations: Sequence[int] = (1, 12, 24, 36),
                        ocr_channels: Optional[int] = None,
                        **cfg) -> Optional[nn.Module]:
    """``kind``: 'none' (FCN), 'ppm' (PSPNet), 'aspp' (DeepLabV3) or 'ocr'
    (OCRNet). ``cfg`` holds conv_cfg, norm_cfg and act_cfg."""
    if kind == 'none':
        return None
    if kind == 'ppm':
        return PPMContext(channels, pool_scales, align_corners, **cfg)
    if kind == 'aspp':
        return ASPPContext(channels, dilations, align_corners, **cfg)
    if kind == 'ocr':
        return OCRContext(channels, ocr_channels or channels // 2, **cfg)
    raise ValueError("context must be 'none', 'ppm', 'aspp' or 'ocr', got "
                     f'{kind!r}')
