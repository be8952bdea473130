# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""init_memory.py and visualize_memory.py on a tiny trained FCN+MCIBI."""
import os.path as osp

import cv2
import pytest
import torch
from config_writers import DUMP_HOOK_IMPORTS, MCIBI_FCN, write_tiny_config
from helpers import run_failing, run_script


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_data):
    tmp = tmp_path_factory.mktemp('mcibi_tools')
    config = write_tiny_config(str(tmp / 'tiny.py'), tiny_data,
                               base=MCIBI_FCN)
    run_script('tools/train.py', config, '--work-dir', str(tmp / 'work'))
    return tmp, config, str(tmp / 'work' / 'iter_4.pth')


def test_init_memory_by_clustering_and_load_it(trained):
    tmp, config, checkpoint = trained
    out = str(tmp / 'init.pth')
    run_script('tools/analysis_tools/init_memory.py', config, checkpoint,
               '--out', out, '--num-images', '6')
    state = torch.load(out, weights_only=False)['state_dict']
    before = torch.load(checkpoint, weights_only=False)['state_dict']
    # the memory only, as Table 2 starts a training from it
    assert set(state) == {
        'decode_head.memory.memory', 'decode_head.memory.initialized'
    }
    memory = state['decode_head.memory.memory']
    seen = state['decode_head.memory.initialized']
    assert seen.sum() >= 3
    assert not torch.equal(memory[seen],
                           before['decode_head.memory.memory'][seen])
    run_script('tools/analysis_tools/init_memory.py', config, checkpoint,
               '--out', str(tmp / 'full.pth'), '--num-images', '6',
               '--with-weights')
    full = torch.load(str(tmp / 'full.pth'), weights_only=False)['state_dict']
    key = 'decode_head.bottleneck.conv.weight'
    assert torch.equal(full[key], before[key])
    assert torch.equal(full['decode_head.memory.memory'], memory)

    # a config loads it with load_from and trains on from that memory
    from_init = tmp / 'from_init.py'
    from_init.write_text(
        f'_base_ = {config!r}\nload_from = {out!r}\n' + DUMP_HOOK_IMPORTS +
        "custom_hooks = [dict(type='MCIBIMemoryHook'), dict(type="
        f"'DumpMemoryHook', out_dir={str(tmp)!r})]\n")
    # with --resume at every start (as a cluster scheduler restarts jobs):
    # the first starts from load_from, the next from the work_dir's last
    work_dir = str(tmp / 'from_init')
    train = ('tools/train.py', str(from_init), '--work-dir', work_dir,
             '--resume', '--cfg-options',
             'default_hooks.checkpoint.interval=1')
    log = run_script(*train, 'train_cfg.max_iters=1')
    assert 'has no checkpoint yet, so training starts from the weights ' \
        f'of load_from={out}' in log
    start = torch.load(str(tmp / 'memory_rank0_start0.pth'))
    assert torch.equal(start['memory'], memory)
    assert torch.equal(start['initialized'], seen)
    log = run_script(*train, 'train_cfg.max_iters=2')
    assert f'from {work_dir}/iter_1.pth, the latest checkpoint' in log
    assert 'resumed epoch: 0, iter: 1' in log


def test_init_memory_takes_cfg_options(trained, tiny_data):
    """Its data pointed elsewhere, as with the other tools (the config's
    data root here does not exist)."""
    tmp, config, checkpoint = trained
    moved = tmp / 'moved.py'
    moved.write_text(f'_base_ = {config!r}\n'
                     "train_dataloader = dict(dataset=dict(data_root="
                     "'no/such/folder'))\n")
    stderr = run_failing('tools/analysis_tools/init_memory.py', str(moved),
                         checkpoint, '--out', str(tmp / 'x.pth'))
    assert 'the image folder no/such/folder/images/training does not ' \
        'exist' in stderr
    out = str(tmp / 'moved.pth')
    run_script('tools/analysis_tools/init_memory.py', str(moved), checkpoint,
               '--out', out, '--num-images', '2', '--cfg-options',
               f'train_dataloader.dataset.data_root={tiny_data}')
    state = torch.load(out, weights_only=False)['state_dict']
    assert state['decode_head.memory.initialized'].any()


def test_init_memory_refuses_weights_without_the_head(trained):
    """A checkpoint without the MCIBIHead (e.g. the FCN baseline's) would
    have the memory clustered from a random head's features."""
    tmp, config, checkpoint = trained
    state = torch.load(checkpoint, weights_only=False)
    state['state_dict'] = {
        k: v for k, v in state['state_dict'].items()
        if not k.startswith('decode_head.')
    }
    partial = str(tmp / 'backbone_only.pth')
    torch.save(state, partial)
    out = str(tmp / 'refused.pth')
    stderr = run_failing('tools/analysis_tools/init_memory.py', config,
                         partial, '--out', out, '--num-images', '2')
    assert 'backbone_only.pth lacks' in stderr
    assert 'decode_head.' in stderr and not osp.exists(out)


@pytest.mark.parametrize('method', ['pca', 'auto'])
def test_visualize_memory(trained, method):
    tmp, config, checkpoint = trained
    out = str(tmp / f'memory_{method}.png')
    stdout = run_script('tools/analysis_tools/visualize_memory.py', config,
                        checkpoint, '--out', out, '--num-images', '3',
                        '--method', method)
    assert 'memory slots drawn' in stdout
    image = cv2.imread(out)
    assert image is not None and min(image.shape[:2]) > 500
