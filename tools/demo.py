# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""``make demo``: train each method on ContextShapes with our Runner,
evaluate it with mmseg's IoUMetric and compare.

Generates ContextShapes if it is missing, trains every config of
:data:`DEMO_CONFIGS` from scratch on the CPU (or the GPU, where there is
one), with ``--amp`` where it is fast (bf16 on a CPU that computes it
natively, fp16 on a GPU; ``--no-amp`` for fp32), prints a markdown table
(method, parameters, mIoU, aAcc, train time) and writes it to
``WORK_DIR/results.md``, with a PNG of predictions beside the ground truth
from mmseg's ``SegLocalVisualizer`` at ``WORK_DIR/predictions.png``.
"""
import argparse
import os.path as osp

from mmengine.device import get_device

from mmseg_ctx.analysis.demo import DATA_ROOT, DEMO_CONFIGS, run_demo
from mmseg_ctx.engine import amp_runs_natively


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=list(DEMO_CONFIGS),
        default=list(DEMO_CONFIGS),
        help='methods to train, in table order')
    parser.add_argument(
        '--data-root',
        default=DATA_ROOT,
        help='ContextShapes folder; generated with seed 0 if missing')
    parser.add_argument(
        '--work-dir', default='work_dirs/demo', help='outputs go here')
    parser.add_argument(
        '--num-vis', type=int, default=4, help='images in the PNG')
    parser.add_argument(
        '--amp',
        action=argparse.BooleanOptionalAction,
        help='mixed precision as tools/train.py --amp; default: on with '
        'an accelerator or a CPU with native bf16, else off')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    amp = amp_runs_natively(get_device()) if args.amp is None else args.amp
    run_demo({name: DEMO_CONFIGS[name]
              for name in args.methods}, args.data_root, args.work_dir,
             args.num_vis, amp)
    print(f'table: {osp.join(args.work_dir, "results.md")}\n'
          f'predictions: {osp.join(args.work_dir, "predictions.png")}')


if __name__ == '__main__':
    main()
