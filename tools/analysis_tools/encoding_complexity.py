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

from mmseg_ctx.analysis import run_table_tool
from mmseg_ctx.analysis.encoding_complexity import markdown_table, measure


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


def main() -> None:
    run_table_tool(parse_args, measure, markdown_table)


if __name__ == '__main__':
    main()
