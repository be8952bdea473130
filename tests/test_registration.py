# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""``import mmseg_ctx`` registers into mmseg's registries, so configs with
``default_scope='mmseg'`` find our classes by name."""
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODEL_WRAPPERS

import mmseg_ctx  # noqa: F401
from mmseg_ctx.datasets import ContextShapesDataset
from mmseg_ctx.engine import CPUDistributedDataParallel


def test_registered_in_mmseg_registries():
    init_default_scope('mmseg')
    assert DATASETS.get('ContextShapesDataset') is ContextShapesDataset
    assert MODEL_WRAPPERS.get(
        'CPUDistributedDataParallel') is CPUDistributedDataParallel
