# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Complexity of context modules, as in Table 3 of the MCIBI paper.

Builds mmseg's ``ASPPHead`` and ``PSPHead`` (PPM) and our ``MCIBIHead``
(DCA, the dataset-level context aggregation, alone and on top of ASPP) on a
1 x C x S x S feature map (the paper: 2048 x 128 x 128, 150 classes), and
counts each row as the paper does: the module without its classifier.
ASPP and PPM are mmseg's heads less ``conv_seg``; DCA is MCIBIHead's
bottleneck, memory attention and fusion (not H1 and H2, the two
classifiers), ASPP+DCA the same with the ASPP on R. Parameters, and FLOPs
from mmengine's counter (multiply-adds) with the attention products
(``Q K^T`` and ``P V`` of ``scaled_dot_product_attention``, which the
counter sees only through our handle) in a column of their own; the whole
heads' figures beside; the latency of a forward pass in each ``--dtypes``
(fp16, bf16: under autocast), the median of ``--repeats`` after
``--warmup`` (CUDA events on a GPU, the wall clock elsewhere), in ms and as
a ratio to PPM's in the same run and precision. The paper's numbers (V100)
stand beside ours; a markdown table is printed and written to ``--out``.

Example::

    python tools/analysis_tools/context_complexity.py            # 128 x 128
    python tools/analysis_tools/context_complexity.py --size 32  # quicker
    python tools/analysis_tools/context_complexity.py --dtypes fp32 fp16 \
        --repeats 20                                             # a GPU
"""
import argparse

from mmseg_ctx.analysis import run_table_tool
from mmseg_ctx.analysis.context_complexity import markdown_table, measure_rows
from mmseg_ctx.analysis.timing import add_dtypes_argument


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--size', type=int, default=128, help='feature map height = width')
    parser.add_argument(
        '--channels', type=int, default=2048, help='input channels')
    parser.add_argument(
        '--num-classes', type=int, default=150, help='classes (ADE20K)')
    parser.add_argument(
        '--repeats', type=int, default=3, help='timed forward passes')
    parser.add_argument(
        '--warmup', type=int, default=1, help='untimed forward passes')
    add_dtypes_argument(parser, 'precisions of the timed passes (autocast)')
    parser.add_argument(
        '--out',
        default='work_dirs/complexity/context_complexity.md',
        help='markdown table')
    return parser.parse_args()


def main() -> None:
    run_table_tool(parse_args, measure_rows, markdown_table)


if __name__ == '__main__':
    main()
