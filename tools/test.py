# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Test (and evaluate) a segmentor: mmseg's ``tools/test.py`` with mmseg_ctx
registered; the run is set up by :class:`mmseg_ctx.engine.ContextRunner`
(multi-process testing on CPU over gloo when there is no accelerator)."""
import argparse

from mmengine.config import Config

import mmseg_ctx  # noqa: F401  registers our modules
from mmseg_ctx.engine import (add_runner_args, build_runner,
                              load_runner_config, parse_runner_args,
                              release_distributed)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help=('if specified, the evaluation metric results will be dumped '
              'into the directory as json'))
    parser.add_argument(
        '--out',
        type=str,
        help='The directory to save output prediction for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved. '
        'If specified, it will be automatically saved '
        'to the work_dir/timestamp/show_dir')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation')
    add_runner_args(parser)
    return parse_runner_args(parser)


def trigger_visualization_hook(cfg: Config,
                               args: argparse.Namespace) -> Config:
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks. Refer to '
            'usage "visualization=dict(type=\'VisualizationHook\')"')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir
    return cfg


def main() -> None:
    args = parse_args()
    cfg = load_runner_config(args.config, args.launcher, args.cfg_options,
                             args.work_dir)
    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True

    # ContextRunner: CPU processes over gloo, mmseg's IoUMetric under
    # randomness.deterministic=True on CUDA (EvalDeterminismHook)
    runner = build_runner(cfg)
    runner.test()
    del runner
    release_distributed()


if __name__ == '__main__':
    main()
