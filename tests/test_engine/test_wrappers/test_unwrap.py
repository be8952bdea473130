# Copyright (c) mmseg_ctx contributors. All rights reserved.
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmseg_ctx.engine.wrappers import unwrap_model


def test_unwrap_model():
    """A wrapper gives its module (DDP itself is not built: it needs a
    process group); a plain module is itself."""
    inner = nn.Conv2d(3, 4, 3)
    wrapper = MMDistributedDataParallel.__new__(MMDistributedDataParallel)
    nn.Module.__init__(wrapper)
    wrapper.module = inner
    assert unwrap_model(wrapper) is inner
    assert unwrap_model(inner) is inner
