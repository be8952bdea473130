# Copyright (c) mmseg_ctx contributors. All rights reserved.
import subprocess
import sys

from helpers import ROOT, tool_env


def test_table_on_a_small_map(tmp_path):
    out = tmp_path / 'table.md'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/context_complexity.py',
        '--size', '8', '--channels', '64', '--repeats', '1', '--out',
        str(out)
    ], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = out.read_text().splitlines()
    assert lines[0].startswith('| module | params (M) | paper | GFLOPs')
    rows = {line.split(' | ')[0][2:]: line.split(' | ') for line in lines[2:6]}
    assert list(rows) == ['ASPP', 'PPM', 'DCA', 'ASPP+DCA']
    assert rows['PPM'][5] == '1.00'  # latency is a ratio to PPM
    # the paper's numbers stand beside ours
    assert rows['DCA'][2] == '14.82' and rows['DCA'][4] == '242.80'
    assert 'Input 1 x 64 x 8 x 8' in lines[-1]
