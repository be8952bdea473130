# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The suite around the runs: one benchmark a work dir (a lock), children
that die with it, results.json rebuilt from the runs' own records, and a
bad suite or out dir refused, clearly, before anything trains. Training,
resuming and skipping: tests/test_tools/test_benchmark.py."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from config_writers import FCN_DEMO, MCIBI_FCN
from helpers import ROOT, run_failing, tool_env

from mmseg_ctx.analysis.benchmark import (Benchmark, BenchmarkError, Options,
                                          Pair, Results, RunRecord,
                                          SplitMetrics, SuiteError)
from mmseg_ctx.analysis.benchmark.processes import work_dir_lock
from mmseg_ctx.analysis.benchmark.records import write_json
from mmseg_ctx.analysis.benchmark.run import load_run_config

TOOL = 'tools/analysis_tools/benchmark.py'


def record(config: str, seed: int, miou: float, work_dir: str) -> RunRecord:
    val = SplitMetrics(miou, 0., 0., {}, ['a.png'], [[1]], [[2]])
    return RunRecord(config, seed, val, None, 4, None, 1, 1, [1, 3, 8, 8],
                     1., None, 'iter_4.pth', work_dir, [[4, miou]])


def test_one_benchmark_a_work_dir(tmp_path):
    with work_dir_lock(str(tmp_path)):
        with pytest.raises(BenchmarkError,
                           match=f'another benchmark \\(pid {os.getpid()}\\) '
                           f'runs in {tmp_path}'):
            with work_dir_lock(str(tmp_path)):
                pass
    with work_dir_lock(str(tmp_path)):  # released
        pass


