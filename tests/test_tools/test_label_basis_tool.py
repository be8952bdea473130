# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""label_basis.py from the command line, on ContextShapes and on a
synthetic 150-class set in bounded memory; a DUpsampling model trained and
tested with its basis through tools/train.py and tools/test.py."""
import glob
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import torch
from config_writers import write_tiny_config
from data_makers import make_context_shapes
from helpers import ROOT, tool_env

TOOL = 'tools/analysis_tools/label_basis.py'
DUP_DEMO = osp.join(ROOT, 'configs', 'dupsampling',
                    'dupsampling_r18s-d8_1xb8-300it_context-shapes-128x128.py')
K150_CONFIG = """
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
default_scope = 'mmseg'
pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')]
dataset = dict(
    type='BaseSegDataset', data_root={root!r},
    metainfo=dict(classes=tuple(f'class{{i}}' for i in range(150))),
    data_prefix=dict(img_path='images', seg_map_path='labels'),
    img_suffix='.png', seg_map_suffix='.png', pipeline=pipeline)
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
"""


def run(*args, wrap_rss=False):
    cmd = [sys.executable, *args]
    if wrap_rss:  # report the tool's own peak resident memory (GB)
        cmd = [sys.executable, '-c',
               'import resource, runpy, sys\n'
               f'sys.argv = {list(args)!r}\n'
               'runpy.run_path(sys.argv[0], run_name="__main__")\n'
               'print("peak GB", resource.getrusage('
               'resource.RUSAGE_SELF).ru_maxrss / 2**20)']
    proc = subprocess.run(cmd, cwd=ROOT, env=tool_env(), capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout


def test_basis_and_upper_bound_table(tiny_config, tmp_path):
    out, table = str(tmp_path / 'b.pth'), str(tmp_path / 'ub.md')
    log = run(TOOL, tiny_config, '--ratio', '4', '--channels', '144',
              '--out', out, '--eval', '--table', table, '--num-workers', '0')
    assert '100.00% of the variance' in log
    record = torch.load(out, weights_only=True)
    assert (record['ratio'], record['num_classes'], record['channels']) == (
        4, 9, 144)
    assert record['config'] == osp.basename(tiny_config)
    text = open(table).read()
    assert '| DUpsampling | 4 | 144 | 100.00 | - |' in text
    assert text in log
    # --reuse evaluates the saved basis, refusing one of another shape
    log = run(TOOL, tiny_config, '--ratio', '4', '--channels', '144',
              '--out', out, '--reuse', '--eval', '--num-workers', '0')
    assert '| DUpsampling | 4 | 144 | 100.00 | - |' in log
    proc = subprocess.run(
        [sys.executable, TOOL, tiny_config, '--ratio', '8', '--channels',
         '144', '--out', out, '--reuse'], cwd=ROOT, env=tool_env(),
        capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and 'has ratio=4 but ratio=8 is expected' in \
        proc.stderr


def test_150_classes_in_bounded_memory(tmp_path):
    """ADE20K's K = 150 at r = 16 (N = 38,400): the tool stays at a few
    GB where the covariance alone would take 5.9 GB."""
    root = tmp_path / 'k150'
    (root / 'images').mkdir(parents=True)
    (root / 'labels').mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        blocks = rng.integers(0, 150, (12, 16)).astype(np.uint8)
        label = np.kron(blocks, np.ones((20, 20), np.uint8))  # 240 x 320
        label[:7] = 255
        cv2.imwrite(str(root / 'labels' / f'{i}.png'), label)
        cv2.imwrite(str(root / 'images' / f'{i}.png'),
                    np.zeros((240, 320, 3), np.uint8))
    config = tmp_path / 'k150.py'
    config.write_text(K150_CONFIG.format(root=str(root)))
    out = str(tmp_path / 'k150.pth')
    log = run(TOOL, str(config), '--ratio', '16', '--channels', '64',
              '--out', out, '--num-workers', '0', '--max-samples', '1000',
              wrap_rss=True)
    record = torch.load(out, weights_only=True)
    # a full reservoir: 1,800 patches seen, 1,000 kept
    assert (record['num_patches'], record['num_samples']) == (1800, 1000)
    basis = record['basis']
    assert basis.shape == (38400, 64)
    torch.testing.assert_close(basis.t() @ basis, torch.eye(64),
                               atol=1e-4, rtol=0)
    peak = float(log.split('peak GB')[-1])
    assert peak < 3.0, f'peak memory {peak:.2f} GB'


def test_train_and_test_with_a_basis(tmp_path):
    """Images of 60 x 75, not multiples of r = 8, so training and testing
    crop the logits; the test runs from the checkpoint alone (its W) after
    the basis file is gone, as on another machine."""
    data = make_context_shapes(str(tmp_path / 'data'), height=60, width=75)
    base = write_tiny_config(str(tmp_path / 'tiny_dup_base.py'), data,
                             base=DUP_DEMO)
    basis = str(tmp_path / 'basis.pth')
    config = tmp_path / 'tiny_dup.py'
    config.write_text(
        f'_base_ = {base!r}\n'
        f'model = dict(decode_head=dict(basis_file={basis!r}))\n')
    run(TOOL, str(config), '--ratio', '8', '--channels', '16', '--out',
        basis, '--num-workers', '0')
    work = str(tmp_path / 'work')
    out = run('tools/train.py', str(config), '--work-dir', work)
    assert 'Iter(train) [4/4]' in out and 'mIoU' in out
    checkpoint = osp.join(work, 'iter_4.pth')
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    # W stayed fixed; T was learnt
    saved = torch.load(basis, weights_only=True)['basis']
    torch.testing.assert_close(state['decode_head.dupsample.basis'], saved)
    assert state['decode_head.log_temperature'] != 0
    os.remove(basis)
    out = run('tools/test.py', str(config), checkpoint, '--work-dir',
              str(tmp_path / 'test'), '--out', str(tmp_path / 'preds'))
    assert 'does not exist: W must come from a checkpoint' in out
    assert 'Iter(test) [3/3]' in out and 'mIoU' in out
    pred = cv2.imread(glob.glob(str(tmp_path / 'preds' / '*.png'))[0],
                      cv2.IMREAD_UNCHANGED)
    assert pred.shape == (60, 75)
