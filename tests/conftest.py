# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Shared fixtures: the devices to run on, a tiny ContextShapes and a tiny
config to train on it."""
from typing import List

import pytest
import torch
from config_writers import write_tiny_config
from data_makers import make_context_shapes


def available_devices() -> List:
    """``cpu`` always; ``cuda``, marked ``cuda``, where torch sees a GPU
    (``pytest -m cuda`` runs the CUDA cases alone, as the GPU check does)."""
    devices = ['cpu']
    if torch.cuda.is_available():
        devices.append(pytest.param('cuda', marks=pytest.mark.cuda))
    return devices


@pytest.fixture
def no_tf32():
    """Convs in full fp32 on CUDA (cuDNN's take TF32 by default), for
    outputs compared at fp32 tolerance; nothing changes on the CPU."""
    with torch.backends.cudnn.flags(enabled=None, benchmark=None,
                                    deterministic=None, allow_tf32=False):
        yield


@pytest.fixture(params=available_devices())
def device(request) -> str:
    """Each device a test's tensors and models are made on."""
    return request.param


@pytest.fixture(scope='session')
def tiny_data(tmp_path_factory) -> str:
    return make_context_shapes(
        str(tmp_path_factory.mktemp('data') / 'context_shapes'))


@pytest.fixture
def tiny_config(tmp_path, tiny_data) -> str:
    return write_tiny_config(str(tmp_path / 'tiny_fcn.py'), tiny_data)
