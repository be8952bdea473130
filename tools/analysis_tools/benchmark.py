# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Benchmark (method, baseline) config pairs over seeds with the stock
Runner, and report their paired differences.

A suite is a python file (read by mmengine's ``Config``) holding a list
``suite`` of ``dict(name=..., method=CONFIG, baseline=CONFIG)``, its paths
relative to its own folder; ``--pair NAME METHOD BASELINE`` adds pairs on
the command line, paths relative to the current folder. Any mmseg config
goes, ``pkg::path`` ones (e.g. ``mmseg::fcn/...``) included. A config that
is the baseline of several pairs trains once per seed.

Every (config, seed) trains in a child process of its own in
``{work_dir}/{config name}/seed{S}``, seeded by mmengine
(``randomness.seed``); its last checkpoint is then evaluated on val, and
on test where the test images exist apart from val's (reported, never used
to choose anything): mIoU, mAcc, aAcc and the IoU of every class, with the
model's parameters, its FLOPs on one val image as the test pipeline makes
it (mmengine's count, one multiply-add a FLOP, SDPA attention included)
and the val mIoU curve of the training. Each run's record goes into
``{out_dir}/results.json`` as the run ends (and into ``result.json`` in
its work dir). The benchmark resumes: a recorded run is read back (from
results.json, else its work dir), an interrupted one goes on from its last
checkpoint (or, trained, to its evaluation).

results.json: ``suite`` (the pairs), ``seeds``, ``runs`` (per run:
``config``, ``seed``, ``val`` and ``test`` (or null) with ``mIoU``,
``mAcc``, ``aAcc`` and ``per_class_iou`` {class: IoU or null}, in %,
``iterations``, ``epochs`` (null for an iteration schedule), ``params``,
``flops``, ``flops_input_shape``, ``train_time_s`` (of the attempt that
finished the training), ``resumed_from``, ``checkpoint``, ``work_dir`` and
``curve`` [[iteration, val mIoU], ...]) and ``timing`` ({config:
{``train_s_per_iter``, ``test_fps``, ``device``, ``iters``}}).

The runs share the machine with whatever else it does, so speed is
measured apart, after them, in one process: every config's model,
optimizer and data loaders are built and, after a warm-up, the configs take
turns, round after round: a few training steps of each, then a few test
steps (batch 1, val images) of each; medians (once recorded, the pass is
skipped unless ``--timing-iters`` is given). ``report.md`` (with
``curves.png`` and ``per_class.png``) gives per config the mean and sample
std over seeds, per pair the paired difference of val mIoU over the seeds
both have, the seeds the method wins and its speed against the baseline's,
per-class IoU, and the test split where any run has one.

Example::

    python tools/analysis_tools/benchmark.py configs/benchmarks/camvid.py \\
        --work-dir work_dirs/benchmark/camvid --out-dir benchmarks/camvid
    python tools/analysis_tools/benchmark.py --out-dir benchmarks/camvid \\
        --report-only
"""
import argparse
import copy
import itertools
import json
import math
import os
import os.path as osp
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import (Any, Dict, Iterable, Iterator, List, Optional, Sequence,
                    Tuple, Union)

import numpy as np
import torch
from matplotlib.figure import Figure
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.device import get_device
from mmengine.dist import is_main_process
from mmengine.hub import get_config
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner, find_latest_checkpoint
from mmseg.evaluation import IoUMetric
from mmseg.registry import HOOKS, METRICS, RUNNERS

import mmseg_ctx  # noqa: F401  registers our modules
from mmseg_ctx.analysis import (ensure_label_basis, flop_analyzer,
                                load_runner_config, write_markdown)
from mmseg_ctx.engine import (add_rng_state_hook, release_distributed,
                              setup_cpu_distributed)
from mmseg_ctx.models.utils import check_num_classes

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.abspath(__file__)
RESULT = 'result.json'  # a finished run's record, in its work dir
TRAINED = 'trained.json'  # written once its training has ended
TIMING_ITERS = 20
TIMING_WARMUP = 3
TIMING_ROUND = 5  # steps of one config in a row
TIMING_BATCHES = 4  # distinct batches of each config, cycled


@METRICS.register_module(force=True)
class PerClassIoUMetric(IoUMetric):
    """mmseg's ``IoUMetric`` that also returns each class's IoU, in % as
    ``IoU.{class}`` (NaN for a class neither labelled nor predicted)."""

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        areas = [sum(area) for area in zip(*results)]
        iou = self.total_area_to_metrics(*areas, ['mIoU'],
                                         self.nan_to_num)['IoU']
        for name, value in zip(self.dataset_meta['classes'], iou):
            metrics[f'IoU.{name}'] = round(float(value) * 100, 2)
        return metrics


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('suite', nargs='?', help='suite file')
    parser.add_argument(
        '--pair',
        nargs=3,
        action='append',
        default=[],
        metavar=('NAME', 'METHOD', 'BASELINE'),
        help='a pair of configs (repeatable), beside or instead of SUITE')
    parser.add_argument('--work-dir', help='runs go to WORK_DIR/CONFIG/seedS')
    parser.add_argument(
        '--out-dir', help='results.json, report.md and the plots')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='applied to every config, as in tools/train.py')
    parser.add_argument(
        '--timing-iters',
        type=int,
        help=f'timed steps of each config (default {TIMING_ITERS}); given, '
        'the timing pass runs even if it is recorded')
    parser.add_argument(
        '--no-timing', action='store_true', help='skip the timing pass')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='rebuild the report from OUT_DIR/results.json, train nothing')
    parser.add_argument(
        '--gpus',
        type=int,
        default=1,
        help='processes per run (one per GPU; gloo processes without an '
        'accelerator), as tools/dist_train.sh CONFIG GPUS')
    # the child processes: one run, or the timing pass
    parser.add_argument('--run-config', help=argparse.SUPPRESS)
    parser.add_argument(
        '--launcher', default='none', choices=['none', 'pytorch'],
        help=argparse.SUPPRESS)
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int,
                        help=argparse.SUPPRESS)
    parser.add_argument('--seed', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--time', nargs='+', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_config is None and args.time is None:
        if args.out_dir is None:
            parser.error('--out-dir is required')
        if not args.report_only and (args.work_dir is None
                                     or not (args.suite or args.pair)):
            parser.error('a suite (SUITE or --pair) and --work-dir are '
                         'required, unless --report-only')
    return args


def cfg_options(pairs: Sequence[str]) -> Optional[dict]:
    """``--cfg-options`` as mmengine's ``DictAction`` reads them (they are
    kept as text to pass them on to the child processes)."""
    if not pairs:
        return None
    parser = argparse.ArgumentParser()
    parser.add_argument('--options', nargs='+', action=DictAction)
    return parser.parse_args(['--options', *pairs]).options


def read_json(path: str) -> Any:
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def write_json(obj, path: str) -> None:
    """Write ``path`` whole or not at all (a kill leaves the old one)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


