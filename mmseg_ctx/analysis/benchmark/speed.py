# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's timing pass, a child process of the suite: every
config's model, optimizer wrapper, custom hooks (e.g. MCIBI's memory
update) and loaders built in one process and, after a warm-up, the configs
in turns, round after round: a few training steps of each, then a few test
steps (batch 1, val images) of each; medians.

Run as ``python -m mmseg_ctx.analysis.benchmark.speed CONFIG [CONFIG ...]
--work-dir DIR --iters N``; writes ``{work_dir}/timing.json``.
"""
import argparse
import dataclasses
import os.path as osp
import statistics
from collections import defaultdict
from typing import Dict, List, Optional

import torch
from mmengine.config import DictAction
from mmengine.device import get_device

from ..timing import device_label, wall_seconds
from ..train_step import TrainStep, cached_batches, load_step_config
from .records import Timing, write_json
from .suite import config_name

WARMUP = 3
ROUND = 5  # steps of one config in a row
BATCHES = 4  # distinct val batches of each config, cycled


class TimedConfig:
    """A config's training step (:class:`TrainStep`, on its first training
    batches) and test step (batch 1, its first val images), timed for the
    timing pass."""

    def __init__(self, key: str, work_dir: str, options: Optional[dict],
                 amp: bool, channels_last: bool) -> None:
        cfg = load_step_config(key, osp.join(work_dir, config_name(key)),
                               options, amp, channels_last)
        cfg.val_dataloader.batch_size = 1
        self.train_step = TrainStep(cfg)
        self.runner = self.train_step.runner
        self.test_batches = cached_batches(self.runner.val_loop.dataloader,
                                           BATCHES)

    def _test_step(self) -> None:
        with torch.no_grad():
            self.runner.model.test_step(next(self.test_batches))

    def steps(self, phase: str, count: int, device: str) -> List[float]:
        """Seconds of each of ``count`` train or test steps."""
        self.runner.model.train(phase == 'train')
        step = self.train_step if phase == 'train' else self._test_step
        return [wall_seconds(step, device) for _ in range(count)]


def measure_speed(keys: List[str], work_dir: str, iters: int,
                  options: Optional[dict] = None, amp: bool = False,
                  channels_last: bool = False) -> Dict[str, Timing]:
    """Median train s/iter and test fps of every config, in turns."""
    device = get_device()
    timed = {
        key: TimedConfig(key, work_dir, options, amp, channels_last)
        for key in keys
    }
    for config in timed.values():
        for phase in ('train', 'test'):
            config.steps(phase, WARMUP, device)
    times = defaultdict(list)
    done = 0
    while done < iters:
        count = min(ROUND, iters - done)
        for phase in ('train', 'test'):
            for key, config in timed.items():
                times[key, phase] += config.steps(phase, count, device)
        done += count
    return {
        key: Timing(
            train_s_per_iter=statistics.median(times[key, 'train']),
            test_fps=1 / statistics.median(times[key, 'test']),
            device=device_label(device),
            iters=iters)
        for key in keys
    }


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--iters', type=int, required=True)
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    timing = measure_speed(args.configs, args.work_dir, args.iters,
                           args.cfg_options, args.amp, args.channels_last)
    write_json({key: dataclasses.asdict(value)
                for key, value in timing.items()},
               osp.join(args.work_dir, 'timing.json'))


if __name__ == '__main__':
    main()
