# Copyright (c) mmseg_ctx contributors. All rights reserved.
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The segmentor inside a model wrapper (DDP, ours on CPU), or
    ``model`` itself."""
    return model.module if is_model_wrapper(model) else model
