# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""encoding_complexity.py: the extra of EncNet over the FCN."""
import argparse
import subprocess
import sys

from helpers import ROOT, load_script, tool_env


def load_tool():
    return load_script('tools', 'analysis_tools', 'encoding_complexity.py')


def test_the_extra_is_the_context_encoding_module():
    """The FCN's 3x3 conv and classifier are EncNet's too: the difference
    of the whole networks is exactly the module (and its SE layer)."""
    counts = load_tool().measure(
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
    assert lines[2].startswith('| FCN (dilated ResNet-18') and \
        lines[2].endswith('| 100% | |')
    assert lines[4].startswith('| extra of EncNet |')
    assert lines[4].endswith('| "around 3%-5%" |')
    assert lines[-1].startswith('A 64x64 image, 5 classes, K = 32')
