# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""benchmark.py on a one-pair suite of tiny configs (FCN + MCIBI against
FCN) over two seeds: the records, the report's numbers against them, a
killed run resumed from its checkpoint (the training child killed with
the tool), recorded runs skipped, the report rebuilt alone, and the test
split where its images exist. The library's parts alone:
tests/test_analysis/test_benchmark/."""
import glob
import json
import os
import os.path as osp
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from types import SimpleNamespace

import cv2
import pytest
from config_writers import FCN_DEMO, MCIBI_FCN, write_tiny_config
from data_makers import make_context_shapes
from helpers import ROOT, run_script, tool_env
from mmengine.config import Config

from mmseg_ctx.analysis.benchmark import SCHEMA_VERSION, Pair, Results
from mmseg_ctx.analysis.benchmark.records import SplitMetrics
from mmseg_ctx.analysis.benchmark.stats import pair_statistics, split_miou
from mmseg_ctx.datasets import ContextShapesDataset

TOOL = 'tools/analysis_tools/benchmark.py'
ITERS = 6
SEEDS = (0, 1)
PAIR = 'MCIBI (FCN)'
# validation and checkpoints every 2 iterations
BENCH = """_base_ = {base!r}
train_cfg = dict(val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2))
"""
# the baseline's test split: a copy of val under another name
TEST_SPLIT = """test_dataloader = dict(dataset=dict(data_prefix=dict(
    img_path='images/test', seg_map_path='annotations/test')))
"""
# paths relative to the suite's folder
SUITE = f"""suite = [
    dict(name={PAIR!r}, method='mcibi_bench.py', baseline='fcn_bench.py'),
]
"""
PNG = b'\x89PNG\r\n\x1a\n'


def timestamp_dirs(work_dir) -> set:
    """Every runner's log folder under ``work_dir``."""
    return {
        path for path in glob.glob(osp.join(work_dir, '**'), recursive=True)
        if re.fullmatch(r'\d{8}_\d{6}', osp.basename(path))
    }


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def kill_after_first_checkpoint(args, run_dir, log_path) -> str:
    """Start the benchmark and kill it (SIGTERM, the tool alone) once its
    first run has saved a checkpoint; the checkpoint the run has then."""
    last = osp.join(run_dir, 'last_checkpoint')
    with open(log_path, 'w') as log:
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT,
                                env=tool_env(), stdout=log,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while not (osp.exists(last) and open(last).read()):
                assert proc.poll() is None, open(log_path).read()[-3000:]
                assert time.monotonic() < deadline, 'no checkpoint'
                time.sleep(0.05)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            orphans = group_alive(proc.pid)  # the run outlived the tool
            if orphans:
                os.killpg(proc.pid, signal.SIGKILL)
    assert not orphans and proc.returncode == 128 + signal.SIGTERM
    return open(last).read().strip()


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('benchmark')
    data = make_context_shapes(str(tmp / 'data'))
    for kind in ('images', 'annotations'):
        shutil.copytree(
            osp.join(data, kind, 'validation'), osp.join(data, kind, 'test'))
    for name, base, extra in (('fcn', FCN_DEMO, TEST_SPLIT),
                              ('mcibi', MCIBI_FCN, '')):
        tiny = write_tiny_config(
            str(tmp / f'tiny_{name}.py'), data, base=base, iters=ITERS)
        (tmp / f'{name}_bench.py').write_text(BENCH.format(base=tiny) + extra)
    (tmp / 'suite.py').write_text(SUITE)
    work, out = tmp / 'work', tmp / 'out'
    args = [
        TOOL, str(tmp / 'suite.py'), '--work-dir', str(work), '--out-dir',
        str(out), '--seeds', *map(str, SEEDS), '--cfg-options',
        'model.decode_head.dropout_ratio=0.2'
    ]
    # the method's seed 0 runs first
    killed_at = kill_after_first_checkpoint(
        args, str(work / 'mcibi_bench' / 'seed0'), str(tmp / 'killed.log'))
    stdout = run_script(*args, '--timing-iters', '1')
    return SimpleNamespace(
        tmp=tmp, data=tmp / 'data', work=work, out=out, args=args,
        killed_at=killed_at,
        killed_log=(tmp / 'killed.log').read_text(), stdout=stdout,
        fcn=str(tmp / 'fcn_bench.py'), mcibi=str(tmp / 'mcibi_bench.py'),
        results=json.loads((out / 'results.json').read_text()))


def runs_by_job(results) -> dict:
    return {(r['config'], r['seed']): r for r in results['runs']}


