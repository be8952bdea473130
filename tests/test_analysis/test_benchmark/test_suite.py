# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Suites: the pairs read and checked before anything trains, config
names, and every pair of the shipped suites differing only in the keys it
is about."""
import glob
import os.path as osp

import pytest
from config_writers import FCN_DEMO
from helpers import ROOT
from mmengine.config import Config

from mmseg_ctx.analysis.benchmark import (Pair, SuiteError, check_pairs,
                                          config_differences, load_configs,
                                          load_suite, undeclared_differences)
from mmseg_ctx.analysis.benchmark.suite import (config_file, config_key,
                                                config_name)

SUITES = sorted(glob.glob(osp.join(ROOT, 'configs', 'benchmarks', '*.py')))


def test_config_names():
    """Configs are named relative to the repository when inside it,
    absolute elsewhere, as given for a package's (``mmseg::``)."""
    configs = osp.join(ROOT, 'configs')
    assert config_key('../configs/fcn/a.py', configs) == osp.join(
        'configs', 'fcn', 'a.py')
    assert config_key('a.py', '/elsewhere') == '/elsewhere/a.py'
    key = 'mmseg::fcn/fcn_r50-d8_4xb4-160k_ade20k-512x512.py'
    assert config_key(key, '/elsewhere') == key
    assert config_name(key) == 'fcn_r50-d8_4xb4-160k_ade20k-512x512'
    assert Config.fromfile(config_file(key)).crop_size == (512, 512)


@pytest.mark.parametrize('text, error', [
    (None, 'does not exist'),
    ('pairs = []', 'must hold a non-empty list `suite`'),
    ('suite = []', 'must hold a non-empty list `suite`'),
    ('suite = [dict(name="a", baseline="b.py")]', "lacks ['method']"),
    ('suite = [dict(name="a", method="m.py", baseline="b.py", about=1)]',
     "unknown keys ['about']"),
    ('suite = ["a.py"]', 'a pair must be a dict'),
    ('suite = [dict(name="a", method="m.py", baseline="b.py"), '
     'dict(name="a", method="m.py", baseline="c.py")]', 'names repeat'),
    ('suite = [dict(name="a", method="x/m.py", baseline="y/m.py")]',
     'share a file name'),
    ('suite = [', 'cannot read the suite file'),
])
def test_bad_suites(tmp_path, text, error):
    path = tmp_path / 'suite.py'
    if text is not None:
        path.write_text(text)
    with pytest.raises(SuiteError, match=error.replace('[', r'\[')) as info:
        load_suite(str(path))
    if 'share' not in error and 'repeat' not in error:
        assert str(path) in str(info.value)


def test_no_pairs():
    with pytest.raises(SuiteError, match='no pairs'):
        load_suite(None, [])


def test_pairs_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (pair, ) = load_suite(None, [('p', 'm.py', FCN_DEMO)])
    assert pair == Pair('p', str(tmp_path / 'm.py'),
                        osp.relpath(FCN_DEMO, ROOT))


def test_missing_and_broken_configs(tmp_path):
    suite = [Pair('p', FCN_DEMO, str(tmp_path / 'none.py'))]
    with pytest.raises(SuiteError,
                       match="pair 'p': the baseline config .*none.py does "
                       'not exist'):
        load_configs(suite)
    broken = tmp_path / 'broken.py'
    broken.write_text("_base_ = './missing_base.py'\n")
    with pytest.raises(SuiteError,
                       match="pair 'p': cannot load the method config"):
        load_configs([Pair('p', str(broken), FCN_DEMO)])


def test_differences(tmp_path):
    other = tmp_path / 'other.py'
    other.write_text(f'_base_ = {FCN_DEMO!r}\n'
                     'model = dict(decode_head=dict(dropout_ratio=0.3))\n'
                     'train_cfg = dict(max_iters=7)\n'
                     'unused_variable = 1\n')
    suite = [Pair('p', str(other), FCN_DEMO, ('model.decode_head', ))]
    configs = load_configs(suite)
    method, baseline = configs[str(other)], configs[FCN_DEMO]
    # variables of the config files are not the Runner's
    assert config_differences(method, baseline) == [
        'model.decode_head.dropout_ratio', 'train_cfg.max_iters'
    ]
    assert undeclared_differences(suite[0], method,
                                  baseline) == ['train_cfg.max_iters']
    with pytest.raises(SuiteError, match=r"pair 'p': the configs differ in "
                       r"\['train_cfg.max_iters'\]"):
        check_pairs(suite, configs)
    suite[0].differs += ('train_cfg.max_iters', )
    check_pairs(suite, configs)
    # --cfg-options reach every config
    configs = load_configs(suite, {'train_cfg.max_iters': 3})
    assert configs[FCN_DEMO].train_cfg.max_iters == 3
    assert config_differences(configs[str(other)], configs[FCN_DEMO]) == [
        'model.decode_head.dropout_ratio'
    ]


@pytest.mark.parametrize('suite_file', SUITES, ids=osp.basename)
def test_every_pair_differs_only_in_what_it_is_about(suite_file):
    """The shipped suites' pairs declare what they are about, and their
    resolved configs differ there and nowhere else."""
    suite = load_suite(suite_file)
    configs = load_configs(suite)
    for pair in suite:
        assert pair.differs, f'{pair.name} declares no differs'
        method, baseline = configs[pair.method], configs[pair.baseline]
        assert undeclared_differences(pair, method, baseline) == [], \
            pair.name
        differences = config_differences(method, baseline)
        for key in pair.differs:  # nothing declared that does not differ
            assert any(d == key or d.startswith(f'{key}.')
                       for d in differences), (pair.name, key)