# --- configs --------------------------------------------------------------


def config_key(path: str, folder: str) -> str:
    """How the results name a config: ``pkg::path`` as given, a file
    relative to the repository when inside it, else absolute."""
    if '::' in path:
        return path
    path = osp.abspath(osp.join(folder, path))
    inside = osp.relpath(path, ROOT)
    return path if inside.startswith('..') else inside


def config_file(key: str) -> str:
    return get_config(key).filename if '::' in key else osp.join(ROOT, key)


def config_name(key: str) -> str:
    return osp.splitext(osp.basename(key))[0]


def load_suite(args: argparse.Namespace) -> List[dict]:
    pairs = []
    if args.suite:
        folder = osp.dirname(osp.abspath(args.suite))
        pairs += [(p['name'], p['method'], p['baseline'], folder)
                  for p in Config.fromfile(args.suite).suite]
    pairs += [(*pair, os.getcwd()) for pair in args.pair]
    suite = [
        dict(name=name, method=config_key(method, folder),
             baseline=config_key(baseline, folder))
        for name, method, baseline, folder in pairs
    ]
    names = [pair['name'] for pair in suite]
    if len(set(names)) < len(names):
        raise ValueError(f'pair names repeat: {names}')
    configs = configs_of(suite)
    stems = [config_name(key) for key in configs]
    if len(set(stems)) < len(stems):
        raise ValueError(f'two configs share a file name (their work dirs '
                         f'would clash): {configs}')
    return suite


