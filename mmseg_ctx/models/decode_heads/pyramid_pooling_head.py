# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Sequence

from mmcv.cnn import ConvModule
from mmseg.models.decode_heads import PSPHead
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.registry import MODELS
from torch import nn

from ..utils import CheckedInputsMixin, ExportableAdaptiveMaxPool2d

POOL_TYPES = ('avg', 'max')


@MODELS.register_module()
class PyramidPoolingHead(CheckedInputsMixin, PSPHead):
    """mmseg's :class:`PSPHead` with the pyramid pooling ablation of the
    PSPNet paper (Zhao et al., CVPR 2017, Table 1): each level pools the
    last-stage features to ``b x b`` bins (``pool_scales``, e.g. (1, ) for
    B1 or (1, 2, 3, 6) for B1236) by average (``pool_type='avg'``, AVE)
    or max (``'max'``, MAX) pooling; with ``reduction`` (DR) a 1x1 conv
    then reduces each level to 1/N of the input channels for N levels (the
    paper; mmseg's PSPHead reduces to ``channels`` instead), without it the
    pooled features keep their channels. The levels are upsampled and
    concatenated with the input, then the 3x3 bottleneck and the classifier
    follow, as in mmseg's PSPHead.

    Args:
        pool_scales (Sequence[int]): the bins b of each level. Defaults to
            (1, 2, 3, 6) (B1236).
        pool_type (str): ``'avg'`` (AVE) or ``'max'`` (MAX). Defaults to
            ``'avg'``.
        reduction (bool): reduce each level to 1/N of the input channels
            (DR). Defaults to True.
        **kwargs: mmseg's :class:`PSPHead` (and ``BaseDecodeHead``)
            arguments.
    """

    def __init__(self,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 pool_type: str = 'avg',
                 reduction: bool = True,
                 **kwargs) -> None:
        if pool_type not in POOL_TYPES:
            raise ValueError(f'pool_type must be one of {POOL_TYPES}, got '
                             f'{pool_type!r}')
        if not pool_scales:
            raise ValueError('pool_scales must name at least one level')
        super().__init__(pool_scales=tuple(pool_scales), **kwargs)
        if reduction and self.in_channels % len(pool_scales):
            raise ValueError(
                f'reduction to 1/N of in_channels={self.in_channels} needs '
                f'N={len(pool_scales)} levels to divide it')
        self.pool_type = pool_type
        self.reduction = reduction
        level_channels = self.in_channels // len(pool_scales)
        self.psp_modules = PPM(
            self.pool_scales, self.in_channels, level_channels,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg, align_corners=self.align_corners)
        for level, scale in zip(self.psp_modules, self.pool_scales):
            if pool_type == 'max':
                level[0] = ExportableAdaptiveMaxPool2d(scale)
            if not reduction:
                level[1] = nn.Identity()
        if not reduction:
            level_channels = self.in_channels
        self.bottleneck = ConvModule(
            self.in_channels + len(pool_scales) * level_channels,
            self.channels,
            3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
