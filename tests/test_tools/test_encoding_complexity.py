# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""encoding_complexity.py: the extra of EncNet over the FCN."""
import argparse
import subprocess
import sys

from helpers import ROOT, tool_env

from mmseg_ctx.analysis.encoding_complexity import measure


def test_the_extra_is_the_context_encoding_module():
    """The FCN's 3x3 conv and classifier are EncNet's too: the difference
    of the whole networks is exactly the module (and its SE layer)."""
    counts = measure(
        argparse.Namespace(size=64, depth=18, num_classes=5))
    extra = counts['EncNet'] - counts['FCN']
    assert extra == counts['Context Encoding Module'] > 0
    assert counts['EncNet head'] - counts['FCN head'] == extra
    assert counts['stage-3 EncSEHead'] > 0
    assert counts['pixels'] == 8 * 8  # output stride 8


def test_table_from_the_command_line(tmp_path):
    out = tmp_path / 'table.md'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/encoding_complexity.py',
        '--size', '64', '--depth', '18', '--num-classes', '5', '--out',
        str(out)
    ], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = out.read_text().splitlines()
    assert lines[0].startswith('| model / part | multiply-adds (G)')
    assert lines[0].endswith('| share of the FCN head | paper |')
    assert lines[2].startswith('| FCN (dilated ResNet-18')
    assert lines[2].split('|')[3].strip() == '100.00%'
    assert lines[3].startswith('| FCN head (3x3 conv to 512, classifier)')
    assert lines[3].split('|')[4].strip() == '100.00%'
    assert lines[5].startswith('| extra of EncNet |')
    assert lines[5].endswith('| "around 3%-5%" |')
    # the extra's two shares: over the network and over its head
    counts = measure(
        argparse.Namespace(size=64, depth=18, num_classes=5))
    extra = counts['EncNet'] - counts['FCN']
    assert lines[5].split('|')[3].strip() == \
        f'{100 * extra / counts["FCN"]:.2f}%'
    assert lines[5].split('|')[4].strip() == \
        f'{100 * extra / counts["FCN head"]:.2f}%'
    assert lines[-1].startswith('A 64x64 image, 5 classes, K = 32')