def configs_of(suite: List[dict]) -> List[str]:
    """Every config once, in the order of the suite."""
    return list(
        dict.fromkeys(c for p in suite for c in (p['method'], p['baseline'])))


def build_runner(cfg: Config) -> Runner:
    """The stock runner, as ``tools/train.py`` builds it."""
    return Runner.from_cfg(cfg) if 'runner_type' not in cfg else \
        RUNNERS.build(cfg)


def load_config(key: str, options: Optional[dict], work_dir: str,
                name: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """A config to run in ``work_dir``; ``name`` gives the runner a logger
    and visualizer of its own, apart from another runner's of the same
    process (which would get its scalars otherwise). Under ``launcher``
    'pytorch' without an accelerator, the processes meet over gloo as in
    ``tools/train.py``."""
    cfg = load_runner_config(config_file(key), launcher, options, work_dir)
    setup_cpu_distributed(cfg)
    if name is not None:
        cfg.experiment_name = name
        if cfg.get('visualizer'):
            cfg.visualizer.name = name
    return cfg


# --- one run (child process) ----------------------------------------------


def ensure_basis(cfg: Config) -> None:
    """A DUpsampling config's label basis, computed from its training
    labels by ``label_basis.py``'s estimator if the file is missing (or
    was made for another ratio, code size or classes)."""
    head = cfg.model.decode_head
    if head.get('type') == 'DUpsamplingHead' and head.get('basis_file'):
        ensure_label_basis(cfg, head.basis_file, head.ratio,
                           head.basis_channels)


def train(key: str, seed: int, run_dir: str, options: Optional[dict],
          launcher: str) -> dict:
    """Train, from the last checkpoint of ``run_dir`` if there is one."""
    cfg = load_config(key, options, run_dir, launcher=launcher)
    cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
    last = find_latest_checkpoint(run_dir) if osp.exists(
        osp.join(run_dir, 'last_checkpoint')) else None
    cfg.resume = last is not None
    if last is not None:  # from the work dir, not the config's weights
        cfg.load_from = None
    add_rng_state_hook(cfg)  # resumed runs equal uninterrupted ones
    runner = build_runner(cfg)
    model = runner.model
    check_num_classes(model.module if is_model_wrapper(model) else model,
                      runner.train_dataloader.dataset.metainfo['classes'])
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


def split_metrics(metrics: Dict[str, float]) -> dict:
    per_class = {
        name[4:]: None if math.isnan(value) else value
        for name, value in metrics.items() if name.startswith('IoU.')
    }
    return dict(**{k: round(float(metrics[k]), 2)
                   for k in ('mIoU', 'mAcc', 'aAcc')},
                per_class_iou=per_class)


def complexity(runner: Runner) -> dict:
    """Parameters, and FLOPs of ``_forward`` on the first val image as the
    test pipeline makes it, in eval mode."""
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
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


def evaluate(key: str, run_dir: str, options: Optional[dict],
             launcher: str) -> dict:
    """The last checkpoint of ``run_dir`` on val (and test) by a runner of
    its own, in ``run_dir/eval``."""
    cfg = load_config(key, options, osp.join(run_dir, 'eval'),
                      name='benchmark_eval', launcher=launcher)
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
    record = dict(
        val=split_metrics(runner.val()),
        test=split_metrics(runner.test()) if test else None)
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


def run_one(key: str, seed: int, run_dir: str, options: Optional[dict],
            launcher: str = 'none') -> None:
    """Train (or finish training), evaluate, write ``run_dir/result.json``
    (every process of a distributed run trains and evaluates, the first
    writes)."""
    trained = osp.join(run_dir, TRAINED)
    if not osp.exists(trained):
        training = train(key, seed, run_dir, options, launcher)
        if is_main_process():
            write_json(training, trained)
    evaluation = evaluate(key, run_dir, options, launcher)
    if is_main_process():
        record = dict(config=key, seed=seed, **evaluation,
                      **read_json(trained))
        record.update(work_dir=run_dir, curve=read_curve(run_dir))
        write_json(record, osp.join(run_dir, RESULT))
    release_distributed()


# --- timing pass (child process) ------------------------------------------


def synchronize(device: str) -> None:
    """Wait for the device's queued kernels (CUDA, NPU, ...); no-op on
    CPU."""
    backend = getattr(torch, device.split(':')[0], None)
    if backend is not None and hasattr(backend, 'synchronize'):
        backend.synchronize(device)


def device_name(device: str) -> str:
    if device.startswith('cuda'):
        return f'{device}, {torch.cuda.get_device_name(device)}'
    return (f'{device}, {platform.processor() or platform.machine()}, '
            f'{torch.get_num_threads()} threads')


def cached_batches(loader: Iterable, count: int) -> Iterator:
    """The first ``count`` batches of ``loader``, over and over: the
    timed steps are the model's, not the data pipeline's."""
    return itertools.cycle(list(itertools.islice(loader, count)))


class TimedConfig:
    """A config's model, optimizer wrapper, custom hooks (e.g. MCIBI's
    memory update) and train / val loaders, stepped for the timing pass."""

    def __init__(self, key: str, options: Optional[dict],
                 work_dir: str) -> None:
        name = f'timing_{config_name(key)}'
        cfg = load_config(key, options, osp.join(work_dir, config_name(key)),
                          name=name)
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
            train=cached_batches(self.runner.train_loop.dataloader,
                                 TIMING_BATCHES),
            test=cached_batches(self.runner.val_loop.dataloader,
                                TIMING_BATCHES))

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