def row(report: str, start: str) -> list:
    """The cells of the table row that starts with ``start``."""
    line = next(line for line in report.splitlines()
                if line.startswith(start))
    return [cell.strip() for cell in line.strip('|').split('|')]


def mean_std(values, sign='') -> str:
    return f'{statistics.mean(values):{sign}.2f} ± ' \
        f'{statistics.stdev(values):.2f}'


def test_records(bench):
    results = bench.results
    assert results['version'] == SCHEMA_VERSION
    assert results['suite'] == [
        dict(name=PAIR, method=bench.mcibi, baseline=bench.fcn, differs=[],
             claim='')
    ]
    assert results['seeds'] == list(SEEDS)
    runs = runs_by_job(results)
    assert sorted(runs) == sorted(
        (c, s) for c in (bench.fcn, bench.mcibi) for s in SEEDS)
    classes = list(ContextShapesDataset.METAINFO['classes'])
    for (config, seed), run in runs.items():
        assert run['iterations'] == ITERS
        assert run['checkpoint'] == f'iter_{ITERS}.pth'
        val = run['val']
        assert list(val['per_class_iou']) == classes
        defined = [v for v in val['per_class_iou'].values() if v is not None]
        assert defined and all(0 <= v <= 100 for v in defined)
        # mmseg's mIoU: the mean over the classes with an IoU
        assert val['mIoU'] == pytest.approx(statistics.mean(defined),
                                            abs=0.01)
        # each val image's counts, which give the same mIoU
        assert sorted(val['images']) == sorted(
            os.listdir(bench.data / 'images' / 'validation'))
        split = SplitMetrics(**val)
        assert split_miou(split) == pytest.approx(val['mIoU'], abs=0.01)
        assert not (run['amp'] or run['channels_last'])
        # validations every 2 iterations; the killed run may have lost
        # its first one, the others resumed with it
        steps = [step for step, _ in run['curve']]
        assert steps == [2, 4, 6] or (config, seed) == (bench.mcibi, 0) \
            and steps == [4, 6]
        # the last validation saw the model evaluated at the end
        assert run['curve'][-1][1] == val['mIoU']
        # one val image of 64x80 as the test pipeline resizes it
        assert run['flops_input_shape'] == [1, 3, 128, 160]
        assert run['flops'] > 0 and run['params'] > 0
        # the baseline has a test split, a copy of val: the same figures
        assert run['test'] == (val if config == bench.fcn else None)
        # the configs as the runners dumped them: mmengine's seeded
        # randomness, --cfg-options (in the evaluation's too)
        name = osp.basename(config)
        for dumped in (osp.join(run['work_dir'], name),
                       osp.join(run['work_dir'], 'eval', name)):
            cfg = Config.fromfile(dumped)
            assert cfg.model.decode_head.dropout_ratio == 0.2
        assert Config.fromfile(osp.join(run['work_dir'],
                                        name)).randomness.seed == seed
    assert runs[bench.mcibi, 0]['params'] != runs[bench.fcn, 0]['params']
    assert set(results['timing']) == {bench.fcn, bench.mcibi}
    for timing in results['timing'].values():
        assert timing['iters'] == 1 and timing['device']
        assert timing['train_s_per_iter'] > 0 and timing['test_fps'] > 0
    finished = re.findall(r'\[benchmark\] (\d)/4 (\w+) seed (\d): val mIoU',
                          bench.stdout)
    assert finished == [('1', 'mcibi_bench', '0'), ('2', 'fcn_bench', '0'),
                        ('3', 'mcibi_bench', '1'), ('4', 'fcn_bench', '1')]


