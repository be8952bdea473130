# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Cost of MCIBI's memory update: eq. 8 at the label resolution (the
features resized to the labels, three K x HW x C products, as the update
was computed before) against the same update at the feature resolution
(``FeatureMemory``), and the update as a share of a training iteration.

For each shape (C channels, K classes, h x w features, H x W labels,
batch B) both formulations update the same memory from the same random
features and labels, in turns; reported: the median time of an update,
its peak extra memory (the most bytes of tensors an update allocates
that are alive at once, after a warm-up update as in training: the
allocator's peak on CUDA, the profiler's memory timeline on CPU) and the
largest difference of the memories they write. The shapes
of ``--models`` add a training iteration of FCN and FCN + MCIBI built
from those configs (the update of the hook included), measured in turns in
the same run, so that the update's share and FCN + MCIBI / FCN come from
one machine state. A markdown table is printed and written to ``--out``.

Example::

    python tools/analysis_tools/memory_update_cost.py
    python tools/analysis_tools/memory_update_cost.py --shapes demo \
        --repeats 3
"""
import argparse
import json
import os.path as osp

from mmengine.device import get_device

from mmseg_ctx.analysis import write_markdown
from mmseg_ctx.analysis.memory_update_cost import (SHAPES, markdown_table,
                                                   measure)
from mmseg_ctx.analysis.timing import device_label


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--shapes', nargs='+', default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument(
        '--shape', nargs=7, type=int, metavar=('C', 'K', 'h', 'w', 'H', 'W',
                                               'B'),
        help='one shape of your own instead (updates only, no models)')
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed updates (and iterations) of each')
    parser.add_argument('--no-models', action='store_true',
                        help='time the updates only, no training iteration')
    parser.add_argument(
        '--work-dir', default='work_dirs/complexity/memory_update_cost',
        help='where the runners of the timed configs log')
    parser.add_argument(
        '--out', default='work_dirs/complexity/memory_update_cost.md')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    device = get_device()  # where mmengine's Runner puts the models
    shapes = dict(custom=dict(shape=tuple(args.shape))) if args.shape else {
        name: SHAPES[name] for name in args.shapes}
    models = not (args.no_models or args.shape)
    results = {
        name: measure(spec, args.repeats, models, device, args.work_dir)
        for name, spec in shapes.items()
    }
    where = device_label(device)
    table = markdown_table(results, shapes, where)
    write_markdown(table, args.out)
    with open(osp.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