def measure_speed(keys: List[str], options: Optional[dict], iters: int,
                  work_dir: str) -> Dict[str, dict]:
    """Median train s/iter and test fps of every config, in turns."""
    device = get_device()
    timed = {key: TimedConfig(key, options, work_dir) for key in keys}
    for config in timed.values():
        for phase in ('train', 'test'):
            config.steps(phase, TIMING_WARMUP, device)
    times = defaultdict(list)
    done = 0
    while done < iters:
        count = min(TIMING_ROUND, iters - done)
        for phase in ('train', 'test'):
            for key, config in timed.items():
                times[key, phase] += config.steps(phase, count, device)
        done += count
    return {
        key: dict(
            train_s_per_iter=statistics.median(times[key, 'train']),
            test_fps=1 / statistics.median(times[key, 'test']),
            device=device_name(device),
            iters=iters)
        for key in keys
    }


# --- the benchmark (parent process) ---------------------------------------


def run_dir_of(work_dir: str, key: str, seed: int) -> str:
    return osp.join(work_dir, config_name(key), f'seed{seed}')


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f'{seconds // 3600}h{seconds % 3600 // 60:02d}m'
    if seconds >= 60:
        return f'{seconds // 60}m{seconds % 60:02d}s'
    return f'{seconds}s'


def child(*args: str, options: Sequence[str], gpus: int = 1) -> int:
    """Run this tool in a child process, or in ``gpus`` of them under
    torch's launcher (one per GPU, or gloo processes on a CPU machine, as
    ``tools/dist_train.sh``); its exit status."""
    extra = ['--cfg-options', *options] if options else []
    launch = [sys.executable, TOOL]
    if gpus > 1:
        launch = [
            sys.executable, '-m', 'torch.distributed.run',
            f'--nproc_per_node={gpus}', f'--master_port={free_port()}', TOOL,
            '--launcher', 'pytorch'
        ]
    proc = subprocess.Popen([*launch, *args, *extra])
    try:
        return proc.wait()
    finally:  # killed or interrupted: end the run (torch's launcher passes
        # SIGTERM on to its workers, which sit in sessions of their own)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_suite(args: argparse.Namespace, results: dict,
              path: str) -> List[str]:
    """Train and evaluate every (config, seed) not recorded yet, writing
    ``results`` to ``path`` after each; what failed."""
    records = {(r['config'], r['seed']): r for r in results['runs']}
    jobs = [(key, seed) for seed in args.seeds
            for key in configs_of(results['suite'])]
    # runs recorded by earlier invocations with other seeds stay recorded
    jobs += [job for job in records if job not in jobs]
    results['seeds'] = sorted({seed for _, seed in jobs})
    results['runs'] = []
    for job in jobs:  # finished in an earlier invocation
        result = osp.join(run_dir_of(args.work_dir, *job), RESULT)
        if job not in records and osp.exists(result):
            records[job] = read_json(result)
    remaining = sum(job not in records for job in jobs)
    times, failed = [], []
    for index, (key, seed) in enumerate(jobs, 1):
        head = f'[benchmark] {index}/{len(jobs)} {config_name(key)} seed ' \
            f'{seed}'
        if (key, seed) in records:
            print(f'{head}: skipped, already recorded (val mIoU '
                  f'{records[key, seed]["val"]["mIoU"]:.2f})', flush=True)
            continue
        run_dir = run_dir_of(args.work_dir, key, seed)
        start = time.perf_counter()
        # here, not in the run's processes, which would race to write it
        ensure_basis(load_config(key, cfg_options(args.cfg_options), run_dir))
        code = child('--run-config', key, '--seed', str(seed), '--work-dir',
                     run_dir, options=args.cfg_options, gpus=args.gpus)
        times.append(time.perf_counter() - start)
        remaining -= 1
        eta = duration(statistics.mean(times) * remaining)
        if code != 0:
            failed.append(f'{config_name(key)} seed {seed}')
            print(f'{head}: failed (exit status {code}; logs in {run_dir}), '
                  f'ETA {eta}', flush=True)
            continue
        records[key, seed] = read_json(osp.join(run_dir, RESULT))
        results['runs'] = [records[job] for job in jobs if job in records]
        write_json(results, path)
        print(f'{head}: val mIoU {records[key, seed]["val"]["mIoU"]:.2f} '
              f'({times[-1]:.0f} s), ETA {eta}', flush=True)
    results['runs'] = [records[job] for job in jobs if job in records]
    write_json(results, path)
    return failed


