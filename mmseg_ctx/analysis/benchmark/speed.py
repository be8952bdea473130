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
import copy
import dataclasses
import itertools
import os.path as osp
import statistics
import time
from collections import defaultdict
from typing import Dict, Iterable, Iterator, List, Optional

import torch
from mmengine.config import DictAction
from mmengine.device import get_device
from mmseg.registry import HOOKS

from ...engine import build_runner
from ..timing import device_label, synchronize
from .records import Timing, write_json
from .run import load_run_config
from .suite import config_name

WARMUP = 3
ROUND = 5  # steps of one config in a row
BATCHES = 4  # distinct batches of each config, cycled


def cached_batches(loader: Iterable, count: int) -> Iterator:
    """The first ``count`` batches of ``loader``, over and over: the
    timed steps are the model's, not the data pipeline's."""
    return itertools.cycle(list(itertools.islice(loader, count)))


class TimedConfig:
    """A config's model, optimizer wrapper, custom hooks and train / val
    loaders, stepped for the timing pass."""

    def __init__(self, key: str, work_dir: str, options: Optional[dict],
                 amp: bool, channels_last: bool) -> None:
        name = f'timing_{config_name(key)}'
        cfg = load_run_config(key, osp.join(work_dir, config_name(key)),
                              options, amp=amp, channels_last=channels_last)
        cfg.experiment_name = name
        if cfg.get('visualizer'):
            cfg.visualizer.name = name
        cfg.load_from = None
        cfg.resume = False
        cfg.val_dataloader.batch_size = 1
        # no worker processes: forked beside another config's worker
        # threads they can deadlock, and the batches are cached anyway
        for loader in (cfg.train_dataloader, cfg.val_dataloader):
            loader.update(num_workers=0, persistent_workers=False)
        self.runner = build_runner(cfg)
        self.optim_wrapper = self.runner.build_optim_wrapper(
            cfg.optim_wrapper)
        self.hooks = [
            HOOKS.build(hook)
            for hook in copy.deepcopy(cfg.get('custom_hooks', []))
        ]
        for hook in self.hooks:
            hook.before_run(self.runner)
            hook.before_train(self.runner)
        self.batches = dict(
            train=cached_batches(self.runner.train_loop.dataloader, BATCHES),
            test=cached_batches(self.runner.val_loop.dataloader, BATCHES))

    def _train_step(self, batch: dict) -> None:
        for hook in self.hooks:
            hook.before_train_iter(self.runner, 0, batch)
        outputs = self.runner.model.train_step(batch, self.optim_wrapper)
        for hook in self.hooks:
            hook.after_train_iter(self.runner, 0, batch, outputs)

    def steps(self, phase: str, count: int, device: str) -> List[float]:
        """Seconds of each of ``count`` train or test steps."""
        model = self.runner.model
        model.train(phase == 'train')
        times = []
        for _ in range(count):
            batch = next(self.batches[phase])
            synchronize(device)
            start = time.perf_counter()
            if phase == 'train':
                self._train_step(batch)
            else:
                with torch.no_grad():
                    model.test_step(batch)
            synchronize(device)
            times.append(time.perf_counter() - start)
        return times


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
