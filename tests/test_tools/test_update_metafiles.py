# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The model-zoo metadata is up to date with the configs and results."""
import glob
import json
import os.path as osp
import statistics

import yaml
from helpers import ROOT, run_script


def test_metafiles_are_up_to_date():
    assert 'up to date' in run_script('tools/misc/update_metafiles.py',
                                      '--check')


def test_every_config_and_measured_result_is_indexed():
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    models = {}
    for metafile in imports:
        with open(osp.join(ROOT, metafile)) as f:
            for model in yaml.safe_load(f)['Models']:
                models[model['Config']] = model
    folders = {osp.dirname(m) for m in imports}
    configs = {
        osp.relpath(p, ROOT)
        for folder in folders
        for p in glob.glob(osp.join(ROOT, folder, '*.py'))
    }
    assert set(models) == configs
    with open(osp.join(ROOT, 'benchmarks', 'camvid', 'results.json')) as f:
        runs = json.load(f)['runs']
    for config in {r['config'] for r in runs}:
        mean = statistics.mean(r['val']['mIoU'] for r in runs
                               if r['config'] == config)
        metrics = models[config]['Results']['Metrics']
        assert metrics['mIoU'] == round(mean, 2)
