# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The peak memory of a step (e.g. a :class:`~.train_step.TrainStep`), on
any device."""
import json
import os.path as osp
import tempfile
import warnings
from typing import Callable

import torch
from torch.profiler import ProfilerActivity, profile

from .timing import synchronize


def peak_bytes(step: Callable[[], object], device: str) -> int:
    """Peak extra memory of one ``step()``: the most bytes of tensors it
    allocated that were alive at once, its inputs not counted.

    On CUDA the caching allocator's peak of allocated bytes; on CPU the
    same count read off the profiler's memory timeline (every allocation
    and free the c10 allocator reports), so that neither glibc's arenas
    nor the resident set of the process, which depend on its history,
    enter the figure.
    """
    if device.startswith('cuda'):
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        step()
        synchronize(device)
        return torch.cuda.max_memory_allocated(device) - base
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True,
                 record_shapes=True, with_stack=True) as prof:
        step()
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'timeline.json')
        with warnings.catch_warnings():  # deprecated for CUDA's snapshots
            warnings.simplefilter('ignore', FutureWarning)
            prof.export_memory_timeline(path, device='cpu')
        with open(path) as f:
            times, sizes = json.load(f)
    totals = [sum(size) for size in sizes]
    # the tensors alive before the step come first, at time -1
    base = totals[0] if times and times[0] == -1 else 0
    return max(totals, default=0) - base
