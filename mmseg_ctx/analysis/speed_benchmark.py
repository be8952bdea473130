# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Inference speed of ContextNet against mmseg's Fast-SCNN, as Table 7 of
the ContextNet paper measures it: batch 1, every model in turns at each
size and precision, the host-to-host pipeline and the kernels alone (and
replayed from a CUDA graph) on CUDA, the kernels on a CPU."""
import argparse
import copy
import math
import statistics
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmseg.apis import init_model
from torch import nn

from .bn_folding import fold_batch_norm
from .paths import config_file
from .timing import (DTYPES, cuda_graph, device_type, kernel_seconds,
                     wall_seconds)

CONTEXTNET = 'configs/contextnet/contextnet_{}_4xb4-1000e_cityscapes-' \
    '1024x2048.py'
#: row name -> config (absolute, relative to the repository, or mmseg::)
MODELS = {
    'Fast-SCNN (mmseg)':
    'mmseg::fastscnn/fast_scnn_8xb4-160k_cityscapes-512x1024.py',
    'ContextNet cn14': CONTEXTNET.format('cn14'),
    'ContextNet cn12': CONTEXTNET.format('cn12'),
    'ContextNet cn18': CONTEXTNET.format('cn18'),
}
#: Tables 4 and 7 of the paper, fps on a Titan X (Maxwell): pipeline /
#: kernels ('-': not given)
PAPER = {
    'ContextNet cn14': {
        (1024, 2048): ('18.3', '41.9'),
        (512, 1024): ('65.5', '136.2'),
        (256, 512): ('139.2', '299.5')
    },
    'ContextNet cn12': {
        (1024, 2048): ('11.4', '-')
    },
    'ContextNet cn18': {
        (1024, 2048): ('21.0', '-')
    },
}


def build(path: str, device: str) -> nn.Module:
    """The model of a config of :data:`MODELS` on ``device``, in eval
    mode, with its initial weights (only speed is measured)."""
    if path.startswith('mmseg::'):  # an installed mmseg config
        cfg = Config.fromstring(f'_base_ = {path!r}', '.py')
    else:
        cfg = Config.fromfile(config_file(path))
    model = init_model(cfg, None, device=device)
    model.eval()
    return model


#: what is timed: the host image in and the labels out by the wall clock,
#: the kernels by CUDA events (launched by the host), the same kernels
#: replayed from a CUDA graph
MODES = ('pipeline', 'kernels', 'graph')


def timer(model: nn.Module, host: torch.Tensor, device: str,
          mode: str) -> Callable[[], float]:
    """A function that times one inference (logits at the input size and
    their argmax) in ``mode`` (one of :data:`MODES`) and returns its
    seconds: 'pipeline' starts from the image on the host and ends with
    the labels there; 'kernels' has the image on the device already;
    'graph' replays the kernels of 'kernels' from a CUDA graph."""
    size = tuple(host.shape[2:])
    meta = [dict(img_shape=size, ori_shape=size, pad_shape=size)]
    dtype = next(model.parameters()).dtype
    if mode == 'pipeline':

        def pipeline() -> torch.Tensor:
            image = host.to(device).to(dtype)
            return model.encode_decode(image, meta).argmax(1).cpu()

        return lambda: wall_seconds(pipeline, device)
    image = host.to(device).to(dtype)

    def infer() -> torch.Tensor:
        return model.encode_decode(image, meta).argmax(1)

    if mode == 'graph':
        if device_type(device) != 'cuda':
            raise ValueError(f"'graph' replays CUDA graphs; not on {device}")
        eager = infer()
        replay, labels = cuda_graph(infer)
        replay()
        agree = (labels == eager).float().mean().item()
        if agree < 0.999:  # a capture that does not compute the model
            raise RuntimeError(f'the CUDA graph gives other labels than '
                               f'the model ({agree:.2%} agree)')
        return lambda: kernel_seconds(replay, device)
    return lambda: kernel_seconds(infer, device)


def build_rows(args: argparse.Namespace,
               device: str) -> List[Tuple[str, str, nn.Module]]:
    """``(row, dtype, model)``: each of ``--models`` (ContextNet also BN
    folded) in each of ``--dtypes``."""
    rows = []
    for name in args.models:
        model = build(MODELS[name], device)
        variants = [(name, model)]
        if name.startswith('ContextNet') and not args.no_fold:
            variants.append((f'{name}, BN folded',
                             fold_batch_norm(copy.deepcopy(model))))
        rows += [(row, dtype, copy.deepcopy(m).to(DTYPES[dtype]))
                 for row, m in variants for dtype in args.dtypes]
    return rows


@torch.no_grad()
def measure(args: argparse.Namespace,
            device: str,
            modes: Optional[Sequence[str]] = None) -> Dict:
    """fps per row, precision and size in each of ``modes`` (by default all
    of :data:`MODES` on CUDA, 'kernels' elsewhere): ``{(row, dtype, size):
    {mode: fps}}``; NaN where a model cannot be captured into a CUDA graph
    (or its graph gives other labels), with the reason printed.
    After each model's warm-up, the timed iterations go round the models in
    turn, so that a slow spell of the machine hits them all alike."""
    sizes = [tuple(int(v) for v in s.split('x')) for s in args.sizes]
    if modes is None:
        modes = MODES if device_type(device) == 'cuda' else ('kernels', )
    rows = build_rows(args, device)
    results: Dict = {(name, dtype, size): {}
                     for name, dtype, _ in rows for size in sizes}
    for size in sizes:
        host = torch.randn(1, 3, *size)
        for mode in modes:
            timers = {}
            for name, dtype, model in rows:
                try:
                    timers[name, dtype] = timer(model, host, device, mode)
                except RuntimeError as error:  # not capturable
                    print(f'{name}, {dtype}, {size}: no CUDA graph: {error}')
                    results[name, dtype, size][mode] = math.nan
            for time_one in timers.values():
                for _ in range(args.warmup):
                    time_one()
            times: Dict = {key: [] for key in timers}
            for _ in range(args.iters):
                for key, time_one in timers.items():
                    times[key].append(time_one())
            for (name, dtype), seconds in times.items():
                results[name, dtype, size][mode] = 1 / statistics.median(
                    seconds)
    return results


def markdown_table(results: Dict, where: str,
                   args: argparse.Namespace) -> str:
    """fps of :func:`measure`'s results on ``where`` in each of their
    modes, as ratios to Fast-SCNN's, the paper's beside."""
    columns = [c for c in MODES if c in next(iter(results.values()))]
    reference = 'Fast-SCNN (mmseg)'
    head = '| model | precision | input |'
    for column in columns:
        head += f' fps ({column}) | / Fast-SCNN |'
    head += ' paper fps (Titan X: pipeline / kernels) |'
    lines = [head, '|---|---|---|' + '---:|---:|' * len(columns) + '---:|']
    for (name, dtype, size), fps in results.items():
        line = f'| {name} | {dtype} | {size[0]}x{size[1]} |'
        for column in columns:
            ratio = '-'
            if (reference, dtype, size) in results:
                base = results[reference, dtype, size][column]
                ratio = f'{fps[column] / base:.2f}'
            line += f' {fps[column]:.2f} | {ratio} |'
        paper = PAPER.get(name, {}).get(size)
        line += f' {paper[0]} / {paper[1]} |' if paper else ' - |'
        lines.append(line)
    lines.append('')
    lines.append(
        f'Batch 1, median of {args.iters} iterations after {args.warmup} '
        f'warm-up ones, on {where}, torch {torch.__version__}; '
        'an iteration is logits at the input size and their argmax; '
        'fp16/bf16: weights and image in that precision; mmseg\'s '
        'metafile gives Fast-SCNN 17.71 ms (56.5 fps) at 512x1024 on a V100'
        + ('; pipeline = host image to the GPU, inference, labels back, '
           'sequentially, by the wall clock; kernels = image already on the '
           'GPU, between CUDA events, the kernels launched by the host as '
           'in eager PyTorch; graph = the same kernels replayed from a CUDA '
           'graph (no launches by the host), between CUDA events.'
           if 'pipeline' in columns else
           '; no host-device copy on a CPU.'))
    return '\n'.join(lines) + '\n'
