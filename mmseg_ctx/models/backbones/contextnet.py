# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Optional, Sequence, Tuple

from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from mmseg.models.backbones.fast_scnn import FeatureFusionModule
from mmseg.models.utils import InvertedResidual, make_divisible, resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType
from torch import Tensor, nn

#: Table 2: (expansion t, output channels c, repeats n, stride s)
BOTTLENECKS = ((1, 32, 1, 1), (6, 32, 1, 1), (6, 48, 3, 2), (6, 64, 3, 2),
               (6, 96, 2, 1), (6, 128, 2, 1))


class DetailBranch(nn.Sequential):
    """The shallow full-resolution branch (Sec. 2.2): a standard 3x3 conv,
    then depthwise-separable 3x3 convs without a non-linearity between
    depthwise and pointwise; stride 2 for all but the last layer."""

    def __init__(self, in_channels: int, channels: Sequence[int],
                 conv_cfg: OptConfigType, norm_cfg: ConfigType,
                 act_cfg: ConfigType) -> None:
        layers = [
            ConvModule(in_channels, channels[0], 3, stride=2, padding=1,
                       conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        ]
        for i in range(1, len(channels)):
            layers.append(
                DepthwiseSeparableConvModule(
                    channels[i - 1], channels[i], 3,
                    stride=2 if i < len(channels) - 1 else 1, padding=1,
                    conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
                    dw_act_cfg=None))
        super().__init__(*layers)


class ContextBranch(nn.Sequential):
    """The deep low-resolution branch (Table 2): a 3x3 conv of stride 2,
    MobileNetV2 bottleneck residual blocks (Table 1; t = 1 has no
    expansion conv, as in MobileNetV2), a final 1x1 conv (the size that
    gives the paper's 0.85M parameters)."""

    def __init__(self, in_channels: int, stem_channels: int,
                 bottlenecks: Sequence[Tuple[int, int, int, int]],
                 out_channels: int, conv_cfg: OptConfigType,
                 norm_cfg: ConfigType, act_cfg: ConfigType) -> None:
        layers = [
            ConvModule(in_channels, stem_channels, 3, stride=2, padding=1,
                       conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        ]
        channels = stem_channels
        for expand, out, repeats, stride in bottlenecks:
            for i in range(repeats):
                layers.append(
                    InvertedResidual(channels, out, stride if i == 0 else 1,
                                     expand, conv_cfg=conv_cfg,
                                     norm_cfg=norm_cfg, act_cfg=act_cfg))
                channels = out
        layers.append(
            ConvModule(channels, out_channels, 1, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=act_cfg))
        super().__init__(*layers)


class ContextFusion(FeatureFusionModule):
    """The fusion unit of Table 3, mmseg's Fast-SCNN fusion with the
    paper's dilation and activation: higher resolution -> 1x1 conv (no
    activation); lower resolution -> upsample to the higher one, 3x3
    depthwise conv of dilation 4 + act, 1x1 conv (no activation); add;
    act."""

    def __init__(self, higher_in_channels: int, lower_in_channels: int,
                 out_channels: int, dilation: int, conv_cfg: OptConfigType,
                 norm_cfg: ConfigType, act_cfg: ConfigType,
                 align_corners: bool) -> None:
        if lower_in_channels != out_channels:
            raise ValueError('the depthwise conv of the fusion keeps the '
                             f'channels: lower_in_channels '
                             f'{lower_in_channels} != out_channels '
                             f'{out_channels}')
        super().__init__(higher_in_channels, lower_in_channels,
                         out_channels, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                         dwconv_act_cfg=act_cfg, conv_act_cfg=None,
                         align_corners=align_corners)
        self.dwconv = ConvModule(
            lower_in_channels, out_channels, 3, padding=dilation,
            dilation=dilation, groups=out_channels, conv_cfg=conv_cfg,
            norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.relu = MODELS.build(act_cfg)


@MODELS.register_module()
class ContextNet(BaseModule):
    """ContextNet (Poudel et al., BMVC 2018): a deep branch on the input
    downsampled inside the network captures context; a shallow branch at
    full resolution keeps detail; a fusion unit adds them.

    - context branch (Table 2): the input resized by ``1 / context_scale``
      (4: cn14; 2: cn12; 8: cn18), a 3x3 conv of stride 2, bottleneck
      residual blocks (Table 1; ``bottlenecks`` as (t, c, n, s)) and a
      final conv to ``context_channels`` (128);
    - detail branch (Sec. 2.2): ``detail_channels`` (32, 64, 128, 128), a
      standard conv then depthwise-separable convs (no activation between
      depthwise and pointwise), stride 2 except the last: 1/8 resolution;
    - fusion (Table 3): :class:`ContextFusion`, depthwise dilation 4;
    - ``half_branch=True`` adds a second shallow branch on the input at
      half resolution, fused with the context first and then, in the same
      way, with the full-resolution branch (cn124).

    ReLU6 and BN everywhere (Sec. 3.1). ``widen_factor`` scales every
    channel count, rounded to multiples of ``width_divisor`` (8, as
    MobileNetV2), for the small variants, whose channels the paper does not
    give: 0.75 with divisor 4 (exact) lands within 1% of cn14-500's 490,459
    parameters, 0.4 within 1% of cn14-160's 159,387.

    Outputs ``(detail, context, fused)`` at ``out_indices``, as mmseg's
    Fast-SCNN, so stock heads attach by ``in_index``: the classifier on
    fused (2), the auxiliary head on context (1).

    Args:
        in_channels (int): input channels. Defaults to 3.
        context_scale (int): the factor the context branch downsamples the
            input by before its first conv. Defaults to 4 (cn14).
        stem_channels (int): channels of the context branch's first conv.
            Defaults to 32.
        bottlenecks (Sequence[tuple]): the bottleneck residual blocks as
            (t, c, n, s), Table 1. Defaults to ``BOTTLENECKS``.
        context_channels (int): channels of the context branch's output.
            Defaults to 128.
        detail_channels (Sequence[int]): channels of the detail branch's
            four convs. Defaults to (32, 64, 128, 128).
        fusion_channels (int): channels of the fused output. Defaults to
            128.
        fusion_dilation (int): dilation of the fusion unit's depthwise
            conv. Defaults to 4.
        widen_factor (float): scale of every channel count. Defaults to 1.0.
        width_divisor (int): scaled channels are rounded to multiples of
            it. Defaults to 8.
        half_branch (bool): add the half-resolution branch (cn124).
            Defaults to False.
        out_indices (Sequence[int]): which of (detail, context, fused) to
            output. Defaults to (0, 1, 2).
        conv_cfg (dict, optional): conv config. Defaults to None.
        norm_cfg (dict): norm config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): activation config. Defaults to
            ``dict(type='ReLU6')``.
        align_corners (bool): of the resizes. Defaults to False.
        init_cfg (dict, optional): initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int = 3,
                 context_scale: int = 4,
                 stem_channels: int = 32,
                 bottlenecks: Sequence[Tuple[int, int, int,
                                             int]] = BOTTLENECKS,
                 context_channels: int = 128,
                 detail_channels: Sequence[int] = (32, 64, 128, 128),
                 fusion_channels: int = 128,
                 fusion_dilation: int = 4,
                 widen_factor: float = 1.0,
                 width_divisor: int = 8,
                 half_branch: bool = False,
                 out_indices: Sequence[int] = (0, 1, 2),
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU6'),
                 align_corners: bool = False,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg)
        if context_scale < 1:
            raise ValueError(f'context_scale must be >= 1, got '
                             f'{context_scale}')
        if not set(out_indices) <= {0, 1, 2}:
            raise ValueError('out_indices index (detail, context, fused), '
                             f'got {tuple(out_indices)}')

        def width(channels: int) -> int:
            return make_divisible(channels * widen_factor, width_divisor)

        self.context_scale = context_scale
        self.out_indices = tuple(out_indices)
        self.align_corners = align_corners
        self.in_channels = in_channels
        detail_channels = [width(c) for c in detail_channels]
        context_channels = width(context_channels)
        fusion_channels = width(fusion_channels)
        layers = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.detail = DetailBranch(in_channels, detail_channels, **layers)
        self.context = ContextBranch(
            in_channels, width(stem_channels),
            [(t, width(c), n, s) for t, c, n, s in bottlenecks],
            context_channels, **layers)
        fusion = dict(dilation=fusion_dilation, align_corners=align_corners,
                      **layers)
        lower_channels = context_channels
        self.half_detail: Optional[DetailBranch] = None
        if half_branch:
            self.half_detail = DetailBranch(in_channels, detail_channels,
                                            **layers)
            self.half_fusion = ContextFusion(detail_channels[-1],
                                             context_channels,
                                             fusion_channels, **fusion)
            lower_channels = fusion_channels
        self.fusion = ContextFusion(detail_channels[-1], lower_channels,
                                    fusion_channels, **fusion)
        self.out_channels = (detail_channels[-1], context_channels,
                             fusion_channels)
        self._register_load_state_dict_pre_hook(self._refuse_folded_weights)

    def _refuse_folded_weights(self, state_dict: dict, prefix: str,
                               *args) -> None:
        """Weights whose BN was folded into the convs
        (``tools/deploy/fuse_bn.py``) carry conv biases this unfolded
        network lacks; mmseg's loaders load non-strictly and would drop
        them with a warning, giving wrong outputs. Refuse instead."""
        first = self.detail[0].conv
        if first.bias is None and f'{prefix}detail.0.conv.bias' in state_dict:
            raise ValueError(
                'these ContextNet weights have BN folded into the convs '
                '(tools/deploy/fuse_bn.py): load them with '
                'mmseg_ctx.analysis.load_folded_model(config, checkpoint)')

    def _downsample(self, x: Tensor, scale: int) -> Tensor:
        if scale == 1:
            return x
        return resize(x, scale_factor=1 / scale, mode='bilinear',
                      align_corners=self.align_corners)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'ContextNet expects B x {self.in_channels} x '
                             f'H x W images, got shape {tuple(x.shape)}')
        detail = self.detail(x)
        context = self.context(self._downsample(x, self.context_scale))
        lower = context
        if self.half_detail is not None:
            half = self.half_detail(self._downsample(x, 2))
            lower = self.half_fusion(half, context)
        fused = self.fusion(detail, lower)
        outs = (detail, context, fused)
        return tuple(outs[i] for i in self.out_indices)
