# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""training_cost.py: the table's structure and its memory figures, never
its times."""
import pytest
from helpers import ROOT, load_script, run_script

TOOL = 'tools/analysis_tools/training_cost.py'


def test_table_for_a_pair_and_the_encoding_layer(tmp_path):
    out = tmp_path / 'cost.md'
    run_script(TOOL, '--pairs', 'EncNet', '--crop', '32', '48', '--batch',
               '2', '--repeats', '1', '--encoding', '2', '16', '8', '8', '4',
               '--out', str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == ('| pair | config | fp32 (s) | / baseline | bf16 (s) '
                        '| / baseline | bf16 speed-up |')
    method, baseline = (line.split(' | ') for line in lines[2:4])
    assert method[0] == '| EncNet' and method[1].startswith('encnet-se3')
    assert baseline[1].startswith('fcn_r18s') and baseline[3] == '1.00'
    assert baseline[5] == '1.00'  # the reference, in both precisions
    assert all(float(row[i]) > 0 for row in (method, baseline)
               for i in (2, 4))
    encoding = {line.split(' | ')[0][2:]: line.split(' | ')
                for line in lines if line.startswith('| 2, ')}
    # the suite EncNet's shape (128 channels at 1/8 of the crop) and ours
    assert list(encoding) == ['2, 128, 4x6, 32', '2, 16, 8x8, 4']
    row = encoding['2, 128, 4x6, 32']
    # memory is counted, not timed: ours keeps no B x N x K x C tensor
    assert float(row[4]) > 3 * float(row[5])
    assert '8 x 180 x 240' not in lines[-1] and '2 x 32 x 48' in lines[-1]


def test_unknown_pairs_are_named():
    tool = load_script('tools', 'analysis_tools', 'training_cost.py')
    suite = f'{ROOT}/configs/benchmarks/camvid.py'
    assert [p['name'] for p in tool.load_pairs(suite, ['EncNet'])] == [
        'EncNet']
    with pytest.raises(ValueError, match=r"no pairs \['Enc'\]"):
        tool.load_pairs(suite, ['Enc'])
