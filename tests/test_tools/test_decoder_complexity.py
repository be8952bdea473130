# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""decoder_complexity.py: decoder FLOPs of DUpsampling vs DeepLabV3+."""
import argparse
import subprocess
import sys

import torch
from helpers import ROOT, tool_env

from mmseg_ctx.analysis.decoder_complexity import (ROWS, build_head,
                                                   decoder_flops, measure)


def test_decoder_excludes_the_shared_aspp():
    """Without low-level features our decoder is exactly the projection to
    C~ and the DUpsampling conv: h w (C C~ + C~ N) multiply-adds."""
    args = argparse.Namespace(size=64, depth=18, channels=16,
                              num_classes=3, code=8)
    widths = [32, 64, 128, 256, 512]
    feats = tuple(torch.randn(1, c, 4, 4) for c in widths)
    head = build_head('dupsampling', (), widths, args)
    head.eval()
    assert decoder_flops(head, feats) == 4 * 4 * (16 * 8 + 8 * 16 * 16 * 3)


def test_ours_is_cheaper_at_a_small_setting():
    flops = measure(argparse.Namespace(
        size=129, depth=18, channels=32, num_classes=21, code=16))
    assert list(flops) == list(ROWS)
    vanilla = flops.pop('vanilla, b1u2c3')
    assert all(0 < count < vanilla for count in flops.values())
    # each fused level adds its 1x1 reduction and the two separable convs
    assert flops['DUpsampling, none'] < flops['DUpsampling, conv1_3'] < \
        flops['DUpsampling, conv1_3 + b3u6c3']


def test_table_from_the_command_line(tmp_path):
    out = tmp_path / 'table.md'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/decoder_complexity.py',
        '--size', '65', '--depth', '18', '--channels', '32', '--out',
        str(out)
    ], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = out.read_text().splitlines()
    assert lines[0].startswith('| decoder, fused features | multiply-adds')
    rows = [line.split(' | ') for line in lines[2:8]]
    assert [row[0][2:] for row in rows] == list(ROWS)
    # the paper's figures stand beside ours
    assert [row[3] for row in rows] == [
        '5.53 |', '0.80 |', '1.13 |', '1.15 |', '1.23 |', '1.56 |']
    assert 'on a 65x65 image, ResNet-18' in lines[-1]
