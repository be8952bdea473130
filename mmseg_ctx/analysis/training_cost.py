# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The papers' training cost: each config of a benchmark suite's pairs
timed a training iteration at a time in fp32 and AMP, NCHW and
channels-last, all in turns, as ratios to its baseline and speed-ups over
its own fp32 step; and EncNet's Encoding layer, mmseg's against our
``MatmulEncoding``, in time and peak memory."""
import argparse
import os.path as osp
import statistics
from typing import Dict, List, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmseg.models.utils import Encoding
from torch import nn

from ..engine import amp_runs_natively
from ..models.utils import MatmulEncoding
from .config_basis import ensure_config_basis
from .peak_memory import peak_bytes
from .timing import device_label, wall_seconds
from .train_step import TrainStep

#: B, C, H, W, K of the Encoding layer at an ADE20K-like shape
ADE20K_ENCODING = (2, 512, 64, 64, 32)


def load_pairs(suite: str, names: Sequence[str] = None) -> List[Dict]:
    """The suite's pairs (config paths made absolute), those named only."""
    pairs = Config.fromfile(suite).suite
    base = osp.dirname(osp.abspath(suite))
    pairs = [
        dict(pair, **{role: osp.normpath(osp.join(base, pair[role]))
                      for role in ('method', 'baseline')}) for pair in pairs
    ]
    if names:
        unknown = set(names) - {pair['name'] for pair in pairs}
        if unknown:
            raise ValueError(f'no pairs {sorted(unknown)} in {suite}')
        pairs = [pair for pair in pairs if pair['name'] in names]
    return pairs


def shape_of(config: str, args: argparse.Namespace) -> Tuple:
    """Crop and batch of a config's training (or the overrides)."""
    cfg = Config.fromfile(config)
    crop = args.crop or cfg.model.data_preprocessor.size
    return tuple(crop), args.batch or cfg.train_dataloader.batch_size


#: precisions and memory formats each config is timed in: (amp, NHWC)
VARIANTS = ((False, False), (True, False), (False, True), (True, True))


def time_steps(configs: Sequence[str], args: argparse.Namespace,
               device: str) -> Dict[Tuple[str, bool, bool], float]:
    """Median seconds of a training iteration of every config in each of
    :data:`VARIANTS` (fp32 or AMP, NCHW or channels-last), all taken in
    turns; the AMP variants only where ``amp_runs_natively``."""
    steps = {}
    for config in configs:
        ensure_config_basis(Config.fromfile(config))  # from its train set
        crop, batch = shape_of(config, args)
        for amp, channels_last in VARIANTS:
            if amp and not amp_runs_natively(device):
                continue
            steps[config, amp, channels_last] = TrainStep.on_random_images(
                config, crop, batch, args.work_dir, amp, channels_last)
    for step in steps.values():
        for _ in range(args.warmup):
            step()
    times = {key: [] for key in steps}
    for _ in range(args.repeats):
        for key, step in steps.items():
            times[key].append(wall_seconds(step, device))
    return {key: statistics.median(t) for key, t in times.items()}


