# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""docs/usage.md's mim, FLOPs, ONNX export and image-demo commands, run as
they are written there (its placeholders replaced by a tiny MCIBI config,
its checkpoint and an image), from a folder laid out as a clone."""
import glob
import os.path as osp
import re

import cv2
import numpy as np
import onnx
import pytest
from config_writers import MCIBI_FCN, write_tiny_config
from doc_commands import doc_commands, doc_workspace, run_doc_command
from helpers import ROOT
from model_makers import assert_checkpoint_loads


def usage_command(program: str, index: int = 0, count: int = 1) -> str:
    lines = doc_commands(program)
    assert len(lines) == count, (program, lines)
    return lines[index]


@pytest.fixture(scope='module')
def workspace(tmp_path_factory, tiny_data) -> dict:
    """The workspace, the tiny config, and its checkpoint trained there by
    the docs' ``mim train mmseg_ctx CONFIG --launcher pytorch --gpus 2``
    (two CPU processes over gloo, through our tools/train.py)."""
    root = tmp_path_factory.mktemp('usage')
    cwd = doc_workspace(str(root / 'clone'))
    config = write_tiny_config(str(root / 'tiny_mcibi.py'), tiny_data,
                               base=MCIBI_FCN)
    out = run_doc_command(usage_command('mim', 1, 3), cwd,
                          dict(CONFIG=config), CUDA_VISIBLE_DEVICES='')
    assert osp.join('mmseg_ctx', '.mim', 'tools', 'train.py') in out
    assert 'rank 1 of 2 finished training' in out
    checkpoint = osp.join(cwd, 'work_dirs', 'tiny_mcibi', 'iter_4.pth')
    assert_checkpoint_loads(config, checkpoint)
    image = sorted(glob.glob(osp.join(tiny_data, 'images', 'validation',
                                      '*.png')))[0]
    return dict(cwd=cwd, CONFIG=config, CHECKPOINT=checkpoint, IMAGE=image)


def run(program: str, workspace: dict, index: int = 0, count: int = 1,
        **words: str) -> str:
    words = dict({k: v for k, v in workspace.items() if k.isupper()},
                 **words)
    return run_doc_command(usage_command(program, index, count),
                           workspace['cwd'], words)


def test_mim_train_mmsegmentation(workspace, tiny_data):
    """mmseg's tools/train.py, one process, into mim's default work_dir
    (of a config of another name than the fixture's)."""
    config = write_tiny_config(
        osp.join(osp.dirname(workspace['CONFIG']), 'mmseg_tools.py'),
        tiny_data, base=MCIBI_FCN)
    out = run('mim', workspace, 0, 3, CONFIG=config)
    assert 'Iter(train) [4/4]' in out
    assert osp.join('mmseg', '.mim', 'tools', 'train.py') in out
    assert_checkpoint_loads(config, osp.join(
        workspace['cwd'], 'work_dirs', 'mmseg_tools', 'iter_4.pth'))


def test_mim_search_lists_our_configs(workspace):
    out = run('mim', workspace, 2, 3)
    listed = set(re.findall(r'^config id: ([\w.-]+)$', out, re.MULTILINE))
    expected = {
        osp.splitext(osp.basename(p))[0]
        for p in glob.glob(osp.join(ROOT, 'configs', 'mcibi', '*.py'))
    }
    assert listed == expected, out[-2000:]
    # with the metrics measured here: FCN + MCIBI's mean over 3 seeds
    block = out.split('config id: mcibi-fcn_r18s-d8_1xb8-800it_camvid')[1]
    assert re.search(r'camvid/miou\s+42.42', block.split('config id:')[0])


def test_get_flops(workspace):
    out = run('tools/analysis_tools/get_flops.py', workspace)
    printed = dict(re.findall(r'^(Input shape|Flops|Params): (.+)$', out,
                              re.MULTILINE))
    assert printed['Input shape'] == '(128, 128)'
    assert float(printed['Flops'][:-1]) > 0
    assert float(printed['Params'][:-1]) > 0


def test_export_onnx(workspace):
    out = run('tools/deploy/export_onnx.py', workspace)
    # random images at --shape and at another size, then IMAGE
    assert out.count('largest |onnxruntime - PyTorch|') == 3
    graph = onnx.load(osp.join(workspace['cwd'], 'model.onnx')).graph
    assert [o.name for o in graph.output] == ['logits']


def test_image_demo(workspace):
    run('demo/image_demo.py', workspace)
    painted = cv2.imread(osp.join(workspace['cwd'], 'result.png'))
    original = cv2.imread(workspace['IMAGE'])
    assert painted.shape == original.shape
    assert not np.array_equal(painted, original)