def timing_pass(args: argparse.Namespace, results: dict,
                path: str) -> List[str]:
    """Time every config in one child process, unless recorded already;
    what failed."""
    keys = configs_of(results['suite'])
    if args.no_timing:
        return []
    if args.timing_iters is None and all(k in results['timing']
                                         for k in keys):
        print('[benchmark] timing: already recorded, skipped (give '
              '--timing-iters to measure again)', flush=True)
        return []
    work_dir = osp.join(args.work_dir, 'timing')
    for key in keys:  # a fresh clone has the records, not the bases
        ensure_basis(load_config(key, cfg_options(args.cfg_options),
                                 work_dir))
    code = child('--time', *keys, '--work-dir', work_dir, '--timing-iters',
                 str(args.timing_iters or TIMING_ITERS),
                 options=args.cfg_options)
    if code != 0:
        print(f'[benchmark] timing: failed (exit status {code})', flush=True)
        return ['timing']
    results['timing'].update(read_json(osp.join(work_dir, 'timing.json')))
    write_json(results, path)
    return []


# --- the report -----------------------------------------------------------


def mean_std(values: Sequence[float], sign: str = '') -> str:
    """``mean ± std`` (sample std; n/a for one value)."""
    if not values:
        return '-'
    std = f'{statistics.stdev(values):.2f}' if len(values) > 1 else 'n/a'
    return f'{statistics.mean(values):{sign}.2f} ± {std}'


def runs_of(results: dict, key: str) -> List[dict]:
    return [r for r in results['runs'] if r['config'] == key]


def paired_deltas(results: dict, pair: dict) -> List[float]:
    """Val mIoU of the method minus the baseline's, seed by seed, on the
    seeds both have."""
    baseline = {r['seed']: r for r in runs_of(results, pair['baseline'])}
    return [
        r['val']['mIoU'] - baseline[r['seed']]['val']['mIoU']
        for r in runs_of(results, pair['method']) if r['seed'] in baseline
    ]


def timing_ratio(results: dict, pair: dict, field: str) -> str:
    method = results['timing'].get(pair['method'])
    baseline = results['timing'].get(pair['baseline'])
    if method is None or baseline is None:
        return '-'
    return f'{method[field] / baseline[field]:.2f}'


def class_means(results: dict, key: str) -> Dict[str, Optional[float]]:
    """Mean IoU of each class over the seeds (those where it is defined)."""
    values = defaultdict(list)
    for run in runs_of(results, key):
        for name, value in run['val']['per_class_iou'].items():
            values[name] += [] if value is None else [value]
    return {
        name: statistics.mean(v) if v else None
        for name, v in values.items()
    }


