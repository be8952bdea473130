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
import statistics
from typing import Callable, Dict, List

import torch
from mmengine.device import get_device
from torch import Tensor

from mmseg_ctx.analysis import (LabelResolutionMemory, TrainStep, peak_bytes,
                                write_markdown)
from mmseg_ctx.analysis.timing import device_label, wall_seconds
from mmseg_ctx.models.utils import FeatureMemory

#: (C, K, h, w, H, W, B) and the configs whose training iteration the
#: update is a share of (FCN, FCN + MCIBI)
SHAPES = {
    'demo': dict(
        shape=(128, 9, 32, 32, 256, 256, 4),
        configs=('configs/fcn/'
                 'fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py',
                 'configs/mcibi/'
                 'mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py'),
        crop=(256, 256), batch=4),
    'ade20k': dict(
        shape=(512, 150, 64, 64, 512, 512, 1),
        configs=('mmseg::fcn/fcn_r50-d8_4xb4-160k_ade20k-512x512.py',
                 'configs/mcibi/mcibi-fcn_r50-d8_4xb4-160k_ade20k-512x512.py'),
        crop=(512, 512), batch=1),
    'cityscapes-k19': dict(
        shape=(512, 19, 64, 64, 512, 512, 1),
        configs=('mmseg::fcn/fcn_r50-d8_4xb2-80k_cityscapes-512x1024.py',
                 'configs/mcibi/'
                 'mcibi-fcn_r50-d8_4xb2-80k_cityscapes-512x1024.py'),
        crop=(512, 512), batch=1),
}


FORMULATIONS = {'label resolution': LabelResolutionMemory,
                'feature resolution': FeatureMemory}


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


def random_case(shape, device: str, seed: int = 0):
    """An initialised memory's state, features and labels (5% ignored)."""
    channels, classes, h, w, height, width, batch = shape
    gen = torch.Generator().manual_seed(seed)
    feats = torch.randn(batch, channels, h, w, generator=gen).relu()
    labels = torch.randint(0, classes, (batch, height, width), generator=gen)
    labels[torch.rand(batch, height, width, generator=gen) < 0.05] = 255
    memory = torch.randn(classes, channels, generator=gen).relu()
    return memory.to(device), feats.to(device), labels.to(device)


def build_memory(name: str, memory: Tensor) -> FeatureMemory:
    module = FORMULATIONS[name](*memory.shape).to(memory.device)
    module.memory.copy_(memory)
    module.initialized.fill_(True)
    return module


def measure(spec: dict, repeats: int, models: bool, device: str,
            work_dir: str) -> dict:
    """Times, peaks and the difference of the two updates at one shape
    (``spec`` as in ``SHAPES``), with its models' iterations if
    ``models`` (their runners logging in ``work_dir``)."""
    memory, feats, labels = random_case(spec['shape'], device)
    modules = {name: build_memory(name, memory) for name in FORMULATIONS}
    steps: Dict[str, Callable[[], None]] = {
        name: (lambda m=module: m.update(feats, labels, 0.5))
        for name, module in modules.items()
    }
    if models:
        for role, config in zip(('FCN', 'FCN+MCIBI'), spec['configs']):
            steps[role] = TrainStep.on_random_images(
                config, spec['crop'], spec['batch'], work_dir)
    for step in steps.values():  # warm-up
        step()
    times: Dict[str, List[float]] = {name: [] for name in steps}
    for _ in range(repeats):  # in turns
        for name, step in steps.items():
            times[name].append(wall_seconds(step, device))
    first, second = (modules[n].memory for n in FORMULATIONS)
    result = dict(
        seconds={name: statistics.median(t) for name, t in times.items()},
        peak_bytes={name: peak_bytes(steps[name], device)
                    for name in FORMULATIONS},
        max_abs_diff=float((first - second).abs().max()),
        max_abs=float(first.abs().max()))
    return result


def markdown_table(results: Dict[str, dict], shapes: Dict[str, dict],
                   device: str) -> str:
    lines = [
        '| shape (C, K, h x w, H x W, B) | update, label res. (s) | update, '
        'feature res. (s) | speed-up | peak extra memory, label / feature '
        '(MB) | memory ratio | update / FCN+MCIBI iteration | FCN+MCIBI / '
        'FCN | max abs diff |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
    ]
    for name, r in results.items():
        c, k, h, w, height, width, b = shapes[name]['shape']
        old, new = (r['seconds'][n] for n in FORMULATIONS)
        peak_old, peak_new = (r['peak_bytes'][n] / 2**20 for n in FORMULATIONS)
        iteration = r['seconds'].get('FCN+MCIBI')
        share = f'{new / iteration:.1%}' if iteration else '-'
        ratio = (f'{iteration / r["seconds"]["FCN"]:.2f}x'
                 if iteration else '-')
        lines.append(
            f'| {name}: {c}, {k}, {h}x{w}, {height}x{width}, {b} | '
            f'{old:.3g} | {new:.3g} | {old / new:.1f}x | '
            f'{peak_old:.0f} / {peak_new:.0f} | '
            f'{peak_new / max(peak_old, 1e-9):.1%} | {share} | {ratio} | '
            f'{r["max_abs_diff"]:.1e} (of {r["max_abs"]:.1f}) |')
    lines.append('')
    lines.append(f'Medians of the runs on {device}, the formulations (and '
                 'the FCN and FCN+MCIBI iterations) in turns; peak memory: '
                 'the most bytes of tensors an update holds at once.')
    return '\n'.join(lines) + '\n'


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
