# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""ContextRunner: the set-up of a run for every entry point, mmseg's own
``tools/train.py`` included (through ``runner_type``)."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import mmseg
import pytest
import torch
from config_writers import write_tiny_config
from helpers import ROOT, tool_env
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import RUNNERS

from mmseg_ctx.engine import ContextRunner, build_runner
from mmseg_ctx.engine.optim import cpu_amp_optim_wrapper

#: mmseg's own training script, the one ``mim train mmsegmentation`` runs
MMSEG_TRAIN = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                       'train.py')


def tiny(tiny_data, tmp_path, name='tiny.py', runner_type=True) -> str:
    path = write_tiny_config(str(tmp_path / name), tiny_data)
    if runner_type:
        with open(path, 'a') as f:
            f.write("runner_type = 'ContextRunner'\n")
    return path


def hook_types(runner) -> list:
    return [type(hook).__name__ for hook in runner.hooks]


def test_from_cfg_prepares_a_copy(tiny_data, tmp_path):
    """The hooks that make resume exact join the run, the caller's config
    stays as it was, and a weights-only ``load_from`` with ``resume``
    starts from those weights rather than failing."""
    cfg = Config.fromfile(tiny(tiny_data, tmp_path, runner_type=False))
    cfg.work_dir = str(tmp_path / 'work')
    weights = str(tmp_path / 'weights.pth')
    init_default_scope('mmseg')
    model = build_runner(dict(cfg, work_dir=str(tmp_path / 'w0'))).model
    torch.save(dict(state_dict=model.state_dict()), weights)
    cfg.merge_from_dict(dict(load_from=weights, resume=True))
    before = cfg.to_dict()
    runner = build_runner(cfg)
    assert isinstance(runner, ContextRunner)
    assert {'RNGStateHook', 'EvalDeterminismHook'} <= set(hook_types(runner))
    assert runner._resume is False and runner._load_from == weights
    assert cfg.to_dict() == before


@pytest.mark.parametrize('inside', ['', 'sub'])
def test_a_work_dir_that_is_a_file_is_named(tiny_data, tmp_path, inside):
    """``--work-dir`` naming a file (or a folder under one): named, where
    mmengine ends in a bare ``FileExistsError``."""
    cfg = Config.fromfile(tiny(tiny_data, tmp_path))
    taken = tmp_path / 'taken'
    taken.write_text('')
    cfg.work_dir = str(taken / inside) if inside else str(taken)
    with pytest.raises(NotADirectoryError,
                       match=f'work_dir {cfg.work_dir}: {taken} is a file, '
                       'not a folder'):
        build_runner(cfg)


def test_runner_type_builds_it_through_mmseg_registry(tiny_data, tmp_path):
    cfg = Config.fromfile(tiny(tiny_data, tmp_path))
    cfg.work_dir = str(tmp_path / 'work')
    runner = RUNNERS.build(cfg)
    assert type(runner) is ContextRunner
    assert 'RNGStateHook' in hook_types(runner)
    assert type(build_runner(cfg)) is ContextRunner


def test_amp_of_mmseg_tools_trains_in_bf16_on_a_cpu(tiny_data, tmp_path,
                                                    monkeypatch):
    """mmseg's ``--amp`` sets mmengine's AmpOptimWrapper with dynamic loss
    scaling, which refuses to run without an accelerator: ours runs bf16
    autocast instead (emulated where the CPU has no native bf16)."""
    monkeypatch.setattr(cpu_amp_optim_wrapper, 'cpu_supports_bf16',
                        lambda: True)
    cfg = Config.fromfile(tiny(tiny_data, tmp_path))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.optim_wrapper.update(type='AmpOptimWrapper', loss_scale='dynamic')
    runner = build_runner(cfg)
    assert runner.cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    assert 'loss_scale' not in runner.cfg.optim_wrapper
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # the caller's
    runner.train()
    assert type(runner.optim_wrapper).__name__ == 'CPUAmpOptimWrapper'
    assert runner.iter == 4


def test_too_few_classes_are_refused_before_training(tiny_data, tmp_path):
    cfg = Config.fromfile(tiny(tiny_data, tmp_path))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.model.decode_head.num_classes = 3
    runner = build_runner(cfg)
    with pytest.raises(ValueError, match='has num_classes=3 but the '
                       'training set has 9 classes'):
        runner.train()
    assert runner.iter == 0


def mmseg_train(config, work_dir, *options, script=MMSEG_TRAIN):
    return subprocess.run(
        [sys.executable, script, config, '--work-dir', work_dir, *options],
        env=tool_env(), capture_output=True, text=True, timeout=600)


def final_weights(work_dir):
    return torch.load(osp.join(work_dir, 'iter_4.pth'), map_location='cpu',
                      weights_only=False)['state_dict']


def assert_same_weights(first, second):
    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key


def test_mmseg_train_py_gives_our_train_py_run(tiny_data, tmp_path):
    """``mim train mmsegmentation CONFIG`` (mmseg's tools/train.py) and our
    tools/train.py train the same run, to the bit."""
    config = tiny(tiny_data, tmp_path)
    ours, theirs = str(tmp_path / 'ours'), str(tmp_path / 'theirs')
    for work_dir, script in ((ours, osp.join(ROOT, 'tools', 'train.py')),
                             (theirs, MMSEG_TRAIN)):
        proc = mmseg_train(config, work_dir, script=script)
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert_same_weights(final_weights(ours), final_weights(theirs))


def test_mmseg_train_py_resumes_bit_exactly(tiny_data, tmp_path):
    """mmseg's own ``tools/train.py`` (``mim train mmsegmentation``) on a
    config naming our runner: interrupted at iteration 2 and resumed, it
    ends with the weights of the straight run, random crops and flips
    included; and it refuses a head with too few classes."""
    config = tiny(tiny_data, tmp_path)
    interval = ['--cfg-options', 'default_hooks.checkpoint.interval=2']
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    proc = mmseg_train(config, straight, *interval)
    assert proc.returncode == 0, proc.stderr[-3000:]
    os.makedirs(resumed)
    shutil.copy(osp.join(straight, 'iter_2.pth'), resumed)
    with open(osp.join(resumed, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(resumed, 'iter_2.pth'))
    proc = mmseg_train(config, resumed, '--resume', *interval)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    assert_same_weights(final_weights(straight), final_weights(resumed))

    proc = mmseg_train(config, str(tmp_path / 'few'), '--cfg-options',
                       'model.decode_head.num_classes=3')
    assert proc.returncode != 0
    assert 'set num_classes=9' in proc.stderr
