# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""MCIBIMemoryHook with mmengine's stock Runner on a tiny ContextShapes."""
import subprocess

import pytest
import torch
from config_writers import memory_dump, tiny_mcibi
from helpers import ROOT, free_port, tool_env
from mmengine.config import Config
from mmengine.runner import Runner

from mmseg_ctx.engine.hooks import MCIBIMemoryHook
from mmseg_ctx.models.utils import FeatureMemory, memory_momentum


def test_updates_after_every_iteration_with_eq7_momentum(
        tmp_path, tiny_data, monkeypatch):
    applied = []
    update = FeatureMemory.update

    def spy(self, feats, labels, momentum):
        applied.append(momentum)
        return update(self, feats, labels, momentum)

    monkeypatch.setattr(FeatureMemory, 'update', spy)
    runner = Runner.from_cfg(tiny_mcibi(tmp_path, tiny_data))
    runner.train()
    assert applied == pytest.approx([memory_momentum(t, 4) for t in range(4)])
    momentum = runner.message_hub.get_scalar('train/memory_momentum')
    assert momentum.current() == pytest.approx(memory_momentum(3, 4))
    assert momentum.data[0].tolist() == pytest.approx(
        [memory_momentum(t, 4) for t in range(4)])
    states = [memory_dump(tmp_path, f'iter{t}')['memory'] for t in range(4)]
    assert all(not torch.equal(a, b) for a, b in zip(states, states[1:]))
    assert memory_dump(tmp_path, 'iter3')['initialized'].sum() >= 3


def test_init_momentum_is_m0_of_eq7(tmp_path, tiny_data, monkeypatch):
    """The hook's ``init_momentum`` is m0: the momentum of iteration 0;
    outside (0, 1] it is refused with its value."""
    applied = []
    update = FeatureMemory.update
    monkeypatch.setattr(
        FeatureMemory, 'update', lambda self, f, lab, m:
        (applied.append(m), update(self, f, lab, m))[1])
    cfg = tiny_mcibi(tmp_path, tiny_data)
    cfg.custom_hooks[0].init_momentum = 0.5
    Runner.from_cfg(cfg).train()
    assert applied[0] == pytest.approx(0.5)
    assert applied == pytest.approx(
        [memory_momentum(t, 4, m0=0.5) for t in range(4)])
    with pytest.raises(ValueError, match=r'init_momentum .*got 1\.5'):
        MCIBIMemoryHook(init_momentum=1.5)


def test_without_the_hook_training_stops_at_once(tmp_path, tiny_data):
    cfg = tiny_mcibi(tmp_path, tiny_data)
    cfg.custom_hooks = []
    runner = Runner.from_cfg(cfg)
    with pytest.raises(RuntimeError, match='MCIBIMemoryHook'):
        runner.train()
    assert runner.iter == 0


def test_hook_without_mcibi_head_is_refused(tmp_path, tiny_data):
    cfg = tiny_mcibi(tmp_path, tiny_data)
    cfg.model.decode_head = dict(
        type='FCNHead', in_channels=64, channels=16, num_classes=9,
        in_index=3)
    cfg.custom_hooks = [dict(type='MCIBIMemoryHook')]
    with pytest.raises(ValueError, match='found no MCIBIHead'):
        Runner.from_cfg(cfg).train()


def test_too_few_classes_are_named_before_the_loss(tmp_path, tiny_data):
    """ContextShapes has 9 classes; cross-entropy would fail with a bare
    'Target 8 is out of bounds' and no file."""
    cfg = tiny_mcibi(tmp_path, tiny_data)
    cfg.model.decode_head.num_classes = 5
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=r'label [5-8] in \S+\.png is '
                       r'outside \[0, 5\).*MCIBIHead has num_classes=5'):
        runner.train()


def test_epoch_based_loop(tmp_path, tiny_data):
    cfg = tiny_mcibi(tmp_path, tiny_data)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2,
                         val_interval=2)
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.max_iters == 6  # 6 images, batch 2, 2 epochs
    momentum = runner.message_hub.get_scalar('train/memory_momentum')
    assert momentum.data[0].tolist() == pytest.approx(
        [memory_momentum(t, 6) for t in range(6)])


