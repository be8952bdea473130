# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""tools/misc/gpu_check.py: the kit it prepares, its CPU mode end to end,
and a failing or late check reported without stopping the others."""
import argparse
import json
import math
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from doc_commands import doc_commands, run_doc_command
from helpers import ROOT, tool_env

from mmseg_ctx.analysis import gpu_check
from mmseg_ctx.engine import cpu_supports_bf16

SCRIPT = osp.join(ROOT, 'tools', 'misc', 'gpu_check.py')


def test_kit_fits_and_installs_without_network(tmp_path):
    """The folder the GPU machine gets: every pinned wheel for Python 3.12
    and mmcv's source, under 40 MiB; its wheels install from it alone."""
    kit = tmp_path / 'kit'
    proc = subprocess.run(
        [sys.executable, SCRIPT, 'prepare', '--kit', str(kit)],
        cwd=ROOT, env=tool_env(), capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    files = os.listdir(kit)
    for pin in gpu_check.WHEELS:
        name, version = pin.split('==')
        stem = f'{name.replace("-", "_")}-{version}-'
        assert any(f.lower().startswith(stem) and f.endswith('.whl')
                   for f in files), (pin, files)
    assert 'mmcv-2.1.0.tar.gz' in files
    total = sum(osp.getsize(kit / f) for f in files)
    assert total <= 40 * 2**20, total
    # a kit above the limit is refused, naming its size
    proc = subprocess.run(
        [sys.executable, SCRIPT, 'prepare', '--kit', str(kit),
         '--limit-mib', '1'],
        cwd=ROOT, env=tool_env(), capture_output=True, text=True,
        timeout=600)
    assert proc.returncode != 0 and 'above the limit of 1.0 MiB' in (
        proc.stderr)
    site = tmp_path / 'site'
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '-q', '--no-index',
        '--no-deps', '--target', str(site)
    ] + [str(kit / f) for f in files if f.endswith('.whl')], check=True)
    version = subprocess.run(
        [sys.executable, '-c', 'import mmengine; print(mmengine.__file__, '
         'mmengine.__version__)'],
        env=dict(os.environ, PYTHONPATH=str(site)), capture_output=True,
        text=True, check=True).stdout.split()
    assert version[0].startswith(str(site)) and version[1] == '0.10.7'


@pytest.mark.timeout(1800)
def test_cpu_mode_runs_every_check(tmp_path):
    """docs/usage.md's ``run`` line without CUDA (a slow machine's budget and
    two checks at a time added): the same checks at tiny shapes, each one
    passing, the report in three files. The stack imports, so the kit is
    not installed."""
    out = tmp_path / 'report'
    (line, ) = doc_commands(osp.join('tools', 'misc', 'gpu_check.py'))
    run_doc_command(
        line + ' --mode cpu --jobs 2 --budget 1500', ROOT,
        dict(WORK_DIR=str(out)), timeout=1800, CUDA_VISIBLE_DEVICES='')
    assert sorted(os.listdir(out)) == ['logs.tar.gz', 'report.json',
                                       'report.md']
    report = json.loads((out / 'report.json').read_text())
    assert report['mode'] == 'cpu'
    checks = {c['name']: c for c in report['checks']}
    assert checks['install']['details']['installed'].startswith(
        'already importable')
    assert list(checks) == [
        'install', 'data', 'pytest', 'train_MCIBI', 'train_EncNet',
        'train_PSPNet', 'train_ContextNet', 'train_DUpsampling', 'resume',
        'table3', 'contextnet_speed', 'memory_update_cost', 'training_cost'
    ]
    assert {c['status'] for c in checks.values()} == {'pass'}, checks
    assert checks['pytest']['details']['tests'] > 0
    for method in ('MCIBI', 'EncNet', 'PSPNet', 'ContextNet', 'DUpsampling'):
        details = checks[f'train_{method}']['details']
        assert all(
            math.isfinite(details[k]) for k in ('first_loss', 'last_loss'))
        assert 0 <= details['test_mIoU'] <= 100
        # --amp without an accelerator: bf16, no loss scaling; fp32 on a
        # CPU without native bf16 (where --amp refuses)
        assert details['optim_wrapper'] == (
            'CPUAmpOptimWrapper' if cpu_supports_bf16() else 'OptimWrapper')
        assert not details['loss_scaler']
    assert set(checks['train_MCIBI']['details']['memory_dtypes'].values()
               ) == {'torch.float32'}
    resume = checks['resume']['details']['deterministic']
    assert resume['resumed']['unequal'] == 0
    assert resume['resumed']['values'] > 300
    assert resume['run_to_run']['unequal'] == 0
    assert '| ms (fp32) | / PPM | ms (bf16) | / PPM |' in checks['table3'][
        'table']
    assert 'ContextNet cn14, BN folded' in checks['contextnet_speed']['table']
    assert checks['memory_update_cost']['table'].startswith('|')
    assert '| Encoding layer (B, C, H x W, K) |' in checks['training_cost'][
        'table']
    text = (out / 'report.md').read_text()
    assert '| check | status | seconds | summary |' in text
    assert '## table3' in text and '## contextnet_speed' in text


