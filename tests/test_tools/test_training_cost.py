# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""training_cost.py: the table's structure and its memory figures, never
its times."""
from types import SimpleNamespace

import pytest
from helpers import ROOT, run_script

from mmseg_ctx.analysis.training_cost import (VARIANTS, load_pairs,
                                              markdown_table)
from mmseg_ctx.engine import amp_runs_natively, cpu_supports_bf16

TOOL = 'tools/analysis_tools/training_cost.py'


def test_table_for_a_pair_and_the_encoding_layer(tmp_path):
    out = tmp_path / 'cost.md'
    run_script(TOOL, '--pairs', 'EncNet', '--crop', '32', '48', '--batch',
               '2', '--repeats', '1', '--encoding', '2', '16', '8', '8', '4',
               '--out', str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == ('| pair | config | fp32 (s) | / baseline | bf16 (s) '
                        '| / baseline | bf16 speed-up | NHWC speed-up '
                        '| bf16 + NHWC speed-up |')
    method, baseline = (line.split(' | ') for line in lines[2:4])
    assert method[0] == '| EncNet' and method[1].startswith('encnet-se3')
    assert baseline[1].startswith('fcn_r18s') and baseline[3] == '1.00'
    assert all(float(row[2]) > 0 for row in (method, baseline))
    assert all(row[7].endswith('x') and float(row[7][:-1]) > 0
               for row in (method, baseline))  # NHWC, wherever
    # --amp is timed where it trains: not on a CPU without native bf16
    amp = amp_runs_natively('cpu')
    assert amp == cpu_supports_bf16()
    for row in (method, baseline):
        cells = [row[4], row[6], row[8].rstrip(' |')]
        if amp:
            assert float(row[4]) > 0
            assert all(cell.endswith('x') for cell in cells[1:])
        else:
            assert cells == ['n/a'] * 3 and row[5] == 'n/a'
    assert ('bf16 n/a: this CPU has no native bf16' in lines[-1]) != amp
    encoding = {line.split(' | ')[0][2:]: line.split(' | ')
                for line in lines if line.startswith('| 2, ')}
    # the suite EncNet's shape (128 channels at 1/8 of the crop) and ours
    assert list(encoding) == ['2, 128, 4x6, 32', '2, 16, 8x8, 4']
    row = encoding['2, 128, 4x6, 32']
    # memory is counted, not timed: ours keeps no B x N x K x C tensor
    assert float(row[4]) > 3 * float(row[5])
    assert '8 x 180 x 240' not in lines[-1] and '2 x 32 x 48' in lines[-1]


def test_unknown_pairs_are_named():
    suite = f'{ROOT}/configs/benchmarks/camvid.py'
    assert [p['name'] for p in load_pairs(suite, ['EncNet'])] == [
        'EncNet']
    with pytest.raises(ValueError, match=r"no pairs \['Enc'\]"):
        load_pairs(suite, ['Enc'])


def table_of(steps, encodings=None):
    """The markdown of ``steps`` ({(config, amp, nhwc): seconds}) for the
    suite's EncNet pair at 2 x 32 x 48."""
    suite = f'{ROOT}/configs/benchmarks/camvid.py'
    pairs = load_pairs(suite, ['EncNet'])
    args = SimpleNamespace(crop=(32, 48), batch=2, repeats=3, warmup=1)
    steps = {(pairs[0][role], amp, nhwc): seconds[i]
             for role, seconds in steps.items()
             for i, (amp, nhwc) in enumerate(VARIANTS)
             if seconds[i] is not None}
    return markdown_table(pairs, steps, encodings or {}, 'cpu (2 threads)',
                          args).splitlines()


def test_ratios_and_speed_ups_of_known_times():
    """Ratios to the baseline in each precision, speed-ups over the
    config's own fp32 step, in VARIANTS order (fp32, AMP, NHWC, both)."""
    lines = table_of({'method': [0.8, 0.5, 0.4, 0.25],
                      'baseline': [1.0, 0.4, 1.0, 0.5]})
    method, baseline = (line.split(' | ') for line in lines[2:4])
    assert method[2:] == ['0.800', '0.80', '0.500', '1.25', '1.60x',
                          '2.00x', '3.20x |']
    assert baseline[2:] == ['1.000', '1.00', '0.400', '1.00', '2.50x',
                            '1.00x', '2.00x |']
    assert 'n/a' not in lines[-1]


def test_amp_columns_without_amp_are_not_available():
    lines = table_of({'method': [0.8, None, 0.4, None],
                      'baseline': [1.0, None, 1.0, None]})
    method = lines[2].split(' | ')
    assert method[2:] == ['0.800', '0.80', 'n/a', 'n/a', 'n/a', '2.00x',
                          'n/a |']
    assert 'bf16 n/a: this CPU has no native bf16' in lines[-1]
