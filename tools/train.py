# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Train a segmentor: mmseg's ``tools/train.py`` with mmseg_ctx registered
and multi-process training on CPU (gloo) when CUDA is absent."""
import argparse

from mmengine.dist import get_dist_info
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmseg.registry import RUNNERS

import mmseg_ctx  # noqa: F401  registers our modules
from mmseg_ctx.analysis import (add_runner_args, apply_training_options,
                                load_runner_config, parse_runner_args)
from mmseg_ctx.engine import (add_rng_state_hook, release_distributed,
                              resolve_resume, setup_cpu_distributed)
from mmseg_ctx.models.utils import check_num_classes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        default=False,
        help='train in the channels-last memory format (ChannelsLastHook)')
    add_runner_args(parser)
    return parse_runner_args(parser)


def unwrap_model(model):
    return model.module if is_model_wrapper(model) else model


def main() -> None:
    args = parse_args()
    cfg = load_runner_config(args.config, args.launcher, args.cfg_options,
                             args.work_dir)
    setup_cpu_distributed(cfg)  # several processes without an accelerator

    apply_training_options(cfg, args.amp, args.channels_last)
    cfg.resume = args.resume
    resolve_resume(cfg)  # the work_dir's checkpoint before load_from
    add_rng_state_hook(cfg)  # a resumed run draws the same random numbers

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    check_num_classes(unwrap_model(runner.model),
                      runner.train_dataloader.dataset.metainfo['classes'])
    runner.train()

    rank, world_size = get_dist_info()
    print(f'mmseg_ctx: rank {rank} of {world_size} finished training',
          flush=True)
    del runner
    release_distributed()


if __name__ == '__main__':
    main()
