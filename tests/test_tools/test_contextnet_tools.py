# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""ContextNet trained a few iterations through tools/train.py, its BN folded
by tools/deploy/fuse_bn.py and loaded back."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from config_writers import write_tiny_config
from helpers import ROOT, run_script, tool_env
from mmseg.apis import init_model

from mmseg_ctx.analysis import count_batch_norms, load_folded_model

CN14_DEMO = osp.join(ROOT, 'configs', 'contextnet',
                     'contextnet_cn14_1xb8-300it_context-shapes-128x128.py')


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_data):
    tmp = tmp_path_factory.mktemp('contextnet')
    config = write_tiny_config(str(tmp / 'tiny_cn14.py'), tiny_data,
                               base=CN14_DEMO)
    out = run_script('tools/train.py', config, '--work-dir', str(tmp / 'work'))
    assert 'Iter(train) [4/4]' in out and 'mIoU' in out
    return tmp, config, str(tmp / 'work' / 'iter_4.pth')


def test_folded_model_gives_the_same_logits(trained):
    tmp, config, checkpoint = trained
    out = str(tmp / 'folded.pth')
    log = run_script('tools/deploy/fuse_bn.py', config, checkpoint, '--out',
                     out, '--shape', '96', '160')
    assert 'saved to' in log
    model = init_model(config, checkpoint, device='cpu')
    model.eval()
    folded = load_folded_model(config, out)
    assert count_batch_norms(model) > 30 and count_batch_norms(folded) == 0
    images = torch.randn(2, 3, 100, 150)  # not multiples of 32
    with torch.no_grad():
        torch.testing.assert_close(
            folded(images, mode='tensor'), model(images, mode='tensor'),
            atol=1e-4, rtol=0)
    # the folded weights do not fit the unfolded model, even non-strictly
    # (mmseg's loaders), and are not folded twice
    with pytest.raises(ValueError, match='load_folded_model'):
        init_model(config, out, device='cpu')
    proc = subprocess.run(
        [sys.executable, 'tools/deploy/fuse_bn.py', config, out, '--out',
         str(tmp / 'twice.pth')], cwd=ROOT, env=tool_env(),
        capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and 'load_folded_model' in proc.stderr


def test_fold_refuses_a_changed_output(trained):
    tmp, config, checkpoint = trained
    proc = subprocess.run(
        [sys.executable, 'tools/deploy/fuse_bn.py', config, checkpoint,
         '--out', str(tmp / 'refused.pth'), '--shape', '64', '64',
         '--atol', '0'], cwd=ROOT, env=tool_env(), capture_output=True,
        text=True, timeout=600)
    # float rounding makes folding change the logits by a little, not 0
    assert proc.returncode != 0 and 'not saved' in proc.stderr
    assert not osp.exists(tmp / 'refused.pth')
