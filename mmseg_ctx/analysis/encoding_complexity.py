# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The extra computation of EncNet's Context Encoding Module over the
dilated FCN (the paper's "around 3%-5%", Sec. 4.2): both networks, the
module and the training-only stage-3 ``EncSEHead`` counted by mmengine."""
import argparse
from typing import Dict

import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch import nn

from .complexity import flop_analyzer

#: the heads' channels and the Encoding layer's codewords
CHANNELS, CODES = 512, 32


class Forward(nn.Module):
    """The model's tensor-mode forward (backbone and decode head)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        return self.model._forward(x)


def build(head: dict, args: argparse.Namespace) -> nn.Module:
    """An EncoderDecoder of ``head`` on the dilated ResNet of
    ``args.depth``, in eval mode."""
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
    """Each count as a share of the FCN and of its head, the paper's claim
    beside the extra."""
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
