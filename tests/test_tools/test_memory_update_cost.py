# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""tools/analysis_tools/memory_update_cost.py: the table's structure and
its numbers against the JSON it writes (never its times)."""
import json

from helpers import run_script

TOOL = 'tools/analysis_tools/memory_update_cost.py'


def rows(path):
    lines = path.read_text().splitlines()
    assert lines[0].startswith('| shape (C, K, h x w, H x W, B) | update, '
                               'label res. (s) | update, feature res. (s)')
    return [[cell.strip() for cell in line.strip('|').split('|')]
            for line in lines[2:] if line.startswith('| ')]


def test_custom_shape(tmp_path):
    out = tmp_path / 'cost.md'
    run_script(TOOL, '--shape', '16', '5', '6', '7', '23', '29', '2',
               '--repeats', '1', '--out', str(out))
    (row, ) = rows(out)
    result = json.loads((tmp_path / 'cost.json').read_text())['custom']
    assert row[0] == 'custom: 16, 5, 6x7, 23x29, 2'
    old, new = (result['seconds'][n]
                for n in ('label resolution', 'feature resolution'))
    assert row[1:4] == [f'{old:.3g}', f'{new:.3g}', f'{old / new:.1f}x']
    # the same update: both memories agree to fp32 round-off
    assert result['max_abs_diff'] <= 1e-5 * result['max_abs']
    assert all(v > 0 for v in result['peak_bytes'].values())
    assert row[6:8] == ['-', '-']  # no models for a shape of one's own


def test_peak_memory(tmp_path):
    """The label-resolution update holds the C x H x W resized features at
    least (so the measurement sees them); the feature-resolution one holds
    no tensor of that size: under a tenth of the other's peak."""
    out = tmp_path / 'cost.md'
    channels, height, width = 512, 64, 64
    run_script(TOOL, '--shape', str(channels), '3', '8', '8', str(height),
               str(width), '1', '--repeats', '1', '--out', str(out))
    (row, ) = rows(out)
    peak = json.loads((tmp_path / 'cost.json').read_text())['custom'][
        'peak_bytes']
    old, new = peak['label resolution'], peak['feature resolution']
    assert old >= channels * height * width * 4
    assert 0 < new < 0.1 * old
    assert row[4:6] == [f'{old / 2**20:.0f} / {new / 2**20:.0f}',
                        f'{new / old:.1%}']


def test_demo_shape_with_its_models(tmp_path):
    """The update's share of an FCN + MCIBI iteration and FCN + MCIBI / FCN
    come from iterations of the demo configs measured in the same run."""
    out = tmp_path / 'cost.md'
    run_script(TOOL, '--shapes', 'demo', '--repeats', '1', '--out', str(out))
    (row, ) = rows(out)
    result = json.loads((tmp_path / 'cost.json').read_text())['demo']
    seconds = result['seconds']
    assert set(seconds) == {'label resolution', 'feature resolution', 'FCN',
                            'FCN+MCIBI'}
    share = seconds['feature resolution'] / seconds['FCN+MCIBI']
    assert row[6] == f'{share:.1%}'
    assert row[7] == f'{seconds["FCN+MCIBI"] / seconds["FCN"]:.2f}x'
    assert result['max_abs_diff'] <= 1e-5 * result['max_abs']
