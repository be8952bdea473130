# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Train a segmentor: mmseg's ``tools/train.py`` with mmseg_ctx registered,
``--amp`` on a CPU and ``--channels-last``; the run is set up by
:class:`mmseg_ctx.engine.ContextRunner`."""
import argparse

from mmengine.dist import get_dist_info

import mmseg_ctx  # noqa: F401  registers our modules
from mmseg_ctx.engine import (add_runner_args, apply_training_options,
                              build_runner, load_runner_config,
                              parse_runner_args, release_distributed)


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


def main() -> None:
    args = parse_args()
    cfg = load_runner_config(args.config, args.launcher, args.cfg_options,
                             args.work_dir)
    apply_training_options(cfg, args.amp, args.channels_last)
    cfg.resume = args.resume
    # ContextRunner: CPU processes over gloo, --resume from the work_dir,
    # RNG states in checkpoints, the class-count check
    runner = build_runner(cfg)
    runner.train()

    rank, world_size = get_dist_info()
    print(f'mmseg_ctx: rank {rank} of {world_size} finished training',
          flush=True)
    del runner
    release_distributed()


if __name__ == '__main__':
    main()
