# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Timing of the speed tools on any device, in any of the precisions they
compare: CUDA events for the kernels on a GPU, the wall clock elsewhere."""
import argparse
import contextlib
import platform
import time
from typing import Callable, ContextManager, Tuple

import torch

from ..engine import cpu_supports_bf16

#: the precisions the tools take on their command lines
DTYPES = {
    'fp32': torch.float32,
    'fp16': torch.float16,
    'bf16': torch.bfloat16,
}


def add_dtypes_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """``--dtypes``: the precisions a speed tool takes (default fp32)."""
    parser.add_argument(
        '--dtypes',
        nargs='+',
        choices=list(DTYPES),
        default=['fp32'],
        help=help)


def cpu_name() -> str:
    """The CPU's model name (Linux's ``/proc/cpuinfo``, else Python's
    guess; empty where neither knows)."""
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def device_label(device: str) -> str:
    """The device as the tables' footnotes name it: the GPU's name, or the
    CPU's model, threads and whether it computes bf16 natively (what
    ``--amp`` needs on a CPU)."""
    if device_type(device) == 'cuda':
        return f'{device} ({torch.cuda.get_device_name(device)})'
    bf16 = 'native' if cpu_supports_bf16() else 'no'
    name = cpu_name()
    return (f'{device} ({name + ", " if name else ""}'
            f'{torch.get_num_threads()} threads, {bf16} bf16)')


def device_type(device: str) -> str:
    """``cuda:1`` -> ``cuda``."""
    return torch.device(device).type


def synchronize(device: str) -> None:
    """Wait for the device's queued kernels (CUDA, NPU, ...); no-op on
    CPU."""
    backend = getattr(torch, device_type(device), None)
    if backend is not None and hasattr(backend, 'synchronize'):
        backend.synchronize(device)


def autocast(device: str, dtype: str) -> ContextManager:
    """``fp32``: nothing; ``fp16``/``bf16``: torch's autocast on the
    device, as mixed-precision training and inference run."""
    if dtype == 'fp32':
        return contextlib.nullcontext()
    return torch.autocast(device_type(device), dtype=DTYPES[dtype])


def kernel_seconds(fn: Callable[[], object], device: str) -> float:
    """Seconds of one ``fn()``: between two CUDA events recorded around it
    on a GPU (what its kernels take, launches overlapped), the wall clock
    between two synchronisations elsewhere."""
    if device_type(device) == 'cuda':
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3
    return wall_seconds(fn, device)


def wall_seconds(fn: Callable[[], object], device: str) -> float:
    """Seconds of one ``fn()`` by the wall clock, the device synchronised
    before and after (host-device copies and launches included)."""
    synchronize(device)
    begin = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - begin


def cuda_graph(fn: Callable[[], torch.Tensor],
               warmup: int = 3) -> Tuple[Callable[[], None], torch.Tensor]:
    """``fn`` captured into a CUDA graph: its replay, which runs the same
    kernels on the same tensors without the host launching them one by
    one, and the tensor each replay writes ``fn``'s result to. The warm-up
    runs on a side stream first, as torch's capture requires."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(warmup):
            fn()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        output = fn()
    return graph.replay, output
