# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The suite: validate it whole, then train and evaluate every (config,
seed) in a child process of its own, time the configs, write the report.

Before anything trains, every config is loaded, every pair checked (its
configs differ only in its ``differs``), the label bases made and the out
dir found writable. A lock on the work dir keeps a second invocation out;
the children die with the parent. ``results.json`` is rebuilt from the
runs' own records (``{work_dir}/{config}/seed{S}/result.json``) and the
runs it already holds: a recorded run is skipped, an interrupted one goes
on from its last checkpoint (or, trained, to its evaluation).
"""
import argparse
import contextlib
import ctypes
import dataclasses
import fcntl
import os
import os.path as osp
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction

from .records import (RecordError, Results, RunRecord, Timing, read_json,
                      read_results, read_run, write_json)
from .report import write_report
from .run import RESULT, ensure_basis
from .suite import check_pairs, config_name, configs_of, load_configs

LOCK = '.benchmark.lock'
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class BenchmarkError(RuntimeError):
    """A benchmark that cannot start; says why."""


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
    timing_iters: Optional[int] = None  # None: 20, unless recorded
    no_timing: bool = False


TIMING_ITERS = 20


def parse_cfg_options(pairs: Sequence[str]) -> Optional[dict]:
    """``--cfg-options`` as mmengine's ``DictAction`` reads them."""
    if not pairs:
        return None
    parser = argparse.ArgumentParser()
    parser.add_argument('--options', nargs='+', action=DictAction)
    return parser.parse_args(['--options', *pairs]).options


@contextlib.contextmanager
def work_dir_lock(work_dir: str) -> Iterator[None]:
    """Hold ``{work_dir}/.benchmark.lock`` (a lock the kernel drops with
    the process), or raise naming the holder."""
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK)
    with open(path, 'a+') as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise BenchmarkError(
                f'another benchmark (pid {f.read().strip() or "?"}) runs in '
                f'{work_dir}; wait for it or stop it') from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def check_writable(folder: str, what: str) -> None:
    """Create ``folder`` and write a file there, or raise naming it."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise BenchmarkError(f'cannot write to the {what} {folder}: '
                             f'{error}') from error


def die_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the parent dies, however
    it dies (Linux; elsewhere the parent's own cleanup remains)."""
    if sys.platform.startswith('linux'):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def child(module: str, args: Sequence[str], gpus: int = 1) -> int:
    """``python -m module args``, or ``gpus`` processes of it under torch's
    launcher (one per GPU, or gloo processes on a CPU machine, as
    ``tools/dist_train.sh``); its exit status. The child dies with this
    process."""
    launch = [sys.executable, '-m', module]
    if gpus > 1:
        launch = [
            sys.executable, '-m', 'torch.distributed.run',
            f'--nproc_per_node={gpus}', f'--master_port={free_port()}', '-m',
            module, '--launcher', 'pytorch'
        ]
    proc = subprocess.Popen([*launch, *args], preexec_fn=die_with_parent)
    try:
        return proc.wait()
    finally:  # interrupted: end the run (torch's launcher passes SIGTERM on
        # to its workers)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


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
    """``results.json`` if it reads; a warning naming it, and None (the
    runs' own records rebuild it), if not."""
    if not osp.exists(path):
        return None
    try:
        return read_results(path)
    except RecordError as error:
        print(f'[benchmark] warning: {error}; rebuilding it from the run '
              'records of the work dir', flush=True)
        return None


def collect_runs(jobs: Sequence[Tuple[str, int]], work_dir: str,
                 old: Optional[Results]) -> Dict[Tuple[str, int], RunRecord]:
    """The recorded runs: each run's own record in the work dir, else the
    one ``results.json`` holds (e.g. committed from another machine)."""
    records = {} if old is None else {r.job: r for r in old.runs}
    for job in jobs:
        path = osp.join(run_dir_of(work_dir, *job), RESULT)
        if osp.exists(path):
            records[job] = read_run(path)
    return records


class Benchmark:
    """A suite's runs, timing and report under ``options``."""

    def __init__(self, suite, options: Options) -> None:
        self.suite = suite
        self.options = options
        self.path = osp.join(options.out_dir, 'results.json')
        self.configs: Dict[str, Config] = {}

    def validate(self) -> None:
        """Everything that can fail before training: the configs, the
        pairs' differences, the label bases, the folders."""
        check_writable(self.options.out_dir, 'out dir')
        check_writable(self.options.work_dir, 'work dir')
        self.configs = load_configs(
            self.suite, parse_cfg_options(self.options.cfg_options))
        check_pairs(self.suite, self.configs)
        for key, cfg in self.configs.items():
            # here, not in the runs' processes, which would race to write it
            ensure_basis(cfg)

    def _child_args(self) -> List[str]:
        args = []
        if self.options.amp:
            args.append('--amp')
        if self.options.channels_last:
            args.append('--channels-last')
        if self.options.cfg_options:
            args += ['--cfg-options', *self.options.cfg_options]
        return args

    def results(self) -> Results:
        old = read_old_results(self.path)
        jobs = [(key, seed) for seed in self.options.seeds
                for key in configs_of(self.suite)]
        records = collect_runs(jobs, self.options.work_dir, old)
        # runs recorded by earlier invocations with other seeds stay
        jobs += [job for job in records if job not in jobs]
        return Results(
            suite=list(self.suite),
            seeds=sorted({seed for _, seed in jobs}),
            runs=[records[job] for job in jobs if job in records],
            timing=dict(old.timing) if old else {})

    def run_suite(self, results: Results) -> List[str]:
        """Train and evaluate every (config, seed) not recorded yet,
        writing ``results`` after each; what failed."""
        recorded = {run.job for run in results.runs}
        jobs = [(key, seed) for seed in self.options.seeds
                for key in configs_of(self.suite)]
        remaining = sum(job not in recorded for job in jobs)
        times, failed = [], []
        for index, (key, seed) in enumerate(jobs, 1):
            head = (f'[benchmark] {index}/{len(jobs)} {config_name(key)} '
                    f'seed {seed}')
            if (key, seed) in recorded:
                print(f'{head}: skipped, already recorded', flush=True)
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
            if code != 0:
                failed.append(f'{config_name(key)} seed {seed}')
                print(f'{head}: failed (exit status {code}; logs in '
                      f'{run_dir}), ETA {eta}', flush=True)
                continue
            record = read_run(osp.join(run_dir, RESULT))
            results.runs = [r for r in results.runs if r.job != record.job]
            results.runs.append(record)
            write_json(results, self.path)
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
        self.validate()
        with work_dir_lock(self.options.work_dir):
            results = self.results()
            write_json(results, self.path)
            failed = self.run_suite(results)
            failed += self.timing_pass(results)
            write_report(results, self.options.out_dir)
        return failed


def report_only(out_dir: str) -> str:
    """Rebuild the report from ``{out_dir}/results.json``."""
    return write_report(
        read_results(osp.join(out_dir, 'results.json')), out_dir)
