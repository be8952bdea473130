# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""speed_benchmark.py: the table's structure, never its times."""
import argparse
import subprocess
import sys

import pytest
from helpers import ROOT, tool_env

from mmseg_ctx.analysis.speed_benchmark import markdown_table, measure


def test_table_on_cpu(tmp_path):
    out = tmp_path / 'speed.md'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/speed_benchmark.py', '--sizes',
        '64x128', '96x160', '--warmup', '1', '--iters', '1', '--models',
        'Fast-SCNN (mmseg)', 'ContextNet cn14', '--dtypes', 'fp32', 'bf16',
        '--out',
        str(out)
    ], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = out.read_text().splitlines()
    # one fps column on a CPU (no host-device copy), with its ratio
    assert lines[0] == ('| model | precision | input | fps (kernels) | '
                        '/ Fast-SCNN | paper fps (Titan X: pipeline / '
                        'kernels) |')
    rows = [line.split(' | ') for line in lines[2:14]]
    names = ['Fast-SCNN (mmseg)', 'ContextNet cn14',
             'ContextNet cn14, BN folded']
    assert [(r[0][2:], r[1], r[2]) for r in rows] == [
        (name, dtype, size) for name in names for dtype in ('fp32', 'bf16')
        for size in ('64x128', '96x160')]
    assert all(float(r[3]) > 0 for r in rows)
    # the reference, at each size and precision
    assert [r[4] for r in rows[:4]] == ['1.00'] * 4
    assert 'on cpu (' in lines[-1] and 'threads' in lines[-1]


def test_two_columns_and_the_paper_on_cuda_results():
    """With a copy to and from the device (CUDA), both of the paper's
    columns; its Table 7 figures stand beside cn14 at its sizes."""
    results = {
        ('Fast-SCNN (mmseg)', 'fp16', (1024, 2048)):
        dict(pipeline=20., kernels=40.),
        ('ContextNet cn14', 'fp16', (1024, 2048)):
        dict(pipeline=10., kernels=60.),
    }
    args = argparse.Namespace(iters=20, warmup=5)
    lines = markdown_table(results, 'cuda:0, GPU', args).splitlines()
    assert lines[0].startswith('| model | precision | input | fps (pipeline) '
                               '| / Fast-SCNN | fps (kernels) | / Fast-SCNN |')
    assert lines[3] == ('| ContextNet cn14 | fp16 | 1024x2048 | 10.00 | 0.50 '
                        '| 60.00 | 1.50 | 18.3 / 41.9 |')
    assert 'pipeline = host image to the GPU' in lines[-1]
    assert 'between CUDA events' in lines[-1]


def test_pipeline_column_copies_to_and_from_the_device():
    """The CUDA path's copies, run on the CPU: both columns come out."""
    args = argparse.Namespace(sizes=['32x64'], warmup=0, iters=1,
                              models=['ContextNet cn18'], no_fold=True,
                              dtypes=['fp32'])
    results = measure(args, 'cpu', modes=['pipeline', 'kernels'])
    assert set(results) == {('ContextNet cn18', 'fp32', (32, 64))}
    fps = results['ContextNet cn18', 'fp32', (32, 64)]
    assert set(fps) == {'pipeline', 'kernels'} and min(fps.values()) > 0


def test_cuda_graph_replays_the_kernels(device):
    """'graph' captures the inference into a CUDA graph and times its
    replay; a device without CUDA graphs is refused, naming it."""
    args = argparse.Namespace(sizes=['64x128'], warmup=1, iters=2,
                              models=['ContextNet cn14'], no_fold=False,
                              dtypes=['fp32', 'fp16'])
    if device == 'cpu':
        with pytest.raises(ValueError, match="'graph' .* not on cpu"):
            measure(args, device, modes=['graph'])
        return
    results = measure(args, device, modes=['kernels', 'graph'])
    assert len(results) == 4  # as trained and BN folded, two precisions
    for fps in results.values():
        assert fps['kernels'] > 0 and fps['graph'] > 0