def config_table(results: dict) -> List[str]:
    lines = [
        '| config | seeds | val mIoU | val mAcc | val aAcc | params (M) | '
        'GFLOPs | train s/iter | test fps |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
    ]
    for key in configs_of(results['suite']):
        runs = runs_of(results, key)
        cells = [mean_std([r['val'][m] for r in runs])
                 for m in ('mIoU', 'mAcc', 'aAcc')]
        size = ['-', '-']
        if runs:
            size = [f'{runs[0]["params"] / 1e6:.2f}',
                    f'{runs[0]["flops"] / 1e9:.2f}']
        timing = results['timing'].get(key)
        speed = [f'{timing["train_s_per_iter"]:.3f}',
                 f'{timing["test_fps"]:.1f}'] if timing else ['-', '-']
        lines.append(f'| {config_name(key)} | {len(runs)} | ' +
                     ' | '.join(cells + size + speed) + ' |')
    return lines


def pair_table(results: dict) -> List[str]:
    lines = [
        '| pair | method | baseline | paired seeds | Δ val mIoU | seeds won '
        '| train s/iter ratio | test fps ratio |',
        '|---|---|---|---:|---:|---:|---:|---:|'
    ]
    for pair in results['suite']:
        deltas = paired_deltas(results, pair)
        won = sum(d > 0 for d in deltas)
        lines.append(
            f'| {pair["name"]} | {config_name(pair["method"])} | '
            f'{config_name(pair["baseline"])} | {len(deltas)} | '
            f'{mean_std(deltas, "+")} | {won}/{len(deltas)} | '
            f'{timing_ratio(results, pair, "train_s_per_iter")} | '
            f'{timing_ratio(results, pair, "test_fps")} |')
    return lines


def class_tables(results: dict) -> List[str]:
    def cell(value: Optional[float], sign: str = '') -> str:
        return '-' if value is None else f'{value:{sign}.2f}'

    lines = []
    for pair in results['suite']:
        method = class_means(results, pair['method'])
        baseline = class_means(results, pair['baseline'])
        lines += [
            '', f'### {pair["name"]}', '',
            f'| class | {config_name(pair["baseline"])} | '
            f'{config_name(pair["method"])} | Δ |', '|---|---:|---:|---:|'
        ]
        for name in dict.fromkeys([*baseline, *method]):
            b, m = baseline.get(name), method.get(name)
            delta = None if b is None or m is None else m - b
            lines.append(f'| {name} | {cell(b)} | {cell(m)} | '
                         f'{cell(delta, "+")} |')
    return lines


def test_table(results: dict) -> List[str]:
    lines = [
        '', '## Test split', '',
        'Reported only: nothing is chosen by these.', '',
        '| config | seeds | test mIoU | test mAcc | test aAcc |',
        '|---|---:|---:|---:|---:|'
    ]
    for key in configs_of(results['suite']):
        runs = [r for r in runs_of(results, key) if r['test']]
        if runs:
            cells = [mean_std([r['test'][m] for r in runs])
                     for m in ('mIoU', 'mAcc', 'aAcc')]
            lines.append(f'| {config_name(key)} | {len(runs)} | ' +
                         ' | '.join(cells) + ' |')
    return lines


def markdown_report(results: dict) -> str:
    devices = sorted({t['device'] for t in results['timing'].values()})
    lines = [
        '# Benchmark', '',
        f'Seeds {", ".join(map(str, results["seeds"]))}; mean ± sample std '
        'over the seeds (n/a for one).', '',
        '| pair | method | baseline |', '|---|---|---|'
    ]
    lines += [f'| {p["name"]} | {p["method"]} | {p["baseline"]} |'
              for p in results['suite']]
    lines += ['', '## Configs', ''] + config_table(results)
    lines += [
        '', 'FLOPs: mmengine\'s count (a multiply-add is one FLOP) on one '
        'val image as the test pipeline makes it. Speed: median of the '
        'timing pass (training steps; test steps at batch 1), the configs '
        'in turns, on ' + (', '.join(devices) or '-') + '.'
    ]
    lines += ['', '## Pairs', ''] + pair_table(results)
    lines += [
        '', 'Δ: method − baseline, seed by seed on the seeds both have. '
        'Ratios: method / baseline.', '',
        '![val mIoU during training](curves.png)', '', '## Per-class IoU '
        '(val, mean over seeds)'
    ] + class_tables(results)
    lines += ['', '![per-class IoU](per_class.png)']
    if any(r['test'] for r in results['runs']):
        lines += test_table(results)
    return '\n'.join(lines) + '\n'