def test_a_second_invocation_is_refused(tmp_path):
    """The tool run twice on one work dir: the second stops before
    training anything."""
    work = tmp_path / 'work'
    holder = subprocess.Popen(
        [sys.executable, '-c', textwrap.dedent(f'''
            import time
            from mmseg_ctx.analysis.benchmark.processes import \\
                work_dir_lock
            with work_dir_lock({str(work)!r}):
                print('locked', flush=True)
                time.sleep(120)
            ''')], cwd=ROOT, env=tool_env(), stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout.readline() == 'locked\n'
        stderr = run_failing(TOOL, '--pair', 'p', MCIBI_FCN, FCN_DEMO,
                             '--work-dir', str(work), '--out-dir',
                             str(tmp_path / 'out'), '--seeds', '0')
    finally:
        holder.kill()
        holder.wait()
    assert f'[benchmark] another benchmark (pid {holder.pid}) runs in ' \
        f'{work}' in stderr
    assert 'Traceback' not in stderr
    assert sorted(os.listdir(work)) == ['.benchmark.lock']


def test_children_die_with_the_parent(tmp_path):
    """The parent killed outright (no cleanup of its own runs): its child
    gets SIGTERM from the kernel."""
    (tmp_path / 'sleeper.py').write_text(textwrap.dedent('''
        import os, sys, time
        open(sys.argv[1], 'w').write(str(os.getpid()))
        time.sleep(120)
        '''))
    pid_file = tmp_path / 'pid'
    env = tool_env()
    env['PYTHONPATH'] = os.pathsep.join([str(tmp_path), env['PYTHONPATH']]
                                        if env.get('PYTHONPATH') else
                                        [str(tmp_path)])
    parent = subprocess.Popen([
        sys.executable, '-c',
        'from mmseg_ctx.analysis.benchmark.processes import child; '
        f'child("sleeper", [{str(pid_file)!r}])'
    ], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline and parent.poll() is None
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while True:
        try:
            os.kill(pid, 0)
            with open(f'/proc/{pid}/stat') as f:
                if f.read().split()[2] == 'Z':  # a zombie: dead
                    break
        except (ProcessLookupError, FileNotFoundError):
            break
        assert time.monotonic() < deadline, 'the child outlived its parent'
        time.sleep(0.05)


def test_results_rebuilt_from_the_run_records(tmp_path, capsys):
    """A corrupt results.json is named, kept aside and rebuilt from the
    runs' own records, every seed on disk; runs it holds that the work dir
    has not (committed from another machine) are kept when it reads; a
    newer version is refused, not overwritten."""
    work, out = tmp_path / 'work', tmp_path / 'out'
    suite = [Pair('p', 'configs/m.py', 'configs/b.py')]
    on_disk = [
        record('configs/m.py', seed, 40., str(work / 'm' / f'seed{seed}'))
        for seed in (0, 3)
    ]
    for run in on_disk:
        write_json(run, os.path.join(run.work_dir, 'result.json'))
    out.mkdir()
    (out / 'results.json').write_text('{"suite": [')
    benchmark = Benchmark(suite, Options(str(work), str(out), seeds=[0]))
    results = benchmark.results()
    stdout = capsys.readouterr().out
    assert f'cannot read {out / "results.json"}' in stdout
    (aside, ) = [p for p in os.listdir(out) if p != 'results.json']
    assert aside.startswith('results.json.broken-') and aside in stdout
    assert (out / aside).read_text() == '{"suite": ['
    assert results.runs == on_disk and results.seeds == [0, 3]
    # a readable results.json: its runs beside the work dir's
    elsewhere = record('configs/b.py', 1, 30., 'elsewhere')
    write_json(Results(suite, [1], [elsewhere], {}),
               str(out / 'results.json'))
    assert benchmark.results().runs == [on_disk[0], elsewhere, on_disk[1]]
    (out / 'results.json').write_text(
        '{"version": 3, "suite": [], "seeds": [], "runs": []}')
    with pytest.raises(BenchmarkError, match='version 3 is newer'):
        benchmark.results()
    assert 'version": 3' in (out / 'results.json').read_text()


def test_runs_of_another_precision_are_refused(tmp_path):
    work = tmp_path / 'work'
    fp32 = record('configs/m.py', 0, 40., str(work / 'm' / 'seed0'))
    fp32.amp, fp32.channels_last = False, False
    write_json(fp32, os.path.join(fp32.work_dir, 'result.json'))
    benchmark = Benchmark([Pair('p', 'configs/m.py', 'configs/b.py')],
                          Options(str(work), str(tmp_path), amp=True,
                                  seeds=[0]))
    with pytest.raises(BenchmarkError, match=r"m seed 0 \(amp=False\)"):
        benchmark.check_precision(benchmark.results())
    benchmark.options.amp = False
    benchmark.check_precision(benchmark.results())


def refused(tmp_path, suite, error, out=None) -> None:
    """The benchmark stops with ``error`` before training anything."""
    work = tmp_path / 'work'
    out = out or tmp_path / 'out'
    benchmark = Benchmark(suite, Options(str(work), str(out), seeds=[0]))
    with pytest.raises((SuiteError, BenchmarkError), match=error):
        benchmark()
    assert not work.exists() or os.listdir(work) == ['.benchmark.lock']


def test_bad_suites_are_refused_before_training(tmp_path):
    refused(tmp_path, [Pair('p', MCIBI_FCN, str(tmp_path / 'none.py'))],
            f"pair 'p': the baseline config {tmp_path}/none.py does not "
            'exist')
    # a pair whose configs differ beyond what it declares
    refused(tmp_path, [Pair('p', MCIBI_FCN, FCN_DEMO, ('custom_hooks', ))],
            r"pair 'p': the configs differ in \['model.decode_head.")
    blocker = tmp_path / 'file'
    blocker.write_text('')
    refused(tmp_path, [Pair('p', MCIBI_FCN, FCN_DEMO)],
            f'cannot write to the out dir {blocker}/out', blocker / 'out')


def test_the_tool_refuses_in_one_line(tmp_path):
    """What the tool prints: the reason, no traceback; nothing trained."""
    suite = tmp_path / 'suite.py'
    suite.write_text(f'suite = [dict(name="p", baseline={FCN_DEMO!r})]\n')
    work = tmp_path / 'work'
    stderr = run_failing(TOOL, str(suite), '--work-dir', str(work),
                         '--out-dir', str(tmp_path / 'out'))
    assert stderr.strip().splitlines()[-1] == (
        f"[benchmark] {suite}: the pair {{'name': 'p', 'baseline': "
        f"{FCN_DEMO!r}}} lacks ['method']")
    assert 'Traceback' not in stderr and not work.exists()


def test_report_only_names_a_broken_results_file(tmp_path):
    (tmp_path / 'results.json').write_text('not json')
    stderr = run_failing(TOOL, '--out-dir', str(tmp_path), '--report-only')
    assert f'[benchmark] cannot read {tmp_path}/results.json' in stderr
    assert 'Traceback' not in stderr


def test_precision_and_memory_format_reach_the_runs(tmp_path):
    """``--amp`` and ``--channels-last`` go to every child, which trains as
    ``tools/train.py --amp --channels-last`` does."""
    benchmark = Benchmark([], Options(
        str(tmp_path), str(tmp_path), amp=True, channels_last=True,
        cfg_options=['train_cfg.max_iters=3']))
    assert benchmark._child_args() == [
        '--amp', '--channels-last', '--cfg-options', 'train_cfg.max_iters=3'
    ]
    cfg = load_run_config(FCN_DEMO, str(tmp_path), {'train_cfg.max_iters': 3},
                          amp=True, channels_last=True)
    assert cfg.optim_wrapper.type in ('AmpOptimWrapper', 'CPUAmpOptimWrapper')
    assert dict(type='ChannelsLastHook') in [
        {k: v for k, v in hook.items() if k != 'priority'}
        for hook in cfg.custom_hooks
    ]
    assert cfg.train_cfg.max_iters == 3 and cfg.work_dir == str(tmp_path)
