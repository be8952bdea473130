# Copyright (c) mmseg_ctx contributors. All rights reserved.
import subprocess
import sys

from helpers import ROOT, tool_env

from mmseg_ctx.analysis.context_complexity import PAPER_PARTS, build_modules


def test_table_on_a_small_map(tmp_path):
    """16 x 16: emulated bf16 (a CPU without native bf16) runs dilated
    convolutions slowly."""
    out = tmp_path / 'table.md'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/context_complexity.py',
        '--size', '16', '--channels', '64', '--repeats', '1', '--dtypes',
        'fp32', 'bf16', '--out',
        str(out)
    ], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = out.read_text().splitlines()
    assert lines[0].startswith('| module | params (M) | paper | GFLOPs | '
                               'paper | attention GFLOPs | whole head')
    rows = {line.split(' | ')[0][2:]: line.split(' | ') for line in lines[2:6]}
    assert list(rows) == ['ASPP', 'PPM', 'DCA', 'ASPP+DCA']
    # latency in ms in each precision, and as a ratio to PPM
    assert lines[0].endswith('| ms (fp32) | / PPM | ms (bf16) | / PPM | '
                             'paper ms (V100) | paper / PPM |')
    assert rows['PPM'][8] == rows['PPM'][10] == '1.00'
    assert all(float(row[i]) > 0 for row in rows.values() for i in (7, 9))
    assert rows['DCA'][11] == '47.64' and rows['DCA'][12] == '1.61 |'
    # only the modules with memory attention have attention products
    assert float(rows['DCA'][5]) > 0 and float(rows['PPM'][5]) == 0
    # the classifier-less rows are smaller than the whole heads
    for row in rows.values():
        assert float(row[1]) < float(row[6].split(' / ')[0])
    # the paper's numbers stand beside ours
    assert rows['DCA'][2] == '14.82' and rows['DCA'][4] == '242.80'
    assert 'Input 1 x 64 x 16 x 16' in lines[-1]


def test_rows_are_counted_as_the_paper_counts():
    """Table 3's rows are the heads without their classifiers: PSPHead less
    conv_seg is the paper's 23.07M, ASPPHead's 42.21M, and DCA (bottleneck,
    memory attention, fusion) the paper's 14.82M to the digit."""
    from mmengine.analysis import parameter_count
    modules = build_modules(2048, 150)
    counts = {
        name: sum(parameter_count(module)[f'head.{part}']
                  for part in PAPER_PARTS[name])
        for name, module in modules.items() if name != 'ASPP+DCA'
    }
    assert counts == dict(ASPP=42_211_328, PPM=23_073_792, DCA=14_816_768)
    conv_seg = 512 * 150 + 150
    assert counts['PPM'] == parameter_count(modules['PPM'])[''] - conv_seg
