# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""MCIBI's memory update with eq. 8 taken literally, the reference that
:class:`~mmseg_ctx.models.utils.FeatureMemory` is tested against and the
baseline of ``tools/analysis_tools/memory_update_cost.py``."""
from typing import Dict

import torch
from mmseg.models.utils import resize
from torch import Tensor

from ..models.utils import FeatureMemory, MemorySums


class LabelResolutionMemory(FeatureMemory):
    """The update as it was computed before: each image's features resized
    to its labels (C x HW, eq. 8 taken literally), then the class sums as
    K x HW by HW x C products there, O(K C HW) per image. The same numbers
    as :class:`FeatureMemory`, to round-off."""

    def _accumulate(self, feats: Tensor, labels: Tensor, keep: Tensor,
                    unit_memory: Tensor, sums: MemorySums,
                    picks: Dict[int, int]) -> None:
        pixels = labels[0].numel()
        for at, (feat, label, kept) in enumerate(zip(feats, labels, keep)):
            resized = resize(
                feat[None],
                size=label.shape,
                mode='bilinear',
                align_corners=self.align_corners)[0].flatten(1)  # C x HW
            label, kept = label.flatten(), kept.flatten()
            slot = torch.where(kept, label, 0)
            onehot = feat.new_zeros(self.num_classes, pixels).scatter_(
                0, slot[None], kept[None].float())
            dots = unit_memory @ resized  # K x HW
            cosine = dots.gather(0, slot[None])[0] / resized.norm(
                dim=0).clamp(min=1e-8)
            weighting = onehot * (1 - cosine)
            sums.weighted += weighting @ resized.t()
            sums.plain += onehot @ resized.t()
            sums.weight += weighting.sum(1)
            for cls, pixel in picks.items():
                if pixel // pixels == at:
                    sums.picked[cls] = resized[:, pixel % pixels]