def test_report_numbers(bench):
    results, report = bench.results, (bench.out / 'report.md').read_text()
    runs = runs_by_job(results)
    deltas = [
        runs[bench.mcibi, s]['val']['mIoU'] - runs[bench.fcn, s]['val']['mIoU']
        for s in SEEDS
    ]
    method, baseline = (results['timing'][c] for c in (bench.mcibi,
                                                       bench.fcn))
    stats = pair_statistics(Results.from_dict(results),
                            Pair(PAIR, bench.mcibi, bench.fcn))
    assert stats.deltas == pytest.approx(deltas, abs=0.005)
    cells = row(report.split('## Pairs')[1], f'| {PAIR} |')
    assert cells[:6] == [
        PAIR, 'mcibi_bench', 'fcn_bench',
        ', '.join(f'{d:+.2f}' for d in deltas), mean_std(deltas, '+'),
        f'{sum(d > 0 for d in deltas)}/2'
    ]
    assert cells[6] == '[{:+.2f}, {:+.2f}]'.format(*stats.bootstrap)
    assert cells[7] == '[{:+.2f}, {:+.2f}]'.format(*stats.t)
    assert cells[8] == f'**{stats.verdict}**'
    assert cells[9] == f'{stats.detectable:.2f}'
    assert row(report.split('Speed, method / baseline')[1],
               f'| {PAIR} |')[1:] == [
        f'{method["train_s_per_iter"] / baseline["train_s_per_iter"]:.2f}',
        f'{method["test_fps"] / baseline["test_fps"]:.2f}'
    ]
    for config in (bench.fcn, bench.mcibi):
        cells = row(report, f'| {osp.basename(config)[:-3]} | 2 |')
        assert cells[2:5] == [
            mean_std([runs[config, s]['val'][m] for s in SEEDS])
            for m in ('mIoU', 'mAcc', 'aAcc')
        ]
        assert cells[5] == f'{runs[config, 0]["params"] / 1e6:.2f}'
        assert cells[6] == f'{runs[config, 0]["flops"] / 1e9:.2f}'
    # per-class IoU: means over the seeds, method - baseline
    classes = report.split('### ' + PAIR)[1]
    for name in ContextShapesDataset.METAINFO['classes']:
        means = []
        for config in (bench.fcn, bench.mcibi):
            values = [runs[config, s]['val']['per_class_iou'][name]
                      for s in SEEDS]
            values = [v for v in values if v is not None]
            means.append(statistics.mean(values) if values else None)
        cells = row(classes.split('\n', 1)[1], f'| {name} |')
        assert cells[1:3] == ['-' if m is None else f'{m:.2f}'
                              for m in means]
        assert cells[3] == ('-' if None in means else
                            f'{means[1] - means[0]:+.2f}')
    # the test split: the baseline only
    test = report.split('## Test split')[1]
    assert row(test, '| fcn_bench |')[1:3] == [
        '2', mean_std([runs[bench.fcn, s]['test']['mIoU'] for s in SEEDS])
    ]
    assert 'mcibi_bench' not in test
    for name in ('curves.png', 'per_class.png'):
        assert f']({name})' in report
        assert (bench.out / name).read_bytes()[:8] == PNG
        image = cv2.imread(str(bench.out / name))
        assert image is not None and min(image.shape[:2]) >= 300


def test_killed_run_resumes(bench):
    assert '[benchmark] 1/4' not in bench.killed_log  # killed in the run
    done = int(re.search(r'iter_(\d+)\.pth$', bench.killed_at)[1])
    assert done < ITERS
    run_dir = bench.work / 'mcibi_bench' / 'seed0'
    stamps = sorted(osp.basename(p) for p in timestamp_dirs(run_dir)
                    if osp.dirname(p) == str(run_dir))
    assert len(stamps) == 2
    log = (run_dir / stamps[1] / f'{stamps[1]}.log').read_text()
    assert f'Auto resumed from the latest checkpoint {bench.killed_at}.' in log
    assert f'resumed epoch: 0, iter: {done}' in log
    assert f'Iter(train) [{done + 1}/{ITERS}]' in log
    assert f'Iter(train) [{done}/{ITERS}]' not in log
    for (config, seed), run in runs_by_job(bench.results).items():
        resumed = osp.basename(bench.killed_at) if (
            config, seed) == (bench.mcibi, 0) else None
        assert run['resumed_from'] == resumed


def test_finished_runs_are_skipped(bench):
    stamps = timestamp_dirs(bench.work)
    stdout = run_script(*bench.args)
    assert re.findall(r'\[benchmark\] (\d)/4 (\w+) seed (\d): skipped',
                      stdout) == [('1', 'mcibi_bench', '0'),
                                  ('2', 'fcn_bench', '0'),
                                  ('3', 'mcibi_bench', '1'),
                                  ('4', 'fcn_bench', '1')]
    assert 'timing: already recorded, skipped' in stdout
    assert 'Iter(train)' not in stdout
    results = json.loads((bench.out / 'results.json').read_text())
    assert results['runs'] == bench.results['runs']
    assert results['timing'] == bench.results['timing']
    assert timestamp_dirs(bench.work) == stamps


