# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""One benchmark run, the child process of the suite: train a config with
a seed in its work dir (from the last checkpoint there, if any), evaluate
the last checkpoint on val (and test, where its images exist apart from
val's) and write the run's record, ``result.json``.

Run as ``python -m mmseg_ctx.analysis.benchmark.run CONFIG --seed S
--work-dir DIR`` (under ``torch.distributed.run`` with ``--launcher
pytorch`` for several processes).
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Union

import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.dist import is_main_process
from mmengine.runner import BaseLoop, Runner, find_latest_checkpoint

from ...engine import (apply_training_options, build_runner,
                       load_runner_config, release_distributed)
from ...engine.wrappers import unwrap_model
from ..complexity import flop_analyzer
from ..paths import config_file
from .metrics import PerClassIoUMetric
from .records import (RESULT, TRAINED, RunRecord, SplitMetrics, read_json,
                      write_json)


def train(cfg: Config, seed: int) -> dict:
    """Train, from the last checkpoint of the work dir if there is one, as
    ``tools/train.py --resume`` does (ContextRunner's resume rule, RNG
    states in checkpoints so that a resumed run is the uninterrupted one,
    the class-count check, CPU processes over gloo)."""
    cfg = copy.deepcopy(cfg)
    cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
    last = find_latest_checkpoint(cfg.work_dir) if osp.exists(
        osp.join(cfg.work_dir, 'last_checkpoint')) else None
    cfg.resume = True
    runner = build_runner(cfg)
    start = time.perf_counter()
    runner.train()
    return dict(
        iterations=runner.iter,
        epochs=cfg.train_cfg.get('max_epochs'),
        train_time_s=round(time.perf_counter() - start, 1),
        resumed_from=osp.basename(last) if last else None)


def image_folder(dataloader: dict) -> str:
    dataset = dataloader['dataset']
    while 'dataset' in dataset:  # e.g. RepeatDataset
        dataset = dataset['dataset']
    prefix = dataset.get('data_prefix') or {}
    return osp.realpath(
        osp.join(dataset.get('data_root') or '', prefix.get('img_path', '')))


def has_test_data(cfg: Config) -> bool:
    """Whether the test images exist and are not val's."""
    if not cfg.get('test_dataloader'):
        return False
    folder = image_folder(cfg.test_dataloader)
    return (osp.isdir(folder) and bool(os.listdir(folder))
            and folder != image_folder(cfg.val_dataloader))


def per_class_evaluator(evaluator: Union[dict, list]) -> dict:
    """Our metric, with the settings of the config's ``IoUMetric``."""
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    iou = next((m for m in metrics if 'IoUMetric' in str(m.get('type'))), {})
    keep = {k: iou[k] for k in ('ignore_index', 'nan_to_num') if k in iou}
    return dict(type='PerClassIoUMetric', iou_metrics=['mIoU'], **keep)


def split_metrics(metrics: Dict[str, float], loop: BaseLoop) -> SplitMetrics:
    """The metrics of a val or test loop, with its metric's per-image
    counts."""
    per_class = {
        name[4:]: None if math.isnan(value) else value
        for name, value in metrics.items() if name.startswith('IoU.')
    }
    metric = next(m for m in loop.evaluator.metrics
                  if isinstance(m, PerClassIoUMetric))
    return SplitMetrics(
        **{k: round(float(metrics[k]), 2)
           for k in ('mIoU', 'mAcc', 'aAcc')},
        per_class_iou=per_class,
        **getattr(metric, 'per_image', {}))


def complexity(runner: Runner) -> dict:
    """Parameters, and FLOPs of ``_forward`` on the first val image as the
    test pipeline makes it, in eval mode."""
    model = unwrap_model(runner.model)
    model.eval()
    batch = pseudo_collate([runner.val_dataloader.dataset[0]])
    inputs = model.data_preprocessor(batch, False)['inputs']
    with torch.no_grad():
        flops = flop_analyzer(model, (inputs, )).unsupported_ops_warnings(
            False).uncalled_modules_warnings(False).total()
    return dict(
        params=sum(p.numel() for p in model.parameters()),
        flops=int(flops),
        flops_input_shape=list(inputs.shape))


def evaluate(cfg: Config) -> dict:
    """The last checkpoint of the work dir on val (and test) by a runner of
    its own, in ``{work_dir}/eval``."""
    run_dir = cfg.work_dir
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = osp.join(run_dir, 'eval')
    # a logger and visualizer apart from the training runner's
    cfg.experiment_name = 'benchmark_eval'
    if cfg.get('visualizer'):
        cfg.visualizer.name = 'benchmark_eval'
    cfg.load_from = find_latest_checkpoint(run_dir)
    cfg.resume = False
    for part in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                 'param_scheduler'):
        cfg[part] = None
    cfg.val_evaluator = per_class_evaluator(cfg.val_evaluator)
    test = has_test_data(cfg)
    if test:
        cfg.test_evaluator = per_class_evaluator(cfg.test_evaluator)
    else:
        cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    runner = build_runner(cfg)
    record = dict(val=split_metrics(runner.val(), runner.val_loop))
    record['test'] = split_metrics(runner.test(),
                                   runner.test_loop) if test else None
    return dict(record, checkpoint=osp.basename(cfg.load_from),
                **complexity(runner))


def read_curve(run_dir: str) -> List[List[float]]:
    """Val mIoU against the step, from the scalars of every timestamp
    folder of the run (one more for each resume), merged by step."""
    points = {}
    for name in sorted(os.listdir(run_dir)):
        path = osp.join(run_dir, name, 'vis_data', 'scalars.json')
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                for line in f:
                    scalars = json.loads(line)
                    if 'mIoU' in scalars:
                        points[scalars['step']] = round(scalars['mIoU'], 2)
    return [[step, points[step]] for step in sorted(points)]


def load_run_config(key: str, run_dir: str, options: Optional[dict] = None,
                    launcher: str = 'none', amp: bool = False,
                    channels_last: bool = False) -> Config:
    """A config to run in ``run_dir``, loaded once for the whole run, with
    ``tools/train.py``'s options (under ``launcher`` 'pytorch' without an
    accelerator the processes meet over gloo when the runner is built)."""
    cfg = load_runner_config(config_file(key), launcher, options, run_dir)
    apply_training_options(cfg, amp, channels_last)
    return cfg


def run_one(key: str, seed: int, cfg: Config) -> Optional[RunRecord]:
    """Train (or finish training), evaluate and write
    ``{work_dir}/result.json`` (every process of a distributed run trains
    and evaluates, the first writes and returns the record)."""
    trained = osp.join(cfg.work_dir, TRAINED)
    if not osp.exists(trained):
        training = train(cfg, seed)
        if is_main_process():
            write_json(training, trained)
    evaluation = evaluate(cfg)
    record = None
    if is_main_process():
        record = RunRecord(
            config=key, seed=seed, **evaluation, **read_json(trained),
            work_dir=cfg.work_dir, curve=read_curve(cfg.work_dir),
            amp='Amp' in cfg.optim_wrapper.get('type', ''),
            channels_last=any(h.get('type') == 'ChannelsLastHook'
                              for h in cfg.get('custom_hooks') or []))
        write_json(record, osp.join(cfg.work_dir, RESULT))
    release_distributed()
    return record


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config key, as the suite names it')
    parser.add_argument('--seed', type=int, required=True)
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch'])
    parser.add_argument('--local_rank', '--local-rank', type=int)
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg = load_run_config(args.config, args.work_dir, args.cfg_options,
                          args.launcher, args.amp, args.channels_last)
    run_one(args.config, args.seed, cfg)


if __name__ == '__main__':
    main()
