# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The suite: take the work dir, validate everything, then train and
evaluate every (config, seed) in a child process of its own, time the
configs and write the report.

Before anything trains: the work dir's lock (a second invocation stops
there), every config loaded, every pair that declares ``differs`` checked,
the label bases made and both folders found writable; runs recorded under
another precision or memory format than asked are refused.
``results.json`` is rebuilt from the runs' own records
(``{work_dir}/{config}/seed*/result.json``) and the runs it already holds
(a corrupt one is named and kept aside, a newer version refused): a
recorded run is skipped, an interrupted one goes on from its last
checkpoint (or, trained, to its evaluation).
"""
import argparse
import dataclasses
import glob
import os
import os.path as osp
import statistics
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction

from ..config_basis import ensure_config_basis
from .processes import BenchmarkError, child, work_dir_lock
from .records import (RESULT, NewerVersionError, Pair, RecordError, Results,
                      RunRecord, Timing, read_json, read_results, read_run,
                      write_json)
from .report import write_report
from .suite import check_pairs, config_name, configs_of, load_configs

TIMING_ITERS = 20


@dataclasses.dataclass
class Options:
    """How the suite runs."""
    work_dir: str
    out_dir: str
    seeds: Sequence[int] = (0, 1, 2)
    cfg_options: Sequence[str] = ()  # KEY=VALUE, passed on as text
    gpus: int = 1
    amp: bool = False
    channels_last: bool = False
    timing_iters: Optional[int] = None  # None: TIMING_ITERS, unless recorded
    no_timing: bool = False


def parse_cfg_options(pairs: Sequence[str]) -> Optional[dict]:
    """``--cfg-options`` as mmengine's ``DictAction`` reads them."""
    if not pairs:
        return None
    parser = argparse.ArgumentParser()
    parser.add_argument('--options', nargs='+', action=DictAction)
    return parser.parse_args(['--options', *pairs]).options