def test_pairs_on_the_command_line_read_back_the_runs(bench):
    """A new out dir: the records come back from the runs' work dirs."""
    stamps = timestamp_dirs(bench.work)
    out = bench.tmp / 'pairs'
    stdout = run_script(TOOL, '--pair', PAIR, bench.mcibi, bench.fcn,
                        '--work-dir', str(bench.work), '--out-dir', str(out),
                        '--seeds', *map(str, SEEDS), '--no-timing')
    assert stdout.count(': skipped, already recorded') == 4
    results = json.loads((out / 'results.json').read_text())
    assert results['suite'] == bench.results['suite']
    assert results['runs'] == bench.results['runs']
    assert results['timing'] == {}
    assert timestamp_dirs(bench.work) == stamps
    speed = (out / 'report.md').read_text().split('Speed, method')[1]
    assert row(speed, f'| {PAIR} |')[1:] == ['-', '-']


def test_report_only(bench):
    """The report comes from results.json alone: edited, it shows the
    edit; without test results, no test table."""
    stamps = timestamp_dirs(bench.work)
    out = bench.tmp / 'report_only'
    out.mkdir()
    results = json.loads(json.dumps(bench.results))
    runs = runs_by_job(results)
    runs[bench.mcibi, 1]['val']['mIoU'] = \
        runs[bench.fcn, 1]['val']['mIoU'] + 10
    for run in results['runs']:
        run['test'] = None
    (out / 'results.json').write_text(json.dumps(results))
    stdout = run_script(TOOL, '--out-dir', str(out), '--report-only')
    assert 'Iter(train)' not in stdout
    report = (out / 'report.md').read_text()
    deltas = [
        runs[bench.mcibi, s]['val']['mIoU'] - runs[bench.fcn, s]['val']['mIoU']
        for s in SEEDS
    ]
    assert row(report.split('## Pairs')[1],
               f'| {PAIR} |')[4] == mean_std(deltas, '+')
    assert '## Test split' not in report
    for name in ('curves.png', 'per_class.png'):
        assert (out / name).read_bytes()[:8] == PNG
    assert timestamp_dirs(bench.work) == stamps


DUP_DEMO = osp.join(ROOT, 'configs', 'dupsampling',
                    'dupsampling_r18s-d8_1xb8-300it_context-shapes-128x128.py')
DEEPLAB_DEMO = osp.join(
    ROOT, 'configs', 'dupsampling',
    'deeplabv3plus_r18s-d8_1xb8-300it_context-shapes-128x128.py')


def test_two_processes_a_run_and_the_basis_computed(tmp_path):
    """``--gpus 2`` trains and evaluates each run with two processes (gloo
    here, as tools/dist_train.sh); a DUpsampling config's missing basis is
    computed first, by the tool, from the config's training labels."""
    data = make_context_shapes(str(tmp_path / 'data'))
    basis = tmp_path / 'bases' / 'tiny_r8_c16.pth'
    configs = {}
    for name, base in (('dups', DUP_DEMO), ('deeplab', DEEPLAB_DEMO)):
        configs[name] = write_tiny_config(
            str(tmp_path / f'{name}_bench.py'), data, base=base, iters=2)
    with open(configs['dups'], 'a') as f:
        f.write(f'model.update(decode_head=dict(model["decode_head"], '
                f'basis_file={str(basis)!r}))\n')
    out = tmp_path / 'out'
    stdout = run_script(TOOL, '--pair', 'DUpsampling', configs['dups'],
                        configs['deeplab'], '--work-dir',
                        str(tmp_path / 'work'), '--out-dir', str(out),
                        '--seeds', '0', '--gpus', '2', '--no-timing')
    assert basis.is_file()
    from mmseg_ctx.models.utils import load_label_basis
    record = load_label_basis(str(basis))
    assert (record['ratio'], record['channels']) == (8, 16)
    assert len(re.findall(r'\[benchmark\] \d/2 \w+ seed 0: val mIoU',
                          stdout)) == 2
    results = json.loads((out / 'results.json').read_text())
    assert len(results['runs']) == 2
    for run in results['runs']:
        log = glob.glob(osp.join(run['work_dir'], '2*', '2*.log'))[0]
        text = open(log).read()
        assert 'Distributed training: True' in text
        assert 'GPU number: 2' in text  # mmengine's name for the processes
        assert 'CPUDistributedDataParallel' in text
        assert run['iterations'] == 2 and run['val']['mIoU'] >= 0
        # both processes' images, once each, in the counts
        val = run['val']
        assert sorted(val['images']) == sorted(
            os.listdir(data + '/images/validation'))
        assert split_miou(SplitMetrics(**val)) == pytest.approx(
            val['mIoU'], abs=0.01)
