# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging
import os

import pytest
import torch.distributed as torch_dist
from helpers import free_port
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import MODEL_WRAPPERS

from mmseg_ctx.engine import (CPUDistributedDataParallel, launcher,
                              setup_cpu_distributed)


@pytest.fixture
def single_process_env(monkeypatch):
    """What torchrun sets for a world of one; the group is torn down after."""
    for key, value in dict(
            RANK='0', LOCAL_RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
            MASTER_PORT=str(free_port())).items():
        monkeypatch.setenv(key, value)
    yield
    if torch_dist.is_initialized():
        torch_dist.destroy_process_group()


def on_device(monkeypatch, device: str) -> None:
    monkeypatch.setattr(launcher, 'get_device', lambda: device)


def test_nothing_without_launcher(monkeypatch):
    on_device(monkeypatch, 'cpu')
    cfg = Config(dict(launcher='none'))
    assert not setup_cpu_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg
    assert not torch_dist.is_initialized()


@pytest.mark.parametrize('device', ['cuda', 'npu', 'mlu'])
def test_stock_path_with_an_accelerator(monkeypatch, single_process_env,
                                        device):
    on_device(monkeypatch, device)
    cfg = Config(dict(launcher='pytorch'))
    assert not setup_cpu_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg
    assert not torch_dist.is_initialized()


def test_gloo_path_on_cpu(monkeypatch, single_process_env):
    on_device(monkeypatch, 'cpu')
    cfg = Config(
        dict(
            launcher='pytorch',
            model_wrapper_cfg=dict(find_unused_parameters=True)))
    assert setup_cpu_distributed(cfg)
    assert torch_dist.is_initialized()
    assert torch_dist.get_backend() == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='mmseg.CPUDistributedDataParallel',
        device_ids=None,
        broadcast_buffers=True,  # rank 0's BN statistics everywhere
        find_unused_parameters=True)
    # found from mmengine's root registry, as Runner.wrap_model looks it up
    assert MODEL_WRAPPERS.get(
        cfg.model_wrapper_cfg['type']) is CPUDistributedDataParallel


def test_top_level_find_unused_parameters_kept(monkeypatch,
                                               single_process_env):
    """mmengine reads it from the top level when there is no wrapper cfg."""
    on_device(monkeypatch, 'cpu')
    cfg = Config(dict(launcher='pytorch', find_unused_parameters=True))
    assert setup_cpu_distributed(cfg)
    assert cfg.model_wrapper_cfg['find_unused_parameters'] is True


def test_other_wrapper_refused(monkeypatch, single_process_env):
    on_device(monkeypatch, 'cpu')
    cfg = Config(
        dict(
            launcher='pytorch',
            model_wrapper_cfg=dict(type='MMFullyShardedDataParallel')))
    with pytest.raises(ValueError, match='MMFullyShardedDataParallel'):
        setup_cpu_distributed(cfg)
    assert not torch_dist.is_initialized()


def test_release_destroys_the_group(single_process_env):
    launcher.release_distributed()  # nothing to release: no error
    torch_dist.init_process_group('gloo')
    assert torch_dist.is_initialized()
    launcher.release_distributed()
    assert not torch_dist.is_initialized()


def test_unused_dist_cfg_keys_are_named(monkeypatch, single_process_env):
    on_device(monkeypatch, 'cpu')
    logged = []
    monkeypatch.setattr(launcher, 'print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs)))
    cfg = Config(dict(launcher='pytorch', env_cfg=dict(dist_cfg=dict(
        backend='nccl', timeout=60, init_method='tcp://x:1', rank=3))))
    assert setup_cpu_distributed(cfg)
    assert [msg for msg, _ in logged] == [
        "env_cfg.dist_cfg keys ['init_method', 'rank'] are not used on CPU: "
        'the processes meet over gloo (whatever dist_cfg.backend says) and '
        'take only dist_cfg.timeout (and dist_cfg.port under Slurm)'
    ]
    assert logged[0][1]['level'] == logging.WARNING
    print_log(*logged[0][:1], **logged[0][1])  # what mmengine accepts


def test_slurm_launcher_on_cpu(monkeypatch):
    """What srun sets for one task; MASTER_ADDR given (no scontrol)."""
    on_device(monkeypatch, 'cpu')
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_PORT'):
        monkeypatch.setenv(key, 'unset')  # undone after the test
    for key, value in dict(SLURM_PROCID='0', SLURM_NTASKS='1',
                           SLURM_LOCALID='0', SLURM_NODELIST='localhost',
                           MASTER_ADDR='127.0.0.1').items():
        monkeypatch.setenv(key, value)
    port = free_port()
    cfg = Config(dict(launcher='slurm',
                      env_cfg=dict(dist_cfg=dict(backend='nccl', port=port))))
    try:
        assert setup_cpu_distributed(cfg)
        assert torch_dist.get_backend() == 'gloo'
        assert torch_dist.get_world_size() == 1
        assert os.environ['MASTER_PORT'] == str(port)
        assert (os.environ['RANK'], os.environ['WORLD_SIZE']) == ('0', '1')
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()


def test_slurm_launcher_outside_slurm_is_named(monkeypatch):
    on_device(monkeypatch, 'cpu')
    for key in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(RuntimeError, match=r"--launcher slurm outside a "
                       r"Slurm task: \['SLURM_PROCID'"):
        setup_cpu_distributed(Config(dict(launcher='slurm')))