def encnet_shape(pairs: Sequence[Dict], args: argparse.Namespace) -> Tuple:
    """B, C, H, W, K of the Encoding layer in the suite's EncNet head (its
    input is the head's channels at 1/8 of the crop), if it has one."""
    for pair in pairs:
        head = Config.fromfile(pair['method']).model.decode_head
        if head.type == 'ContextEncodingHead':
            (height, width), batch = shape_of(pair['method'], args)
            return (batch, head.channels, -(-height // 8), -(-width // 8),
                    head.get('num_codes', 32))
    return None


def encoding_cost(shape: Sequence[int], args: argparse.Namespace,
                  device: str) -> Dict[str, Dict[str, float]]:
    """Median seconds and peak bytes of a forward and backward pass of
    mmseg's Encoding and ours on random features of ``shape`` (made before,
    so not counted; their gradient is)."""
    batch, channels, height, width, codes = shape
    torch.manual_seed(0)
    layers = {'mmseg': Encoding(channels, codes)}
    layers['ours'] = MatmulEncoding(channels, codes)
    layers['ours'].load_state_dict(layers['mmseg'].state_dict())
    # the input is not the layer's cost, as memory_update_cost.py counts
    feats = torch.randn(batch, channels, height, width,
                        device=device).requires_grad_()

    def step(layer: nn.Module) -> None:
        layer(feats).sum().backward()
        feats.grad = None

    for layer in layers.values():
        layer.to(device)
        step(layer)  # warm-up
    times = {name: [] for name in layers}
    for _ in range(args.repeats):
        for name, layer in layers.items():
            times[name].append(wall_seconds(lambda: step(layer), device))
    return {
        name: dict(seconds=statistics.median(times[name]),
                   peak=peak_bytes(lambda: step(layer), device))
        for name, layer in layers.items()
    }


def name_of(config: str) -> str:
    """A config's file name without its folder and extension."""
    return osp.splitext(osp.basename(config))[0]


def markdown_table(pairs: Sequence[Dict], steps: Dict,
                   encodings: Dict[Tuple, Dict], where: str,
                   args: argparse.Namespace) -> str:
    """The pairs' steps (seconds by ``(config, amp, channels_last)``, as
    :func:`time_steps` gives them) and the Encoding layers' costs (by
    shape) on ``where``, with the footnote."""
    amp = 'bf16' if where.startswith('cpu') else 'fp16'
    lines = [
        f'| pair | config | fp32 (s) | / baseline | {amp} (s) | / baseline '
        f'| {amp} speed-up | NHWC speed-up | {amp} + NHWC speed-up |',
        '|---|---|---:|---:|---:|---:|---:|---:|---:|'
    ]
    for pair in pairs:
        for role in ('method', 'baseline'):
            config = pair[role]
            cells = []
            for precision in (False, True):
                if (config, precision, False) not in steps:
                    cells.append('n/a | n/a')
                    continue
                seconds = steps[config, precision, False]
                ratio = seconds / steps[pair['baseline'], precision, False]
                cells.append(f'{seconds:.3f} | {ratio:.2f}')
            fp32 = steps[config, False, False]
            cells += [
                f'{fp32 / steps[config, amp_, nhwc]:.2f}x'
                if (config, amp_, nhwc) in steps else 'n/a'
                for amp_, nhwc in VARIANTS[1:]
            ]
            lines.append(f'| {pair["name"] if role == "method" else ""} | '
                         f'{name_of(config)} | {" | ".join(cells)} |')
    lines += [
        '', '| Encoding layer (B, C, H x W, K) | mmseg (s) | ours (s) | '
        'speed-up | mmseg peak (MB) | ours peak (MB) | memory ratio |',
        '|---|---:|---:|---:|---:|---:|---:|'
    ]
    for (batch, channels, height, width, codes), cost in encodings.items():
        theirs, ours = cost['mmseg'], cost['ours']
        lines.append(
            f'| {batch}, {channels}, {height}x{width}, {codes} | '
            f'{theirs["seconds"]:.4f} | {ours["seconds"]:.4f} | '
            f'{theirs["seconds"] / ours["seconds"]:.1f}x | '
            f'{theirs["peak"] / 2**20:.1f} | {ours["peak"] / 2**20:.1f} | '
            f'{theirs["peak"] / max(ours["peak"], 1):.1f}x |')
    crops = sorted({shape_of(key[0], args) for key in steps})
    no_amp = '' if any(key[1] for key in steps) else (
        f'; {amp} n/a: this CPU has no native bf16, and `--amp` refuses to '
        'train without it')
    images = ', '.join(f'{b} x {h} x {w}' for (h, w), b in crops)
    lines += [
        '', f'Training iterations on random images ({images}), medians of '
        f'{args.repeats} after {args.warmup} warm-up, every config and '
        f'precision in turns in one process, on {where}; {amp}: the optim '
        'wrapper `tools/train.py --amp` picks; NHWC: the channels-last '
        'memory format of `--channels-last`; speed-ups against the same '
        f"config's fp32 step{no_amp}. The Encoding layer: forward "
        'and backward, medians of the same count; peak: the most bytes of '
        'tensors alive at once, the input features not counted (their '
        'gradient is).'
    ]
    return '\n'.join(lines) + '\n'


def cost_table(args: argparse.Namespace) -> str:
    """The table of the command line's ``args``: every config of the
    suite's pairs (those of ``args.pairs``) timed by :func:`time_steps`,
    the Encoding layer at the suite EncNet's shape and at
    ``args.encoding`` (default :data:`ADE20K_ENCODING`), on mmengine's
    device."""
    device = get_device()  # where mmengine's Runner puts the models
    pairs = load_pairs(args.suite, args.pairs)
    configs = list(dict.fromkeys(
        pair[role] for pair in pairs for role in ('method', 'baseline')))
    steps = time_steps(configs, args, device)
    shapes = [encnet_shape(pairs, args)] + [
        tuple(s) for s in (args.encoding or [ADE20K_ENCODING])]
    encodings = {
        shape: encoding_cost(shape, args, device)
        for shape in dict.fromkeys(shapes) if shape
    }
    return markdown_table(pairs, steps, encodings, device_label(device),
                          args)
