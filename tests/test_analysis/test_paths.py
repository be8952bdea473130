# Copyright (c) mmseg_ctx contributors. All rights reserved.
import os.path as osp

from helpers import ROOT

from mmseg_ctx.analysis.paths import ROOT as PACKAGE_ROOT
from mmseg_ctx.analysis.paths import config_file


def test_config_file_of_each_kind_of_key():
    """Repository-relative, absolute, and ``mmseg::`` through the hub."""
    assert PACKAGE_ROOT == ROOT
    key = 'configs/fcn/fcn_r18s-d8_1xb8-800it_camvid-180x240.py'
    assert config_file(key) == osp.join(ROOT, key)
    assert config_file(osp.join(ROOT, key)) == osp.join(ROOT, key)
    path = config_file('mmseg::fcn/fcn_r50-d8_4xb4-160k_ade20k-512x512.py')
    assert osp.isfile(path)
    assert path.endswith(osp.join('configs', 'fcn',
                                  'fcn_r50-d8_4xb4-160k_ade20k-512x512.py'))
