# Copyright (c) mmseg_ctx contributors. All rights reserved.
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmengine.runner.checkpoint import _load_checkpoint
from mmengine.utils import digit_version

from mmseg_ctx.engine import load_from_local


def test_mmengine_checkpoint_with_python_objects_loads(tmp_path):
    """What mmengine saves beside the weights; torch>=2.6 refuses it by
    default."""
    buffer = HistoryBuffer()
    buffer.update(0.5)
    checkpoint = dict(
        meta=dict(iter=4, seed=np.int64(3)),
        message_hub=dict(log_scalars={'train/loss': buffer}),
        state_dict={'w': torch.arange(3.)})
    path = str(tmp_path / 'iter_4.pth')
    torch.save(checkpoint, path)
    if digit_version(torch.__version__) >= digit_version('2.6.0'):
        with pytest.raises(Exception, match='Weights only load failed'):
            torch.load(path)  # the default that breaks mmengine 0.10.7

    assert CheckpointLoader._schemes[''] is load_from_local
    loaded = _load_checkpoint(path, map_location='cpu')
    assert loaded['meta'] == dict(iter=4, seed=3)
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 0.5
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))


def test_missing_file_is_named(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_from_local(missing)


def test_import_mmseg_ctx_alone_registers_it():
    """What a config's custom_imports does, in a fresh interpreter."""
    code = ('import mmseg_ctx; from mmengine.runner import CheckpointLoader; '
            "print(CheckpointLoader._schemes[''].__module__)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ['mmseg_ctx.engine.checkpoint']