def curve_band(runs: List[dict]) -> Tuple[List, List, List, List]:
    """Steps, and the mean, min and max over the runs at each."""
    values = defaultdict(list)
    for run in runs:
        for step, miou in run['curve']:
            values[step].append(miou)
    steps = sorted(values)
    return (steps, [statistics.mean(values[s]) for s in steps],
            [min(values[s]) for s in steps], [max(values[s]) for s in steps])


def plot_curves(results: dict, path: str) -> None:
    suite = results['suite']
    cols = min(len(suite), 3)
    rows = math.ceil(len(suite) / cols)
    fig = Figure(figsize=(5 * cols, 3.6 * rows), layout='constrained')
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, pair in zip(axes, suite):
        for role in ('baseline', 'method'):
            steps, mean, low, high = curve_band(
                runs_of(results, pair[role]))
            line, = ax.plot(
                steps, mean, marker='.',
                label=f'{role}: {config_name(pair[role])}')
            ax.fill_between(steps, low, high, color=line.get_color(),
                            alpha=0.2)
        ax.set(title=pair['name'], xlabel='iteration',
               ylabel='val mIoU (%)')
        ax.legend(fontsize='small', loc='lower right')  # the curves rise
    for ax in axes[len(suite):]:
        ax.set_axis_off()
    fig.suptitle('val mIoU, mean over seeds (band: min to max)')
    fig.savefig(path, dpi=100)


def plot_per_class(results: dict, path: str) -> None:
    suite = results['suite']
    means = {key: class_means(results, key) for key in configs_of(suite)}
    classes = max(len(m) for m in means.values())
    fig = Figure(figsize=(max(6, 0.35 * classes + 2), 3.4 * len(suite)),
                 layout='constrained')
    axes = fig.subplots(len(suite), 1, squeeze=False)[:, 0]
    for ax, pair in zip(axes, suite):
        names = list(dict.fromkeys([*means[pair['baseline']],
                                    *means[pair['method']]]))
        x = np.arange(len(names))
        for offset, role in ((-0.2, 'baseline'), (0.2, 'method')):
            heights = [means[pair[role]].get(n) for n in names]
            ax.bar(x + offset, [np.nan if h is None else h for h in heights],
                   0.4, label=f'{role}: {config_name(pair[role])}')
        ax.set_xticks(x, names, rotation=60, ha='right')
        ax.set(title=pair['name'], ylabel='val IoU (%)')
        ax.legend(fontsize='small')
    fig.savefig(path, dpi=100)


def write_report(results: dict, out_dir: str) -> None:
    write_markdown(markdown_report(results), osp.join(out_dir, 'report.md'))
    if results['runs']:
        plot_curves(results, osp.join(out_dir, 'curves.png'))
        plot_per_class(results, osp.join(out_dir, 'per_class.png'))


def benchmark(args: argparse.Namespace) -> None:
    path = osp.join(args.out_dir, 'results.json')
    if args.report_only:
        write_report(read_json(path), args.out_dir)
        return
    # a kill ends the child run too (subprocess.run kills it on the way out)
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    old = read_json(path) if osp.exists(path) else {}
    results = dict(
        suite=load_suite(args),
        seeds=args.seeds,
        runs=old.get('runs', []),
        timing=old.get('timing', {}))
    failed = run_suite(args, results, path)
    failed += timing_pass(args, results, path)
    write_report(results, args.out_dir)
    if failed:
        raise SystemExit(f'[benchmark] failed: {", ".join(failed)}; '
                         'run again to retry them')


def main() -> None:
    args = parse_args()
    options = cfg_options(args.cfg_options)
    if args.run_config is not None:
        run_one(args.run_config, args.seed, args.work_dir, options,
                args.launcher)
    elif args.time is not None:
        write_json(
            measure_speed(args.time, options, args.timing_iters,
                          args.work_dir),
            osp.join(args.work_dir, 'timing.json'))
    else:
        benchmark(args)


if __name__ == '__main__':
    main()
