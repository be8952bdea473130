# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Decoder FLOPs of DUpsampling vs the vanilla DeepLabV3+ decoder, as in
Tables 2-3 of "Decoders Matter for Semantic Segmentation".

At the paper's setting (a 513 x 513 image, ResNet-50 at output stride 16,
21 classes, 256 decoder channels, C~ = 64) the backbone runs once; each
head then runs on its features and mmengine's counter measures the
*decoder*: the head minus the ASPP encoder they share (image pooling, ASPP
branches, their bottleneck), i.e. feature aggregation, the convolutional
decoder and the final upsampling, as the paper counts. mmengine counts a
multiply-add as one FLOP; the paper's figures match two per multiply-add
(the vanilla decoder's convolutions come to 2.76 G multiply-adds, 5.53
GFLOPs), so both are shown. A markdown table is printed and written to
``--out``.

Example::

    python tools/analysis_tools/decoder_complexity.py
"""
import argparse

from mmseg_ctx.analysis import run_table_tool
from mmseg_ctx.analysis.decoder_complexity import markdown_table, measure


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=513, help='image size')
    parser.add_argument('--depth', type=int, default=50, help='ResNet depth')
    parser.add_argument(
        '--channels', type=int, default=256, help='decoder channels')
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument('--code', type=int, default=64, help='C~')
    parser.add_argument(
        '--out',
        default='work_dirs/decoder_complexity.md',
        help='markdown table to write')
    return parser.parse_args()


def main() -> None:
    run_table_tool(parse_args, measure, markdown_table)


if __name__ == '__main__':
    main()