def check_writable(folder: str, what: str) -> None:
    """Create ``folder`` and write a file there, or raise naming it."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise BenchmarkError(f'cannot write to the {what} {folder}: '
                             f'{error}') from error


def ensure_basis(key: str, cfg: Config) -> None:
    """A DUpsampling config's label basis, computed from its training
    labels by ``label_basis.py``'s estimator if the file is missing (or
    was made for another ratio, code size or classes)."""
    try:
        ensure_config_basis(cfg)
    except Exception as error:  # missing data, unreadable labels, ...
        raise BenchmarkError(
            f'{key}: cannot make its label basis '
            f'{cfg.model.decode_head.basis_file}: '
            f'{type(error).__name__}: {error}') from error


def run_dir_of(work_dir: str, key: str, seed: int) -> str:
    return osp.join(work_dir, config_name(key), f'seed{seed}')


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f'{seconds // 3600}h{seconds % 3600 // 60:02d}m'
    if seconds >= 60:
        return f'{seconds // 60}m{seconds % 60:02d}s'
    return f'{seconds}s'


def read_old_results(path: str) -> Optional[Results]:
    """``results.json`` if it reads; if it is corrupt, a warning naming
    it, the file moved aside and None (the runs' own records rebuild it).
    A newer version is refused: rebuilding would lose what it holds."""
    if not osp.exists(path):
        return None
    try:
        return read_results(path)
    except NewerVersionError as error:
        raise BenchmarkError(str(error)) from error
    except RecordError as error:
        aside = f'{path}.broken-{time.strftime("%Y%m%d_%H%M%S")}'
        os.replace(path, aside)
        print(f'[benchmark] warning: {error}; moved to {aside}, rebuilding '
              'it from the run records of the work dir (runs and timings '
              'only it held are lost)', flush=True)
        return None


def collect_runs(configs: Sequence[str], work_dir: str,
                 old: Optional[Results]) -> Dict[Tuple[str, int], RunRecord]:
    """The recorded runs: each run's own record in the work dir (every
    seed), else the one ``results.json`` holds (e.g. committed from
    another machine). An unreadable record is named and left out (the run
    is evaluated again)."""
    records = {} if old is None else {r.job: r for r in old.runs}
    for key in configs:
        pattern = osp.join(work_dir, config_name(key), 'seed*', RESULT)
        for path in sorted(glob.glob(pattern)):
            try:
                record = read_run(path)
            except RecordError as error:
                print(f'[benchmark] warning: {error}; the run is evaluated '
                      'again', flush=True)
                continue
            records[record.job] = record
    return records


class Benchmark:
    """A suite's runs, timing and report under ``options``."""

    def __init__(self, suite: Sequence[Pair], options: Options) -> None:
        self.suite = list(suite)
        self.options = options
        self.path = osp.join(options.out_dir, 'results.json')

    @property
    def jobs(self) -> List[Tuple[str, int]]:
        """(config, seed) in the order they train: seed by seed."""
        return [(key, seed) for seed in self.options.seeds
                for key in configs_of(self.suite)]

    def validate(self) -> None:
        """What can fail before training, under the lock: the configs, the
        pairs' differences, the label bases."""
        configs = load_configs(self.suite,
                               parse_cfg_options(self.options.cfg_options))
        for name in check_pairs(self.suite, configs):
            print(f'[benchmark] warning: pair {name!r} declares no '
                  '`differs`: its configs are not compared', flush=True)
        for key, cfg in configs.items():
            # here, not in the runs' processes, which would race to write it
            ensure_basis(key, cfg)

    def results(self) -> Results:
        """The records so far, in job order (runs of other seeds after)."""
        old = read_old_results(self.path)
        records = collect_runs(configs_of(self.suite), self.options.work_dir,
                               old)
        jobs = self.jobs
        jobs += sorted(job for job in records if job not in jobs)
        return Results(
            suite=self.suite,
            seeds=sorted({seed for _, seed in jobs}),
            runs=[records[job] for job in jobs if job in records],
            timing=dict(old.timing) if old else {})

    def check_precision(self, results: Results) -> None:
        """Refuse runs recorded under another precision or memory format
        than asked: they would be skipped and compared as if alike."""
        wanted = dict(amp=self.options.amp,
                      channels_last=self.options.channels_last)
        other = [
            f'{config_name(r.config)} seed {r.seed} ({field}={value})'
            for r in results.runs if r.job in self.jobs
            for field, value in (('amp', r.amp),
                                 ('channels_last', r.channels_last))
            if value is not None and value != wanted[field]
        ]
        if other:
            raise BenchmarkError(
                f'recorded under other options than asked ({wanted}): '
                f'{", ".join(other)}; use another work and out dir')

    def _child_args(self) -> List[str]:
        args = []
        if self.options.amp:
            args.append('--amp')
        if self.options.channels_last:
            args.append('--channels-last')
        if self.options.cfg_options:
            args += ['--cfg-options', *self.options.cfg_options]
        return args

    def _record(self, results: Results, record: RunRecord) -> None:
        order = {job: i for i, job in enumerate(self.jobs)}
        runs = [r for r in results.runs if r.job != record.job] + [record]
        results.runs = sorted(
            runs, key=lambda r: (order.get(r.job, len(order)), r.job))
        write_json(results, self.path)

    def run_suite(self, results: Results) -> List[str]:
        """Train and evaluate every (config, seed) not recorded yet,
        writing ``results`` after each; what failed."""
        recorded = {run.job: run for run in results.runs}
        jobs = self.jobs
        remaining = sum(job not in recorded for job in jobs)
        times, failed = [], []
        for index, (key, seed) in enumerate(jobs, 1):
            head = (f'[benchmark] {index}/{len(jobs)} {config_name(key)} '
                    f'seed {seed}')
            if (key, seed) in recorded:
                print(f'{head}: skipped, already recorded (val mIoU '
                      f'{recorded[key, seed].val.mIoU:.2f})', flush=True)
                continue
            run_dir = run_dir_of(self.options.work_dir, key, seed)
            start = time.perf_counter()
            code = child(
                'mmseg_ctx.analysis.benchmark.run',
                [key, '--seed', str(seed), '--work-dir', run_dir,
                 *self._child_args()], self.options.gpus)
            times.append(time.perf_counter() - start)
            remaining -= 1
            eta = duration(statistics.mean(times) * remaining)
            try:
                if code != 0:
                    raise RecordError(f'exit status {code}')
                record = read_run(osp.join(run_dir, RESULT))
            except RecordError as error:
                failed.append(f'{config_name(key)} seed {seed}')
                print(f'{head}: failed ({error}; logs in {run_dir}), ETA '
                      f'{eta}', flush=True)
                continue
            self._record(results, record)
            print(f'{head}: val mIoU {record.val.mIoU:.2f} '
                  f'({times[-1]:.0f} s), ETA {eta}', flush=True)
        return failed

    def timing_pass(self, results: Results) -> List[str]:
        """Time every config in one child process, unless recorded; what
        failed."""
        keys = configs_of(self.suite)
        if self.options.no_timing:
            return []
        if self.options.timing_iters is None and all(
                k in results.timing for k in keys):
            print('[benchmark] timing: already recorded, skipped (give '
                  '--timing-iters to measure again)', flush=True)
            return []
        work_dir = osp.join(self.options.work_dir, 'timing')
        code = child('mmseg_ctx.analysis.benchmark.speed', [
            *keys, '--work-dir', work_dir, '--iters',
            str(self.options.timing_iters or TIMING_ITERS),
            *self._child_args()
        ])
        if code != 0:
            print(f'[benchmark] timing: failed (exit status {code})',
                  flush=True)
            return ['timing']
        timing = read_json(osp.join(work_dir, 'timing.json'))
        results.timing.update(
            {key: Timing(**value)
             for key, value in timing.items()})
        write_json(results, self.path)
        return []

    def __call__(self) -> List[str]:
        """Validate, run, time and report; what failed."""
        check_writable(self.options.out_dir, 'out dir')
        check_writable(self.options.work_dir, 'work dir')
        with work_dir_lock(self.options.work_dir):
            self.validate()
            results = self.results()
            self.check_precision(results)
            write_json(results, self.path)
            failed = self.run_suite(results)
            failed += self.timing_pass(results)
            write_report(results, self.options.out_dir)
        return failed


def report_only(out_dir: str) -> str:
    """Rebuild the report from ``{out_dir}/results.json``."""
    return write_report(
        read_results(osp.join(out_dir, 'results.json')), out_dir)
