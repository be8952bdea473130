# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Inference speed of ContextNet against mmseg's Fast-SCNN, as in Table 7 of
the ContextNet paper.

Every model runs in the same process at batch 1 on each ``--sizes`` (the
paper: 1024x2048, 512x1024, 256x512) and in each ``--dtypes`` (``fp16``:
weights and image in half precision, as deployed), mmseg-style:
``--warmup`` untimed iterations, then ``--iters`` timed ones (median),
taken in turns across the models so that a slow spell of the machine hits
them alike. One iteration is the whole inference: logits at the input size
(``encode_decode``) and their argmax. On CUDA it reports the paper's two
columns, the sequential pipeline (host image copied to the GPU, inference,
labels copied back; wall clock) and the kernels alone (image already there;
CUDA events), and a third: the same kernels replayed from a CUDA graph, for
networks so small that the host's launches, not the GPU, set the pace of
eager PyTorch at batch 1. On a CPU there is no copy and one column. fps
are also given as a ratio to Fast-SCNN at the same size and precision,
measured in the same run. ContextNet is timed as trained and with its BN
folded into the convolutions (``--no-fold`` skips that). A markdown table
is printed and written to ``--out``; numbers only mean something next to
the device they came from, which the table names.

Example::

    python tools/analysis_tools/speed_benchmark.py
    python tools/analysis_tools/speed_benchmark.py --sizes 256x512 --iters 20
    python tools/analysis_tools/speed_benchmark.py --dtypes fp32 fp16 \
        --models 'Fast-SCNN (mmseg)' 'ContextNet cn14'   # on a GPU
"""
import argparse

from mmengine.device import get_device

from mmseg_ctx.analysis import write_markdown
from mmseg_ctx.analysis.speed_benchmark import MODELS, markdown_table, measure
from mmseg_ctx.analysis.timing import add_dtypes_argument, device_label


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--sizes',
        nargs='+',
        default=['1024x2048', '512x1024', '256x512'],
        help='HxW input sizes')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument(
        '--models',
        nargs='+',
        choices=list(MODELS),
        default=list(MODELS),
        help='rows, in order; Fast-SCNN is the reference of the ratios')
    add_dtypes_argument(parser, 'precisions of weights and image')
    parser.add_argument(
        '--no-fold', action='store_true', help='skip the BN-folded rows')
    parser.add_argument('--device', default=None, help='default: mmengine')
    parser.add_argument(
        '--out',
        default='work_dirs/speed_benchmark.md',
        help='markdown table to write')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    device = args.device or get_device()
    table = markdown_table(measure(args, device), device_label(device), args)
    write_markdown(table, args.out)


if __name__ == '__main__':
    main()
