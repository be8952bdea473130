# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""A segmentor as one ONNX graph: normalised images in, per-pixel logits
out, H and W dynamic, checked against onnxruntime."""
import os
from typing import Dict, Sequence

import numpy as np
import torch
from mmseg.models.utils import resize
from torch import Tensor, nn


class SegLogits(nn.Module):
    """``segmentor._forward`` (mode ``'tensor'``) as deployment needs it:
    the segmentation logits alone (EncNet's SE logits, the second output of
    its head, are dropped), resized to the input as ``predict`` resizes
    them. The input is the image after the segmentor's data preprocessor
    (BGR to RGB, mean and std)."""

    def __init__(self, segmentor: nn.Module) -> None:
        super().__init__()
        self.segmentor = segmentor

    def forward(self, inputs: Tensor) -> Tensor:
        logits = self.segmentor._forward(inputs)
        if isinstance(logits, (tuple, list)):
            logits = logits[0]
        return resize(logits, size=inputs.shape[2:], mode='bilinear',
                      align_corners=self.segmentor.align_corners)


def export_onnx(model: SegLogits, path: str, shape: Sequence[int],
                opset: int = 17, dynamo: bool = False) -> None:
    """Export ``model`` traced on random ``2 x 3 x H x W`` inputs to
    ``path``, batch, height and width dynamic; ``dynamo`` picks torch's
    ``torch.export``-based exporter instead of the TorchScript one (a batch
    of two: ``torch.export`` fixes a dimension whose example size is 1)."""
    example = torch.randn(2, 3, *shape)
    with torch.no_grad():
        if dynamo:
            dim = torch.export.Dim
            program = torch.onnx.export(
                model, (example, ), dynamo=True, opset_version=opset,
                input_names=['input'], output_names=['logits'],
                dynamic_shapes={'inputs': {
                    0: dim('batch', min=1, max=1024),
                    2: dim('height', min=32, max=8192),
                    3: dim('width', min=32, max=8192)}})
            program.save(path)
        else:
            torch.onnx.export(
                model, (example, ), path, dynamo=False, opset_version=opset,
                input_names=['input'], output_names=['logits'],
                dynamic_axes={'input': {0: 'batch', 2: 'height', 3: 'width'},
                              'logits': {0: 'batch', 2: 'height',
                                         3: 'width'}})


def onnx_differences(model: SegLogits, path: str,
                     inputs: Dict[str, Tensor]) -> Dict[str, float]:
    """The largest absolute difference between ``model`` and the ONNX file
    under onnxruntime (CPU), for each named input."""
    import onnxruntime  # optional: pip install -e .[deploy]
    session = onnxruntime.InferenceSession(
        os.fspath(path), providers=['CPUExecutionProvider'])
    differences = {}
    for name, batch in inputs.items():
        with torch.no_grad():
            expected = model(batch).numpy()
        got, = session.run(None, {'input': batch.numpy()})
        if got.shape != expected.shape:
            raise ValueError(f'{path} gives logits of shape {got.shape} for '
                             f'the {name} input, PyTorch {expected.shape}')
        differences[name] = float(np.abs(got - expected).max())
    return differences
