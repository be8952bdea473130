# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Extra computation of EncNet's Context Encoding Module over the FCN, the
paper's "around 3%-5% extra computation" (Sec. 4.2, PASCAL-Context).

Builds the dilated FCN (mmseg's ``FCNHead``: one 3x3 conv to 512 channels
and the classifier) and EncNet (our ``ContextEncodingHead``: the same 3x3
conv, the Context Encoding Module, the classifier and the SE layer) on the
same ResNet-D8 at the paper's PASCAL-Context setting (a 480x480 image, 59
classes), counts both with mmengine's counter (multiply-adds) and reports
the extra as a share of the FCN and of its head (the 3x3 conv and the
classifier); the stage-3 ``EncSEHead``, which runs in training only, has
its own row. mmengine counts convolutions, matrix
products and BN, not element-wise operations; our Encoding layer
(``MatmulEncoding``) computes its distances and residuals as two N x C by
C x K products (N pixels, K codewords, C channels), which it counts, where
mmseg's broadcasts about 6 N K C element-wise operations, which it would
not (the footnote gives both). A markdown table is printed and written to
``--out``.

Example::

    python tools/analysis_tools/encoding_complexity.py
"""
import argparse
from typing import Dict

import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch import nn

import mmseg_ctx  # noqa: F401  registers ContextEncodingHead, EncSEHead
from mmseg_ctx.analysis import flop_analyzer, run_table_tool

CHANNELS, CODES = 512, 32


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=480, help='image size')
    parser.add_argument('--depth', type=int, default=50, help='ResNet depth')
    parser.add_argument('--num-classes', type=int, default=59)
    parser.add_argument(
        '--out',
        default='work_dirs/encoding_complexity.md',
        help='markdown table to write')
    return parser.parse_args()


class Forward(nn.Module):
    """The model's tensor-mode forward (backbone and decode head)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        return self.model._forward(x)


def build(head: dict, args: argparse.Namespace) -> nn.Module:
    init_default_scope('mmseg')
    norm = dict(type='BN')
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(
                type='ResNetV1c', depth=args.depth, dilations=(1, 1, 2, 4),
                strides=(1, 2, 1, 1), norm_cfg=norm,
                contract_dilation=True),
            decode_head=dict(head, num_classes=args.num_classes,
                             norm_cfg=norm)))
    model.eval()
    return model


def measure(args: argparse.Namespace) -> Dict[str, int]:
    """Multiply-adds of the FCN and EncNet (whole and by part) and of the
    stage-3 module."""
    widths = [64, 128, 256, 512] if args.depth < 50 else [256, 512, 1024,
                                                          2048]
    fcn = build(
        dict(type='FCNHead', in_channels=widths[3], in_index=3,
             channels=CHANNELS, num_convs=1, concat_input=False), args)
    enc = build(
        dict(type='ContextEncodingHead', in_channels=widths[1:],
             in_index=(1, 2, 3), channels=CHANNELS, num_codes=CODES), args)
    image = torch.randn(1, 3, args.size, args.size)
    counts = {}
    for name, model in (('FCN', fcn), ('EncNet', enc)):
        by_module = flop_analyzer(Forward(model), (image, )).by_module()
        counts[name] = by_module['']
        counts[f'{name} head'] = by_module['model.decode_head']
    enc_parts = flop_analyzer(Forward(enc), (image, )).by_module()
    counts['Context Encoding Module'] = (
        enc_parts['model.decode_head.enc_module'] +
        enc_parts['model.decode_head.se_layer'])
    with torch.no_grad():
        feats = enc.extract_feat(image)
    stage3 = MODELS.build(
        dict(type='EncSEHead', in_channels=widths[2], in_index=2,
             channels=CHANNELS, num_codes=CODES,
             num_classes=args.num_classes, norm_cfg=dict(type='BN')))
    stage3.eval()
    counts['stage-3 EncSEHead'] = flop_analyzer(stage3, (feats, )).total()
    counts['pixels'] = feats[3].shape[2] * feats[3].shape[3]
    return counts


def markdown_table(counts: Dict[str, int], args: argparse.Namespace) -> str:
    fcn, head = counts['FCN'], counts['FCN head']

    def row(name: str, value: int, paper: str = '', of_head=True) -> str:
        share = f'{100 * value / head:.2f}%' if of_head else '-'
        return (f'| {name} | {value / 1e9:.3f} | {100 * value / fcn:.2f}% | '
                f'{share} | {paper} |')

    extra = counts['EncNet'] - fcn
    products = 2 * counts['pixels'] * CODES * CHANNELS
    lines = [
        '| model / part | multiply-adds (G) | share of the FCN | '
        'share of the FCN head | paper |',
        '|---|---:|---:|---:|---|',
        row(f'FCN (dilated ResNet-{args.depth}, 3x3 conv, classifier)', fcn,
            of_head=False),
        row('FCN head (3x3 conv to 512, classifier)', head),
        row('EncNet (FCN + Context Encoding Module)', counts['EncNet'],
            of_head=False),
        row('extra of EncNet', extra, '"around 3%-5%"'),
        row('Context Encoding Module (projection, Encoding, FC, SE layer)',
            counts['Context Encoding Module']),
        row('stage-3 EncSEHead (training only)',
            counts['stage-3 EncSEHead']),
        '',
        f'A {args.size}x{args.size} image, {args.num_classes} classes, '
        f'K = {CODES} codewords on {CHANNELS} channels, counted by mmengine '
        '(multiply-adds of convolutions, matrix products and BN). '
        'The Encoding layer is two products of N x C by C x K (N pixels), '
        f'{products / 1e9:.3f} G multiply-adds, counted above; mmseg\'s '
        'Encoding computes the same as about 3x that many element-wise '
        'operations, which mmengine would not count.',
    ]
    return '\n'.join(lines) + '\n'


def main() -> None:
    run_table_tool(parse_args, measure, markdown_table)


if __name__ == '__main__':
    main()
