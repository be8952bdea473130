# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The papers' cost: each method's training step against its baseline's,
in fp32 and with ``--amp``, and EncNet's Encoding layer, mmseg's against
ours.

For every pair of a benchmark suite (``configs/benchmarks/camvid.py`` by
default: the CamVid benchmark's half-width R-18-D8 at 8 x 180 x 240), each
config's training iteration (forward, backward, optimiser step and its
custom hooks, e.g. MCIBI's memory update) on random images of its batch and
crop (a DUpsampling config's label basis computed from its training set if
it is missing, as the benchmark does), in fp32 and in the precision
``tools/train.py --amp`` gives (bf16 on a CPU, fp16 on a GPU), each also in
the channels-last memory format of ``--channels-last``; all configs and
variants are taken in turns in one process, so that a slow spell of the
machine hits them alike, and each median of ``--repeats`` (after
``--warmup``) is given as a ratio to the baseline's in the same precision,
and as a speed-up over the config's own fp32 step.
Then the Encoding layer alone (forward and backward), mmseg's ``Encoding``
against our ``MatmulEncoding``: its median time and peak memory (the most
bytes of tensors alive at once, as ``memory_update_cost.py`` counts them:
the input features not, their gradient yes) at the suite EncNet's shape and
at ``--encoding`` shapes (by default also B = 2, C = 512, 64 x 64, K = 32).
A markdown table is printed and written to ``--out``.

Example::

    python tools/analysis_tools/training_cost.py
    python tools/analysis_tools/training_cost.py --pairs EncNet --repeats 3
"""
import argparse
import os.path as osp

from mmseg_ctx.analysis import write_markdown
from mmseg_ctx.analysis.paths import ROOT
from mmseg_ctx.analysis.training_cost import ADE20K_ENCODING, cost_table


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'suite', nargs='?',
        default=osp.join(ROOT, 'configs', 'benchmarks', 'camvid.py'),
        help='benchmark suite file (pairs of method and baseline)')
    parser.add_argument('--pairs', nargs='+', help='only these pairs')
    parser.add_argument('--crop', nargs=2, type=int, metavar=('H', 'W'),
                        help="instead of the configs' crop")
    parser.add_argument('--batch', type=int,
                        help="instead of the configs' batch size")
    parser.add_argument(
        '--encoding', nargs=5, type=int, action='append',
        metavar=('B', 'C', 'H', 'W', 'K'),
        help='Encoding layer shapes (repeatable) beside the suite '
        f"EncNet's; default {' '.join(map(str, ADE20K_ENCODING))}")
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument(
        '--work-dir', default='work_dirs/complexity/training_cost',
        help='where the runners of the timed configs log')
    parser.add_argument(
        '--out', default='work_dirs/complexity/training_cost.md')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    write_markdown(cost_table(args), args.out)


if __name__ == '__main__':
    main()
