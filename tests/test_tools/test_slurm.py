# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""tools/slurm_train.sh and slurm_test.sh, as docs/usage.md's commands give
them, on a real single-node Slurm (tests/local_slurm.py): two CPU tasks over
gloo, whose MCIBI memories stay equal, then a two-task test of the
checkpoint."""
import os
import os.path as osp
import subprocess

import pytest
import torch
from config_writers import memory_dump, tiny_mcibi
from doc_commands import doc_commands, doc_workspace, run_doc_command
from helpers import ROOT, free_port, tool_env
from local_slurm import PARTITION, SlurmUnavailable, local_slurm
from model_makers import assert_checkpoint_loads


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


def srun_doc_command(script: str, slurm_env: dict, **words: str) -> str:
    """docs/usage.md's ``tools/SCRIPT`` line (two CPU tasks on a node without
    GPUs) as written, its placeholders filled in, on the local Slurm."""
    lines = doc_commands(osp.join('tools', script))
    assert len(lines) == 1, lines
    cwd = doc_workspace(words.pop('cwd'))
    return run_doc_command(
        lines[0], cwd, dict(words, PARTITION=PARTITION,
                            JOB_NAME='mmseg_ctx-test'),
        **slurm_env, MASTER_PORT=str(free_port()), CUDA_VISIBLE_DEVICES='')


def test_slurm_train_and_test_two_cpu_tasks(slurm, tmp_path, tiny_data):
    cfg = tiny_mcibi(tmp_path, tiny_data)
    config = str(tmp_path / 'slurm_mcibi.py')
    cfg.dump(config)
    work_dir = str(tmp_path / 'work')
    out = srun_doc_command('slurm_train.sh', slurm, CONFIG=config,
                           WORK_DIR=work_dir, cwd=str(tmp_path / 'train'))
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

    out = srun_doc_command('slurm_test.sh', slurm, CONFIG=config,
                           CHECKPOINT=checkpoint,
                           cwd=str(tmp_path / 'test'))
    assert '--ntasks=2' in out and '--launcher slurm' in out
    assert 'Distributed training: True' in out
    assert 'mIoU' in out


@pytest.mark.parametrize('script,args,tool', [
    ('slurm_train.sh', ['cfg.py', '--work-dir', 'w d'],
     ['tools/train.py', 'cfg.py', '--launcher', 'slurm', '--work-dir',
      'w d']),
    ('slurm_test.sh', ['cfg.py', 'ckpt.pth', '--tta'],
     ['tools/test.py', 'cfg.py', 'ckpt.pth', '--launcher', 'slurm',
      '--tta']),
])
def test_srun_command_line_is_mmsegs(tmp_path, script, args, tool):
    """Without GRES, the srun call mmseg's scripts make, GPUs requested
    (a stand-in srun on PATH prints its arguments, one a line), also
    through a link to the script elsewhere."""
    link = tmp_path / 'bin' / script
    link.parent.mkdir()
    link.symlink_to(osp.join(ROOT, 'tools', script))
    fake = tmp_path / 'srun'
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    env = tool_env(GPUS='16', GPUS_PER_NODE='8', CPUS_PER_TASK='4',
                   SRUN_ARGS='--exclusive --mem=0', PYTHON='python3',
                   PATH=f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')
    env.pop('GRES', None)
    proc = subprocess.run(['bash', str(link), 'gpu', 'job', *args],
                          cwd=ROOT, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    called = proc.stdout.splitlines()
    # the tool, relative to the repository (some kernels give scripts their
    # absolute path as $0)
    called[12] = osp.relpath(osp.join(ROOT, called[12]), ROOT)
    assert called == [
        '-p', 'gpu', '--job-name=job', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=4', '--kill-on-bad-exit=1',
        '--exclusive', '--mem=0', 'python3', '-u', *tool
    ]
