# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The tools train and test with the stock Runner: one process, two CPU
processes over gloo through dist_train.sh / dist_test.sh, and two processes
given srun's variables (mim and a real Slurm: test_readme_commands.py,
test_slurm.py)."""
import glob
import os.path as osp
import subprocess
import sys

from helpers import ROOT, free_port, tool_env
from model_makers import assert_checkpoint_loads


def run(cmd, **env):
    proc = subprocess.run(
        cmd, cwd=ROOT, env=tool_env(**env), capture_output=True, text=True,
        timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    return output


def test_train_test_and_resume(tiny_config, tmp_path):
    work_dir = str(tmp_path / 'work')
    out = run([sys.executable, 'tools/train.py', tiny_config, '--work-dir',
               work_dir, '--channels-last'])
    assert 'Iter(train) [4/4]' in out
    assert '(VERY_HIGH   ) ChannelsLastHook' in out  # before_run
    assert 'mIoU' in out
    assert 'rank 0 of 1 finished training' in out
    checkpoint = osp.join(work_dir, 'iter_4.pth')
    assert_checkpoint_loads(tiny_config, checkpoint)

    out = run([sys.executable, 'tools/test.py', tiny_config, checkpoint,
               '--work-dir', str(tmp_path / 'test')])
    assert 'Iter(test) [3/3]' in out
    assert 'mIoU' in out

    # multi-scale + flip test-time augmentation, painted results, raw output
    show_dir, pred_dir = tmp_path / 'show', tmp_path / 'preds'
    out = run([sys.executable, 'tools/test.py', tiny_config, checkpoint,
               '--work-dir', str(tmp_path / 'tta'), '--tta', '--show-dir',
               str(show_dir), '--out', str(pred_dir), '--cfg-options',
               'default_hooks.visualization.interval=1'])
    assert 'Iter(test) [3/3]' in out
    assert len(glob.glob(str(show_dir / '**' / '*.png'), recursive=True)) == 3
    assert len(glob.glob(str(pred_dir / '*.png'))) == 3

    # resume continues from iteration 4 up to a longer schedule
    out = run([sys.executable, 'tools/train.py', tiny_config, '--work-dir',
               work_dir, '--resume', '--cfg-options', 'train_cfg.max_iters=6',
               'train_cfg.val_interval=6',
               'default_hooks.checkpoint.interval=6'])
    assert 'resumed epoch: 0, iter: 4' in out
    assert 'Iter(train) [6/6]' in out
    assert not glob.glob(osp.join(work_dir, 'iter_5.pth'))
    assert_checkpoint_loads(tiny_config, osp.join(work_dir, 'iter_6.pth'), 6)


def test_dist_train_and_test_two_cpu_processes(tiny_config, tmp_path):
    work_dir = str(tmp_path / 'work')
    # hide any GPU: this is the CPU (gloo) path of the launcher
    out = run(['bash', 'tools/dist_train.sh', tiny_config, '2',
               '--work-dir', work_dir], PORT=str(free_port()),
              CUDA_VISIBLE_DEVICES='')
    assert 'rank 0 of 2 finished training' in out
    assert 'rank 1 of 2 finished training' in out
    assert 'Distributed training: True' in out
    assert 'SyncBN cannot run on CPU' in out
    checkpoint = osp.join(work_dir, 'iter_4.pth')
    assert_checkpoint_loads(tiny_config, checkpoint)

    out = run(['bash', 'tools/dist_test.sh', tiny_config, checkpoint, '2',
               '--work-dir', str(tmp_path / 'test')], PORT=str(free_port()),
              CUDA_VISIBLE_DEVICES='')
    assert 'mIoU' in out


def test_slurm_launcher_two_cpu_tasks(tiny_config, tmp_path):
    """tools/train.py --launcher slurm in two processes with the variables
    srun gives its tasks: gloo from Slurm's environment on CPU."""
    work_dir = str(tmp_path / 'work')
    port = str(free_port())
    procs = [
        subprocess.Popen(
            [sys.executable, 'tools/train.py', tiny_config, '--launcher',
             'slurm', '--work-dir', work_dir], cwd=ROOT,
            env=tool_env(SLURM_PROCID=str(rank), SLURM_NTASKS='2',
                         SLURM_LOCALID=str(rank), SLURM_NODELIST='localhost',
                         MASTER_ADDR='127.0.0.1', MASTER_PORT=port,
                         CUDA_VISIBLE_DEVICES=''),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for rank in range(2)
    ]
    outputs = [proc.communicate(timeout=600)[0] for proc in procs]
    for rank, (proc, out) in enumerate(zip(procs, outputs)):
        assert proc.returncode == 0, out[-4000:]
        assert f'rank {rank} of 2 finished training' in out
    assert_checkpoint_loads(tiny_config, osp.join(work_dir, 'iter_4.pth'))
