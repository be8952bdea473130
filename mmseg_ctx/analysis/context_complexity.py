# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Complexity of context modules as Table 3 of the MCIBI paper counts it:
mmseg's ASPP and PPM heads and our DCA (MCIBIHead, alone and on ASPP)
without their classifiers, parameters, FLOPs with the attention products
apart, and the latency of the whole heads in each precision."""
import argparse
import statistics
from typing import Dict, Sequence

import torch
from mmengine.analysis import parameter_count
from mmengine.device import get_device
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch import nn

from .complexity import flop_analyzer
from .timing import autocast, device_label, kernel_seconds

#: Table 3 of the paper: params (M), GFLOPs and V100 latency (ms) at
#: 1 x 2048 x 128 x 128
PAPER = {
    'ASPP': (42.21, 674.47, 101.44),
    'PPM': (23.07, 309.45, 29.57),
    'DCA': (14.82, 242.80, 47.64),
    'ASPP+DCA': (45.63, 730.56, 125.03),
}


class HeadOnInput(nn.Module):
    """A decode head applied to one feature map, for the counters."""

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head([x])


def build_modules(channels: int, num_classes: int) -> Dict[str, nn.Module]:
    """Each row's head (mmseg's ASPPHead and PSPHead, our MCIBIHead alone
    and on the ASPP) on ``channels`` input channels, in eval mode."""
    init_default_scope('mmseg')
    common = dict(
        in_channels=channels,
        in_index=0,
        channels=512,
        num_classes=num_classes,
        norm_cfg=dict(type='BN'),
        align_corners=False)
    cfgs = {
        'ASPP': dict(type='ASPPHead', dilations=(1, 12, 24, 36)),
        'PPM': dict(type='PSPHead', pool_scales=(1, 2, 3, 6)),
        'DCA': dict(type='MCIBIHead', context='none'),
        'ASPP+DCA': dict(type='MCIBIHead', context='aspp'),
    }
    return {
        name: HeadOnInput(MODELS.build({**common, **cfg})).eval()
        for name, cfg in cfgs.items()
    }


#: the submodules of each row that the paper counts (Table 3): the heads
#: without their classifiers
PAPER_PARTS = {
    'ASPP': ('image_pool', 'aspp_modules', 'bottleneck'),
    'PPM': ('psp_modules', 'bottleneck'),
    'DCA': ('bottleneck', 'memory_attention', 'fuse'),
    'ASPP+DCA': ('bottleneck', 'image_context', 'memory_attention', 'fuse'),
}
SDPA = 'scaled_dot_product_attention'


def measure(module: nn.Module, parts, x: torch.Tensor,
            dtypes: Sequence[str], repeats: int, warmup: int) -> Dict:
    """Parameters and FLOPs of the whole head and of its ``parts`` (the
    attention products apart), and the median latency in each of
    ``dtypes``."""
    names = [f'head.{part}' for part in parts]
    counts = parameter_count(module)
    device = str(x.device)
    with torch.no_grad():
        analyzer = flop_analyzer(module, (x, )).unsupported_ops_warnings(
            False).uncalled_modules_warnings(False)
        by_operator = analyzer.by_module_and_operator()
        attention = sum(
            count for name in names
            for op, count in by_operator.get(name, {}).items() if SDPA in op)
        latency = {}
        for dtype in dtypes:
            with autocast(device, dtype):
                for _ in range(warmup):
                    module(x)
                latency[dtype] = statistics.median(
                    kernel_seconds(lambda: module(x), device)
                    for _ in range(repeats))
    return dict(
        params=sum(counts[name] for name in names),
        flops=sum(analyzer.by_module()[name] for name in names) - attention,
        attention_flops=attention,
        head_params=counts[''],
        head_flops=analyzer.total(),
        latency=latency)


def markdown_table(rows: Dict[str, Dict], args: argparse.Namespace) -> str:
    """The rows beside the paper's, at the command line's sizes, on
    mmengine's device."""
    dtypes = list(rows['PPM']['latency'])
    lines = [
        '| module | params (M) | paper | GFLOPs | paper | attention GFLOPs '
        '| whole head: params (M) / GFLOPs |' +
        ''.join(f' ms ({d}) | / PPM |' for d in dtypes) +
        ' paper ms (V100) | paper / PPM |',
        '|---|---:|---:|---:|---:|---:|---:|' + '---:|---:|' * len(dtypes) +
        '---:|---:|'
    ]
    for name, row in rows.items():
        params, gflops, ms = PAPER[name]
        latency = ''.join(
            f' {row["latency"][d] * 1e3:.2f} | '
            f'{row["latency"][d] / rows["PPM"]["latency"][d]:.2f} |'
            for d in dtypes)
        lines.append(
            f'| {name} | {row["params"] / 1e6:.2f} | {params:.2f} | '
            f'{row["flops"] / 1e9:.2f} | {gflops:.2f} | '
            f'{row["attention_flops"] / 1e9:.2f} | '
            f'{row["head_params"] / 1e6:.2f} / '
            f'{row["head_flops"] / 1e9:.2f} |{latency} {ms:.2f} | '
            f'{ms / PAPER["PPM"][2]:.2f} |')
    lines.append('')
    lines.append(
        f'Input 1 x {args.channels} x {args.size} x {args.size}, '
        f'{args.num_classes} classes. '
        'Params and GFLOPs as the paper counts: the heads without their '
        'classifiers (ASPP, PPM: mmseg\'s heads less conv_seg; DCA: '
        'bottleneck, memory attention and fusion, not H1 and H2); FLOPs '
        "are multiply-adds from mmengine's counter without the attention "
        'products, which stand apart (Q K^T and P V, counted by our '
        'handle); the whole heads (classifiers and attention included) '
        f'beside. Latency: the median of {args.repeats} forward passes of '
        f'the whole head on {device_label(get_device())} (fp16/bf16 under '
        'autocast; CUDA events on '
        'a GPU, the wall clock elsewhere), and as a ratio to PPM in the '
        'same run and precision. Paper: Table 3 of the MCIBI paper, '
        '1 x 2048 x 128 x 128, V100 (precision not stated).')
    return '\n'.join(lines) + '\n'


def measure_rows(args: argparse.Namespace) -> Dict[str, Dict]:
    """Every row measured by :func:`measure` on mmengine's device at the
    command line's sizes, each printed when it is done."""
    device = get_device()
    x = torch.randn(1, args.channels, args.size, args.size, device=device)
    rows: Dict[str, Dict] = {}
    for name, module in build_modules(args.channels,
                                      args.num_classes).items():
        rows[name] = measure(module.to(device), PAPER_PARTS[name], x,
                             args.dtypes, args.repeats, args.warmup)
        print(f'{name}: {rows[name]}', flush=True)
    return rows
