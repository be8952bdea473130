# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""RNGStateHook: a resumed run equals the uninterrupted one bit for bit on
CPU, dropout, augmentation and MCIBI's memory included."""
import os
import os.path as osp
import subprocess

import pytest
import torch
from config_writers import MCIBI_FCN, write_tiny_config
from helpers import ROOT, free_port, tool_env
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmseg_ctx.engine import add_rng_state_hook
from mmseg_ctx.engine.hooks import get_rng_state, set_rng_state
from mmseg_ctx.engine.hooks.rng_state_hook import CHECKPOINT_KEY


def config(tmp_path, data_root: str, work: str, epochs: bool = False,
           rng_hook: bool = True) -> Config:
    """The tiny FCN+MCIBI (dropout 0.1 in both heads, random crop and
    flip, random memory initialisation), 6 iterations or 2 epochs of 3,
    a checkpoint and a validation half way."""
    path = write_tiny_config(str(tmp_path / f'{work}.py'), data_root,
                             base=MCIBI_FCN, iters=6)
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp_path / work)
    if epochs:
        cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2,
                             val_interval=1)
        cfg.train_dataloader.sampler = dict(type='DefaultSampler',
                                            shuffle=True)
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                            interval=1)
        cfg.param_scheduler = [dict(type='PolyLR', power=0.9, end=2)]
    else:
        cfg.train_cfg.val_interval = 3
        cfg.default_hooks.checkpoint.interval = 3
    cfg.randomness = dict(seed=0)
    if rng_hook:
        add_rng_state_hook(cfg)
    return cfg


def weights(path: str) -> dict:
    return torch.load(path, weights_only=False)['state_dict']


def assert_same(resumed: dict, straight: dict) -> None:
    assert resumed.keys() == straight.keys()
    different = [k for k in straight if not torch.equal(resumed[k],
                                                        straight[k])]
    assert not different, different


def any_different(resumed: dict, straight: dict) -> bool:
    return any(not torch.equal(resumed[k], straight[k]) for k in straight)


@pytest.mark.parametrize('epochs', [False, True], ids=['iters', 'epochs'])
def test_resumed_run_equals_uninterrupted_run(tmp_path, tiny_data, epochs):
    straight = config(tmp_path, tiny_data, 'straight', epochs)
    Runner.from_cfg(straight).train()
    half, last = ['epoch_1.pth', 'epoch_2.pth'
                  ] if epochs else ['iter_3.pth', 'iter_6.pth']
    checkpoint = osp.join(straight.work_dir, half)
    assert len(torch.load(checkpoint, weights_only=False)[CHECKPOINT_KEY]) \
        == 1  # one process, one state
    final = weights(osp.join(straight.work_dir, last))

    for name, drop_rng in (('resumed', False), ('no_states', True)):
        cfg = config(tmp_path, tiny_data, name, epochs)
        os.makedirs(cfg.work_dir)
        state = torch.load(checkpoint, weights_only=False)
        if drop_rng:  # what a checkpoint without the hook holds
            del state[CHECKPOINT_KEY]
        cfg.load_from = osp.join(cfg.work_dir, 'start.pth')
        torch.save(state, cfg.load_from)
        cfg.resume = True
        Runner.from_cfg(cfg).train()
        resumed = weights(osp.join(cfg.work_dir, last))
        if drop_rng:  # the test tells the two apart
            assert any_different(resumed, final)
        else:
            assert_same(resumed, final)  # BN statistics and memory too


class RecordTorchState(Hook):
    priority = 'LOWEST'  # after RNGStateHook's before_train

    def before_train_epoch(self, runner) -> None:
        self.state = torch.get_rng_state()


def torch_state_at_start(cfg: Config) -> torch.Tensor:
    runner = Runner.from_cfg(cfg)
    record = RecordTorchState()
    runner.register_hook(record)
    runner.train()
    return record.state


def test_weights_only_load_restores_nothing(tmp_path, tiny_data):
    """``load_from`` without resume starts a new run: its generators are
    the seeded ones, as in a run from scratch, not the checkpoint's."""
    first = config(tmp_path, tiny_data, 'first')
    scratch = torch_state_at_start(first)
    again = config(tmp_path, tiny_data, 'again')
    again.load_from = osp.join(first.work_dir, 'iter_6.pth')
    saved = torch.load(again.load_from, weights_only=False)[CHECKPOINT_KEY]
    loaded = torch_state_at_start(again)
    assert torch.equal(loaded, scratch)
    assert not torch.equal(loaded, saved[0]['torch'])


def test_add_rng_state_hook_once():
    cfg = Config(dict(custom_hooks=[dict(type='MCIBIMemoryHook')]))
    add_rng_state_hook(cfg)
    add_rng_state_hook(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == [
        'MCIBIMemoryHook', 'RNGStateHook', 'EvalDeterminismHook'
    ]


def dist_train(cfg: Config, path: str, *args: str) -> None:
    cfg.dump(path)
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', path, '2', *args], cwd=ROOT,
        env=tool_env(PORT=str(free_port()), CUDA_VISIBLE_DEVICES=''),
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def test_two_processes_resume_bit_exact(tmp_path, tiny_data):
    """Each rank's generators, gathered to the rank that writes the
    checkpoint (tools/train.py adds the hook), restored on resume; the BN
    statistics are rank 0's on every rank (broadcast_buffers, see
    setup_cpu_distributed), so the checkpoint holds all the state."""
    straight = config(tmp_path, tiny_data, 'straight', rng_hook=False)
    dist_train(straight, str(tmp_path / 'straight_cfg.py'))
    checkpoint = osp.join(straight.work_dir, 'iter_3.pth')
    assert len(torch.load(checkpoint,
                          weights_only=False)[CHECKPOINT_KEY]) == 2
    final = weights(osp.join(straight.work_dir, 'iter_6.pth'))

    for name, drop_rng in (('resumed', False), ('no_states', True)):
        cfg = config(tmp_path, tiny_data, name, rng_hook=False)
        os.makedirs(cfg.work_dir)
        state = torch.load(checkpoint, weights_only=False)
        if drop_rng:
            del state[CHECKPOINT_KEY]
        torch.save(state, osp.join(cfg.work_dir, 'iter_3.pth'))
        with open(osp.join(cfg.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(cfg.work_dir, 'iter_3.pth'))
        dist_train(cfg, str(tmp_path / f'{name}_cfg.py'), '--resume')
        resumed = weights(osp.join(cfg.work_dir, 'iter_6.pth'))
        if drop_rng:
            assert any_different(resumed, final)
        else:
            assert_same(resumed, final)


def test_states_restore_from_the_device(device):
    """mmengine's resume maps a checkpoint's tensors onto the GPU, the
    generators' states too: they are restored all the same (torch takes
    CPU byte tensors only)."""
    state = get_rng_state()
    drawn = torch.rand(3), torch.rand(3, device=device)
    on_device = dict(state, torch=state['torch'].to(device))
    if 'cuda' in state:
        on_device['cuda'] = [s.to(device) for s in state['cuda']]
    set_rng_state(on_device)
    assert torch.equal(torch.rand(3), drawn[0])
    assert torch.equal(torch.rand(3, device=device), drawn[1])
