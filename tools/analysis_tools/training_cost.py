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
import statistics
from typing import Dict, List, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmseg.models.utils import Encoding
from torch import nn

import mmseg_ctx  # noqa: F401  registers our modules
from mmseg_ctx.analysis import (TrainStep, ensure_config_basis, peak_bytes,
                                write_markdown)
from mmseg_ctx.analysis.paths import ROOT
from mmseg_ctx.analysis.timing import device_label, wall_seconds
from mmseg_ctx.engine import amp_runs_natively
from mmseg_ctx.models.utils import MatmulEncoding

#: B, C, H, W, K of the Encoding layer at an ADE20K-like shape
ADE20K_ENCODING = (2, 512, 64, 64, 32)


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
    return osp.splitext(osp.basename(config))[0]


def markdown_table(pairs: Sequence[Dict], steps: Dict,
                   encodings: Dict[Tuple, Dict], where: str,
                   args: argparse.Namespace) -> str:
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


def main() -> None:
    args = parse_args()
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
    where = device_label(device)
    write_markdown(
        markdown_table(pairs, steps, encodings, where, args), args.out)


if __name__ == '__main__':
    main()