def test_failures_are_reported_and_never_stop_the_others(
        tmp_path, monkeypatch):
    """A check that errs is reported with its error, the next one still
    runs; with no time left in the budget a check is a timeout."""
    monkeypatch.setitem(gpu_check.MODES['cpu'], 'pytest',
                        ['tests/no_such_test_file.py'])
    args = argparse.Namespace(
        kit=None, site=None, out=str(tmp_path / 'a'), budget=600, jobs=2,
        checks=['pytest', 'table3'], keep_work=False, mode='cpu',
        timed_reserve=60)
    report = gpu_check.run(args)
    checks = {c['name']: c for c in report['checks']}
    assert checks['pytest']['status'] == 'error'
    assert 'exited with' in checks['pytest']['error']
    assert checks['table3']['status'] == 'pass'
    text = (tmp_path / 'a' / 'report.md').read_text()
    assert '| pytest | error |' in text and '| table3 | pass |' in text

    # the untimed checks end the reserve before the budget, the timed ones
    # still have it
    args.out, args.budget = str(tmp_path / 'b'), 62
    report = gpu_check.run(args)
    assert [c['status'] for c in report['checks']] == ['timeout', 'pass']
    assert 'no time left in the budget' in report['checks'][0]['error']
    args.out, args.budget = str(tmp_path / 'c'), 1
    report = gpu_check.run(args)
    assert [c['status'] for c in report['checks']] == ['timeout'] * 2


def test_max_difference_finds_every_unequal_value():
    """Every leaf of two checkpoints' states: tensors (NaN only equal to
    NaN), numbers such as the loss scaler's, lists such as param_groups."""
    nan = float('nan')
    a = dict(w=torch.zeros(2), opt=dict(state=dict(m=torch.ones(3)),
                                        scaler=dict(scale=65536.),
                                        groups=[dict(lr=0.1)]))
    b = dict(w=torch.zeros(2), opt=dict(state=dict(m=torch.ones(3) * 1.5),
                                        scaler=dict(scale=65536.),
                                        groups=[dict(lr=0.1)]))
    assert gpu_check.max_difference(a, b) == {
        'w': 0.0, 'opt.state.m': 0.5, 'opt.scaler.scale': 0.0,
        'opt.groups.0.lr': 0.0}
    b['opt']['scaler']['scale'] = 1024.
    b['opt']['groups'][0]['lr'] = 0.2
    diffs = gpu_check.max_difference(a, b)
    assert diffs['opt.scaler.scale'] == diffs['opt.groups.0.lr'] == math.inf
    b['w'] = torch.tensor([0., nan])
    assert gpu_check.max_difference(a, b)['w'] == math.inf
    a['w'] = torch.tensor([0., nan])
    assert gpu_check.max_difference(a, b)['w'] == 0.0  # NaN where NaN was
    b['w'] = torch.zeros(3)
    assert gpu_check.max_difference(a, b)['w'] == math.inf
    del b['w']
    assert gpu_check.max_difference(a, b)['w'] == math.inf


def test_miou_is_read_from_the_test_loop():
    output = ('... Iter(test) [2/2]    aAcc: 90.1000  mIoU: 41.2300  '
              'mAcc: 50.0000  data_time: 0.01\n')
    assert gpu_check.test_miou(output) == pytest.approx(41.23)
    with pytest.raises(RuntimeError, match='no mIoU'):
        gpu_check.test_miou('nothing here')


def test_timed_checks_keep_their_reserve():
    """A slow install or training cannot leave the tables no time: the
    untimed checks end ``reserve`` seconds before the budget does."""
    assert gpu_check.deadlines(100, 480, 110, timed=True) == (470, 580)
    assert gpu_check.deadlines(100, 480, 110, timed=False) == (580, 580)
