# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The images an ONNX export is checked on against PyTorch: random ones at
the export's size and, for the dynamic axes, a batch of two at another,
and real images through the model's data preprocessor."""
from typing import Dict

import mmcv
import torch
from torch import Tensor


def check_inputs(model: torch.nn.Module, shape, images) -> Dict[str, Tensor]:
    """A random image at ``shape``, two at another size (the dynamic axes),
    and each of ``images`` through the model's data preprocessor."""
    generator = torch.Generator().manual_seed(0)
    height, width = shape
    inputs = {
        f'random 1x3x{height}x{width}': torch.randn(
            1, 3, height, width, generator=generator),
        f'random 2x3x{height + 24}x{width + 40}': torch.randn(
            2, 3, height + 24, width + 40, generator=generator),
    }
    for path in images:
        image = torch.from_numpy(mmcv.imread(path)).permute(2, 0, 1)
        inputs[path] = model.data_preprocessor(
            dict(inputs=[image]), False)['inputs']
    return inputs
