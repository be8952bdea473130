# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

from ..utils.labels import check_label_range


def presence_targets(seg_label: Tensor, num_classes: int,
                     ignore_index: int = 255) -> Tensor:
    """Which classes each label map contains (EncNet, Sec. 3.2): B x H x W
    labels -> B x K in {0, 1}; ``ignore_index`` is no class, and any other
    label outside ``[0, K)`` is refused with its value."""
    labels = seg_label.long().flatten(1)
    check_label_range(labels, num_classes, ignore_index)
    observed = labels != ignore_index
    targets = torch.zeros(labels.shape[0], num_classes + 1,
                          device=labels.device)
    # ignored pixels go to an extra column, dropped below
    targets.scatter_(1, torch.where(observed, labels, num_classes), 1.0)
    return targets[:, :num_classes]


@MODELS.register_module()
class SemanticEncodingLoss(nn.Module):
    """The SE-loss of EncNet (Zhang et al., CVPR 2018, Sec. 3.2): binary
    cross-entropy between presence logits (B x K), e.g. an FC on the
    encoded features, and the classes present in each label map.

    Args:
        loss_weight (float): 0.2 in the paper (Fig. 5).
        loss_name (str): key in the loss dict; must start with ``loss_``.
    """

    def __init__(self,
                 loss_weight: float = 0.2,
                 loss_name: str = 'loss_se') -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name must start with "loss_" for '
                             f'mmengine to optimise it, got {loss_name!r}')
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self,
                presence_logits: Tensor,
                seg_label: Tensor,
                ignore_index: int = 255) -> Tensor:
        """Args:
            presence_logits (Tensor): B x K.
            seg_label (Tensor): B x H x W (or B x 1 x H x W) labels.
        """
        if seg_label.dim() == 4:
            seg_label = seg_label.squeeze(1)
        if presence_logits.dim() != 2 or \
                presence_logits.shape[0] != seg_label.shape[0]:
            raise ValueError('presence logits must be B x K with B = '
                             f'{seg_label.shape[0]} label maps, got shape '
                             f'{tuple(presence_logits.shape)}')
        targets = presence_targets(seg_label, presence_logits.shape[1],
                                   ignore_index)
        return self.loss_weight * F.binary_cross_entropy_with_logits(
            presence_logits.float(), targets)
