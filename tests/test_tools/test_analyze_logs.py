# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""mmseg's analyze_logs.py plots our training logs (seaborn installed)."""
import glob
import os.path as osp

import mmseg
from helpers import run_script

ANALYZE_LOGS = osp.join(
    osp.dirname(mmseg.__file__), '.mim', 'tools', 'analysis_tools',
    'analyze_logs.py')


def test_plot_curve_of_a_training(tiny_config, tmp_path):
    work_dir = str(tmp_path / 'work')
    run_script('tools/train.py', tiny_config, '--work-dir', work_dir)
    scalars, = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    out = str(tmp_path / 'loss.png')
    printed = run_script(ANALYZE_LOGS, scalars, '--keys', 'loss',
                         'decode.loss_ce', '--backend', 'agg', '--out', out)
    assert f'save curve to: {out}' in printed
    assert osp.getsize(out) > 0