def epoch_mcibi(tmp_path, tiny_data, name: str, max_epochs: int,
                batch_size: int) -> Config:
    cfg = tiny_mcibi(tmp_path, tiny_data, name)
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                         val_interval=max_epochs)
    cfg.train_dataloader.batch_size = batch_size
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
    return cfg


def test_epoch_resume_with_another_batch_size_follows_progress(
        tmp_path, tiny_data):
    """Epoch 1 at batch 1 (6 iterations), resumed for epoch 2 at batch 3:
    mmengine's max_iters is then 2 * 2 = 4 while the runner's iteration
    is 6; the momentum follows (epoch + batch_idx / n) / max_epochs."""
    cfg = epoch_mcibi(tmp_path, tiny_data, 'first.py', 1, 1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    Runner.from_cfg(cfg).train()

    cfg = epoch_mcibi(tmp_path, tiny_data, 'resumed.py', 2, 3)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (runner.iter, runner.max_iters) == (8, 4)
    momentum = runner.message_hub.get_scalar('train/memory_momentum')
    assert momentum.data[0].tolist()[-2:] == pytest.approx(
        [memory_momentum(2, 4), memory_momentum(3, 4)])


def test_epoch_resume_mid_epoch_follows_progress(tmp_path, tiny_data):
    """Resumed from iteration 2 of a 3-batch epoch, mmengine runs epoch 0
    again from its first batch, so the runner's iteration ends at 8 of
    max_iters 6; the momentum restarts with the epoch."""
    cfg = epoch_mcibi(tmp_path, tiny_data, 'first.py', 2, 2)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=2, by_epoch=False)
    Runner.from_cfg(cfg).train()

    cfg = epoch_mcibi(tmp_path, tiny_data, 'resumed.py', 2, 2)
    cfg.load_from = str(tmp_path / 'work' / 'iter_2.pth')
    cfg.resume = True
    cfg.work_dir = str(tmp_path / 'resumed')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (runner.iter, runner.max_iters) == (8, 6)
    momentum = runner.message_hub.get_scalar('train/memory_momentum')
    assert momentum.data[0].tolist()[-6:] == pytest.approx(
        [memory_momentum(t, 6) for t in range(6)])


def test_resume_restores_memory_and_schedule(tmp_path, tiny_data):
    Runner.from_cfg(tiny_mcibi(tmp_path, tiny_data)).train()
    checkpoint = torch.load(str(tmp_path / 'work' / 'iter_4.pth'),
                            weights_only=False)['state_dict']

    cfg = tiny_mcibi(tmp_path, tiny_data, name='longer.py')
    cfg.resume = True
    cfg.train_cfg.max_iters = 6
    runner = Runner.from_cfg(cfg)
    runner.train()
    start = memory_dump(tmp_path, 'start4')
    assert torch.equal(start['memory'],
                       checkpoint['decode_head.memory.memory'])
    assert torch.equal(start['initialized'],
                       checkpoint['decode_head.memory.initialized'])
    momentum = runner.message_hub.get_scalar('train/memory_momentum')
    assert momentum.current() == pytest.approx(memory_momentum(5, 6))


def test_two_processes_hold_identical_memory(tmp_path, tiny_data):
    cfg = tiny_mcibi(tmp_path, tiny_data)
    cfg.dump(str(tmp_path / 'dist.py'))
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(tmp_path / 'dist.py'), '2',
         '--work-dir', str(tmp_path / 'dist_work')],
        cwd=ROOT, env=tool_env(PORT=str(free_port()), CUDA_VISIBLE_DEVICES=''),
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    for t in range(4):
        rank0, rank1 = memory_dump(tmp_path, f'iter{t}', 0), memory_dump(
            tmp_path, f'iter{t}', 1)
        assert torch.equal(rank0['memory'], rank1['memory'])
        assert torch.equal(rank0['initialized'], rank1['initialized'])
    assert memory_dump(tmp_path, 'iter3')['initialized'].any()
    assert not torch.equal(memory_dump(tmp_path, 'iter0')['memory'],
                           memory_dump(tmp_path, 'iter3')['memory'])
