# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""One training iteration of a config as its entry points run it, for the
tools that time or profile one: the cost tools (on random images of any
shape) and the benchmark's timing pass (on the config's own batches)."""
import copy
import itertools
from typing import Iterable, Iterator, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.registry import LOOPS
from mmengine.structures import PixelData
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample
from torch.utils.data import DataLoader

from ..engine import apply_training_options, build_runner, load_runner_config
from .paths import config_file


def cached_batches(loader: Iterable, count: int) -> Iterator[dict]:
    """The first ``count`` batches of ``loader``, over and over: the timed
    steps are the model's, not the data pipeline's."""
    return itertools.cycle(list(itertools.islice(loader, count)))


def random_batch(crop: Sequence[int], batch: int, num_classes: int) -> dict:
    """``batch`` random uint8 images of ``crop`` (H, W) with random labels
    in ``[0, num_classes)``, as a data loader yields them (seeded)."""
    gen = torch.Generator().manual_seed(0)
    shape = tuple(crop)
    samples = []
    for _ in range(batch):
        sample = SegDataSample(metainfo=dict(
            img_shape=shape, ori_shape=shape, pad_shape=shape))
        sample.gt_sem_seg = PixelData(data=torch.randint(
            0, num_classes, (1, *shape), generator=gen))
        samples.append(sample)
    inputs = [
        torch.randint(0, 255, (3, *shape), generator=gen, dtype=torch.uint8)
        for _ in range(batch)
    ]
    return dict(inputs=inputs, data_samples=samples)


def load_step_config(config: str, work_dir: str,
                     options: Optional[dict] = None, amp: bool = False,
                     channels_last: bool = False) -> Config:
    """A config (file or ``mmseg::`` key) loaded as ``tools/train.py``
    loads it, with its ``--cfg-options``, ``--amp`` and
    ``--channels-last``, to be stepped in ``work_dir`` rather than trained:
    no checkpoint is loaded and its loaders start no worker processes
    (forked beside another config's threads they can deadlock)."""
    cfg = load_runner_config(config_file(config), 'none', options, work_dir)
    apply_training_options(cfg, amp, channels_last)
    cfg.load_from = None
    cfg.resume = False
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader):
            cfg[loader].update(num_workers=0, persistent_workers=False)
    return cfg


#: numbers the steps of a process (their runners' instance names)
_STEPS = itertools.count()


def _same(batch: dict) -> dict:
    """A batch as it is (it is one already)."""
    return batch


class TrainStep:
    """One training iteration of ``cfg`` on the Runner every entry point
    builds (:func:`build_runner`: ``--amp`` as bf16 on a CPU; one process):
    the config's custom hooks' ``before_train_iter``, the
    model's ``train_step`` through the config's optim wrapper, the hooks'
    ``after_train_iter`` (MCIBI's memory update, at iteration 0 of the
    config's schedule). The hooks are their own instances, set up by their
    ``before_run`` and ``before_train`` (``--channels-last`` converts the
    model there). Building the runner applies the config's ``env_cfg`` and
    ``randomness`` to the process (e.g. cuDNN's benchmark mode), so the
    configs stepped in one process should agree on them, as the suites'
    do.

    Args:
        cfg (Config): the config, as :func:`load_step_config` gives it;
            several may be stepped in one process.
        batches (list[dict], optional): what the steps train on, in turns;
            by default the config's first four training batches (which
            needs its data set). Given batches need no data set: the
            runner's training loop then iterates over them.
    """

    def __init__(self, cfg: Config,
                 batches: Optional[List[dict]] = None) -> None:
        cfg = copy.deepcopy(cfg)
        # a message hub, logger and visualizer of its own
        cfg.experiment_name = f'step_{next(_STEPS)}'
        if cfg.get('visualizer'):
            cfg.visualizer.name = cfg.experiment_name
        self.runner = build_runner(cfg)
        if batches is None:
            self.batches = cached_batches(self.runner.train_loop.dataloader,
                                          4)
        else:
            # the loop the hooks read the schedule from, over the given
            # batches (mmengine would build it from the config's data
            # set, which a cost measured at ADE20K's shapes need not have)
            loader = DataLoader(batches, batch_size=None, collate_fn=_same)
            self.runner._train_loop = LOOPS.build(
                copy.deepcopy(cfg.train_cfg),
                default_args=dict(runner=self.runner, dataloader=loader))
            self.batches = itertools.cycle(batches)
        self.optim_wrapper = self.runner.build_optim_wrapper(
            self.runner.cfg.optim_wrapper)
        self.hooks = [
            HOOKS.build(hook)
            for hook in copy.deepcopy(cfg.get('custom_hooks') or [])
        ]
        for hook in self.hooks:
            hook.before_run(self.runner)
            hook.before_train(self.runner)

    @classmethod
    def on_random_images(cls, config: str, crop: Sequence[int], batch: int,
                         work_dir: str, amp: bool = False,
                         channels_last: bool = False) -> 'TrainStep':
        """The step of ``config`` on ``batch`` random images of ``crop``
        (the data preprocessor sized to it), no data set needed."""
        cfg = load_step_config(config, work_dir, amp=amp,
                               channels_last=channels_last)
        cfg.model.pretrained = None
        cfg.model.data_preprocessor.size = tuple(crop)
        images = random_batch(crop, batch, cfg.model.decode_head.num_classes)
        return cls(cfg, [images])

    def __call__(self) -> None:
        batch = next(self.batches)
        for hook in self.hooks:
            hook.before_train_iter(self.runner, 0, batch)
        outputs = self.runner.model.train_step(batch, self.optim_wrapper)
        for hook in self.hooks:
            hook.after_train_iter(self.runner, 0, batch, outputs)
