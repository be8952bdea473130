# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
import torch.nn.functional as F
from torch import Tensor, nn


def adaptive_max_pool2d_by_slices(x: Tensor, size: int) -> Tensor:
    """``F.adaptive_max_pool2d(x, size)`` as ``size x size`` slices and
    maxima, with torch's bins (rows ``floor(i H / b)`` to ``ceil((i + 1) H /
    b)``, likewise columns; overlapping where b does not divide H), so
    exactly the same numbers. Unlike ``adaptive_max_pool2d`` it exports to
    ONNX when the bins do not divide the input, with H and W dynamic; the
    bounds are non-negative floor divisions (a negative one would export as
    a truncating division)."""
    height, width = x.shape[-2:]
    rows = []
    for i in range(size):
        top, bottom = i * height // size, ((i + 1) * height + size - 1) // size
        rows.append(torch.cat([
            x[..., top:bottom, j * width // size:((j + 1) * width + size - 1)
              // size].amax(dim=(-2, -1), keepdim=True) for j in range(size)
        ], dim=-1))
    return torch.cat(rows, dim=-2)


class ExportableAdaptiveMaxPool2d(nn.AdaptiveMaxPool2d):
    """``nn.AdaptiveMaxPool2d`` (square bins) that, while exported (ONNX,
    ``torch.export``), pools by :func:`adaptive_max_pool2d_by_slices`."""

    def forward(self, x: Tensor) -> Tensor:
        if torch.onnx.is_in_onnx_export() or torch.compiler.is_exporting():
            return adaptive_max_pool2d_by_slices(x, self.output_size)
        return F.adaptive_max_pool2d(x, self.output_size)
