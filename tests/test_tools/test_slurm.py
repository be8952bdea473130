# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""tools/slurm_train.sh and slurm_test.sh on a real single-node Slurm
(tests/local_slurm.py): two CPU tasks over gloo, whose MCIBI memories stay
equal, then a two-task test of the checkpoint."""
import os
import os.path as osp
import subprocess

import pytest
import torch
from helpers import (ROOT, assert_checkpoint_loads, free_port, memory_dump,
                     tiny_mcibi, tool_env)
from local_slurm import PARTITION, SlurmUnavailable, local_slurm


@pytest.fixture(scope='module')
def slurm(tmp_path_factory):
    cluster = local_slurm(str(tmp_path_factory.mktemp('slurm')))
    try:
        env = cluster.__enter__()
    except SlurmUnavailable as error:
        if os.environ.get('CI'):
            pytest.fail(f'Slurm must run in CI: {error}')
        pytest.skip(f'no Slurm on this machine: {error}')
    yield env
    cluster.__exit__(None, None, None)


def srun_tool(script: str, *args: str, slurm_env: dict) -> str:
    """``bash tools/SCRIPT PARTITION JOB ARGS`` with two CPU tasks on the
    local node, as a user of a cluster without GPUs calls it."""
    env = tool_env(**slurm_env, GPUS='2', GPUS_PER_NODE='2',
                   CPUS_PER_TASK='1', GRES='', MASTER_PORT=str(free_port()),
                   CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run(
        ['bash', osp.join('tools', script), PARTITION, 'mmseg_ctx-test',
         *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    return output


def test_slurm_train_and_test_two_cpu_tasks(slurm, tmp_path, tiny_data):
    cfg = tiny_mcibi(tmp_path, tiny_data)
    config = str(tmp_path / 'slurm_mcibi.py')
    cfg.dump(config)
    work_dir = str(tmp_path / 'work')
    out = srun_tool('slurm_train.sh', config, '--work-dir', work_dir,
                    slurm_env=slurm)
    assert f'srun -p {PARTITION} --job-name=mmseg_ctx-test' in out
    assert '--gres' not in out  # GRES='': a node without GPUs
    assert '--launcher slurm' in out
    assert 'Distributed training: True' in out
    for rank in range(2):
        assert f'rank {rank} of 2 finished training' in out
    for t in range(4):
        rank0 = memory_dump(tmp_path, f'iter{t}', 0)
        rank1 = memory_dump(tmp_path, f'iter{t}', 1)
        assert torch.equal(rank0['memory'], rank1['memory'])
        assert torch.equal(rank0['initialized'], rank1['initialized'])
    assert memory_dump(tmp_path, 'iter3')['initialized'].any()
    assert not torch.equal(memory_dump(tmp_path, 'iter0')['memory'],
                           memory_dump(tmp_path, 'iter3')['memory'])
    checkpoint = osp.join(work_dir, 'iter_4.pth')
    assert_checkpoint_loads(config, checkpoint)
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    assert torch.equal(state['decode_head.memory.memory'],
                       memory_dump(tmp_path, 'iter3')['memory'])

    out = srun_tool('slurm_test.sh', config, checkpoint, '--work-dir',
                    str(tmp_path / 'test'), slurm_env=slurm)
    assert 'mIoU' in out
