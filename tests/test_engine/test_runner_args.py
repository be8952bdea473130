# Copyright (c) mmseg_ctx contributors. All rights reserved.
import argparse
import logging
import os
import os.path as osp

import pytest
from mmengine.config import DictAction
from mmengine.logging import print_log

from mmseg_ctx.engine import (add_runner_args, load_runner_config,
                              parse_runner_args, unknown_options)


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def test_work_dir_priority_and_options(tmp_path):
    plain = write(tmp_path / 'plain_cfg.py', 'a = dict(b=1)\n')
    cfg = load_runner_config(plain, cfg_options={'a.b': 2})
    assert cfg.launcher == 'none' and cfg.a.b == 2
    assert cfg.work_dir == osp.join('./work_dirs', 'plain_cfg')
    assert 'model_wrapper_cfg' not in cfg

    with_dir = write(tmp_path / 'with_dir.py', "work_dir = 'from_cfg'\n")
    assert load_runner_config(with_dir).work_dir == 'from_cfg'
    assert load_runner_config(with_dir, work_dir='cli').work_dir == 'cli'


def test_runner_args(monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    parser = argparse.ArgumentParser()
    add_runner_args(parser)
    monkeypatch.setattr('sys.argv', [
        'train.py', '--launcher', 'pytorch', '--local-rank', '3',
        '--cfg-options', 'model.x=1', 'y=[1,2]'
    ])
    args = parse_runner_args(parser)
    assert args.launcher == 'pytorch'
    assert args.cfg_options == {'model.x': 1, 'y': [1, 2]}
    assert os.environ['LOCAL_RANK'] == '3'

    # torchrun's LOCAL_RANK wins over the default of the option
    monkeypatch.setenv('LOCAL_RANK', '1')
    monkeypatch.setattr('sys.argv', ['train.py'])
    parse_runner_args(parser)
    assert os.environ['LOCAL_RANK'] == '1'


def test_misspelt_options_are_named_with_the_close_match(tmp_path):
    cfg = load_runner_config(write(
        tmp_path / 'c.py', 'train_cfg = dict(max_iters=4)\n'
        'param_scheduler = [dict(end=4)]\n'))
    assert unknown_options(cfg, {'train_cfg.max_iters': 5,
                                 'param_scheduler.0.end': 5}) == []
    assert unknown_options(cfg, {
        'train_cgf.max_iters': 5,
        'train_cfg.max_iter': 5,
        'brand_new': 1
    }) == [
        "--cfg-options train_cgf.max_iters: the config has no key "
        "'train_cgf', it is added (did you mean 'train_cfg'?)",
        "--cfg-options train_cfg.max_iter: train_cfg has no key 'max_iter', "
        "it is added (did you mean 'train_cfg.max_iters'?)",
        "--cfg-options brand_new: the config has no key 'brand_new', it is "
        "added",
    ]


def test_load_runner_config_warns_of_unknown_options(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr('mmseg_ctx.engine.runner_args.print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs)))
    path = write(tmp_path / 'c.py', 'train_cfg = dict(max_iters=4)\n')
    cfg = load_runner_config(path, cfg_options={'train_cgf.max_iters': 5})
    assert cfg.train_cfg.max_iters == 4 and cfg.train_cgf.max_iters == 5
    assert len(logged) == 1 and "did you mean 'train_cfg'?" in logged[0][0]
    assert logged[0][1]['level'] == logging.WARNING
    print_log(*logged[0][:1], **logged[0][1])  # what mmengine accepts


OPTIONS_CONFIG = ('train_cfg = dict(max_iters=4)\n'
                  'model = dict(decode_head=dict(num_classes=9, '
                  'dropout_ratio=0, in_index=3, align_corners=False))\n'
                  'optim_wrapper = dict(optimizer=dict(lr=0.01), '
                  'loss_scale=512.)\n'
                  "param_scheduler = [dict(type='PolyLR', end=4)]\n"
                  'randomness = dict(seed=0)\n')


@pytest.mark.parametrize('option,message', [
    ('model.decode_head.num_classes=nine',
     "--cfg-options model.decode_head.num_classes='nine': the config has 9 "
     "there (int), so it takes an int, not the string 'nine'"),
    ('train_cfg.max_iters=ten',
     "--cfg-options train_cfg.max_iters='ten': the config has 4 there "
     "(int), so it takes an int, not the string 'ten'"),
    ('model.decode_head.align_corners=yes', "(bool), so it takes a bool"),
    ('param_scheduler.7.end=10',
     '--cfg-options param_scheduler.7.end=10: param_scheduler is a list of 1 '
     '(indices 0..0), so it has no 7'),
    ('randomness.seed=-1',
     '--cfg-options randomness.seed=-1: a seed is an int in [0, 4294967295]'),
])
def test_options_of_the_wrong_type_are_named(tmp_path, option, message):
    """Each would end later in a message without the option (torch's string
    formatting, int(), numpy, a raw KeyError)."""
    parsed = argparse.Namespace()
    DictAction(['--x'], 'x')(None, parsed, [option])
    with pytest.raises(ValueError) as error:
        load_runner_config(write(tmp_path / 'c.py', OPTIONS_CONFIG),
                           cfg_options=parsed.x)
    assert message in str(error.value)


def test_options_mmseg_configs_take_are_merged(tmp_path):
    """Numbers for numbers of either kind, a list for a number, a string
    for a float (``loss_scale``), None for anything."""
    options = {
        'optim_wrapper.optimizer.lr': 1, 'randomness.seed': None,
        'train_cfg.max_iters': 1e4, 'param_scheduler.0.end': 8,
        'model.decode_head.dropout_ratio': 0.1,
        'model.decode_head.in_index': [0, 1, 2, 3],
        'optim_wrapper.loss_scale': 'dynamic'
    }
    cfg = load_runner_config(write(tmp_path / 'c.py', OPTIONS_CONFIG),
                             cfg_options=options)
    for key, value in options.items():
        node = cfg
        for part in key.split('.'):
            node = node[int(part)] if part.isdigit() else node[part]
        assert node == value, key


def test_the_runner_refuses_a_seed_numpy_would(tiny_config, tmp_path):
    """Whatever set it (mmseg's tools/train.py merges --cfg-options before
    building our runner)."""
    from mmengine.config import Config

    from mmseg_ctx.engine import build_runner
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path)
    cfg.randomness = dict(seed=2**32)
    with pytest.raises(ValueError, match=r'randomness\.seed=4294967296: a '
                       r'seed is an int in \[0, 4294967295\]'):
        build_runner(cfg)
