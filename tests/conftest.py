# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Shared fixtures: a tiny ContextShapes and a tiny config to train on it."""
import pytest
from helpers import make_context_shapes, write_tiny_config


@pytest.fixture(scope='session')
def tiny_data(tmp_path_factory) -> str:
    return make_context_shapes(
        str(tmp_path_factory.mktemp('data') / 'context_shapes'))


@pytest.fixture
def tiny_config(tmp_path, tiny_data) -> str:
    return write_tiny_config(str(tmp_path / 'tiny_fcn.py'), tiny_data)
