# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The cost of MCIBI's memory update (eq. 8): at the label resolution, as
it was computed before, against the feature resolution of
``FeatureMemory``, in time, peak memory and the memories they write, and
as a share of a training iteration of FCN + MCIBI."""
import statistics
from typing import Callable, Dict, List

import torch
from torch import Tensor

from ..models.utils import FeatureMemory
from .label_resolution_memory import LabelResolutionMemory
from .peak_memory import peak_bytes
from .timing import wall_seconds
from .train_step import TrainStep

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
#: the two formulations of the update, old and new
FORMULATIONS = {'label resolution': LabelResolutionMemory,
                'feature resolution': FeatureMemory}


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
    """A memory of formulation ``name`` holding ``memory``, initialised."""
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
    """:func:`measure`'s results of each of ``shapes`` on ``device``."""
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
