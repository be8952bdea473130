# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Decoder FLOPs of DUpsampling against the vanilla DeepLabV3+ decoder, as
Tables 2-3 of "Decoders Matter for Semantic Segmentation" count them: each
head on one backbone pass's features, less the ASPP encoder they share."""
import argparse
from typing import Dict, List, Tuple

import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch import Tensor, nn

from .complexity import flop_analyzer

#: backbone outputs of ResNetV1cWithStem by the paper's names
LEVELS = {'conv1_3': 0, 'b1u2c3': 1, 'b3u6c3': 3}
#: row -> (decoder, fused low-level features, paper GFLOPs): Tables 2-3
ROWS = {
    'vanilla, b1u2c3': ('vanilla', ('b1u2c3', ), 5.53),
    'DUpsampling, none': ('dupsampling', (), 0.80),
    'DUpsampling, conv1_3': ('dupsampling', ('conv1_3', ), 1.13),
    'DUpsampling, b1u2c3': ('dupsampling', ('b1u2c3', ), 1.15),
    'DUpsampling, b3u6c3': ('dupsampling', ('b3u6c3', ), 1.23),
    'DUpsampling, conv1_3 + b3u6c3': ('dupsampling', ('conv1_3', 'b3u6c3'),
                                      1.56),
}


def build_head(decoder: str, levels: Tuple[str, ...], widths: List[int],
               args: argparse.Namespace) -> nn.Module:
    """DeepLabV3+'s head, or ours fusing ``levels``, on features whose
    channels are ``widths`` (stem, layer1-4)."""
    common = dict(
        in_channels=widths[4],
        in_index=4,
        channels=args.channels,
        dilations=(1, 6, 12, 18),
        c1_channels=48,
        num_classes=args.num_classes,
        norm_cfg=dict(type='BN'))
    if decoder == 'vanilla':
        # mmseg's head reads its low-level features from inputs[0]
        return MODELS.build(
            dict(type='DepthwiseSeparableASPPHead',
                 c1_in_channels=widths[LEVELS[levels[0]]], **common))
    index = [LEVELS[level] for level in levels]
    head = MODELS.build(
        dict(type='DUpsamplingHead',
             ratio=16,
             basis_channels=args.code,
             c1_in_index=index,
             c1_in_channels=[widths[i] for i in index],
             **common))
    nn.init.orthogonal_(head.dupsample.basis)  # any W: only shapes count
    return head


class ASPPEncoder(nn.Module):
    """The ASPP part both heads share (``ASPPHead._forward_feature``)."""

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, inputs: Tuple[Tensor, ...]) -> Tensor:
        return self.head._forward_feature(inputs)


def decoder_flops(head: nn.Module, inputs: Tuple[Tensor, ...]) -> int:
    """FLOPs of ``head`` on ``inputs`` without its ASPP encoder."""
    return (flop_analyzer(head, (inputs, )).total() -
            flop_analyzer(ASPPEncoder(head), (inputs, )).total())


def measure(args: argparse.Namespace) -> Dict[str, int]:
    """Decoder FLOPs of every row of :data:`ROWS` on the features of one
    backbone pass at the command line's setting."""
    init_default_scope('mmseg')
    backbone = MODELS.build(
        dict(type='ResNetV1cWithStem', depth=args.depth,
             strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2)))
    backbone.eval()
    with torch.no_grad():
        feats = backbone(torch.randn(1, 3, args.size, args.size))
    widths = [f.shape[1] for f in feats]
    flops = {}
    for row, (decoder, levels, _) in ROWS.items():
        head = build_head(decoder, levels, widths, args)
        head.eval()
        inputs = feats
        if decoder == 'vanilla':  # low-level features first, last at [4]
            inputs = (feats[LEVELS[levels[0]]], *feats[1:])
        flops[row] = decoder_flops(head, tuple(inputs))
    return flops


def markdown_table(flops: Dict[str, int], args: argparse.Namespace) -> str:
    """The rows' multiply-adds and FLOPs beside the paper's."""
    lines = [
        '| decoder, fused features | multiply-adds (G) | GFLOPs (2 per '
        'multiply-add) | paper GFLOPs |',
        '|---|---:|---:|---:|',
    ]
    for row, count in flops.items():
        lines.append(f'| {row} | {count / 1e9:.2f} | {2 * count / 1e9:.2f} '
                     f'| {ROWS[row][2]:.2f} |')
    lines.append('')
    lines.append(
        f'Decoder only (the shared ASPP excluded) on a {args.size}x'
        f'{args.size} image, ResNet-{args.depth} at output stride 16, '
        f'{args.num_classes} classes, {args.channels} decoder channels, '
        f'C~ = {args.code}; counted by mmengine (paper: Tables 2-3, PASCAL '
        'VOC setting).')
    return '\n'.join(lines) + '\n'
