# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
import torch.nn.functional as F
from mmseg.models.utils import Encoding
from torch import Tensor


class MatmulEncoding(Encoding):
    """EncNet's Encoding layer (Zhang et al., CVPR 2018, eq. 1-2) as matrix
    products: mmseg's :class:`Encoding`, its parameters (``codewords``,
    ``scale``) and initialisation, so its checkpoints load, and the same
    numbers without its B x N x K x C tensors.

    For N pixels ``x_i`` of C channels and K codewords ``d_k`` with
    smoothing factors ``s_k``, eq. 2's assignment weights are
    ``a_ik = softmax_k(s_k |x_i - d_k|^2)`` and eq. 1's residual encoder
    ``e_k = sum_i a_ik (x_i - d_k)``. mmseg broadcasts every ``x_i - d_k``
    (and keeps it for backward). Here

    - ``|x_i - d_k|^2 = |x_i|^2 - 2 x_i . d_k + |d_k|^2``: one B x N x C by
      C x K product and two norms;
    - ``e_k = (A^T X)_k - (sum_i a_ik) d_k``: one B x K x N by B x N x C
      product,

    so nothing is larger than B x N x K or B x N x C. The expansion cancels
    where the features and codewords lie far from the origin, so both are
    first taken relative to the image's mean feature (which changes no
    ``x_i - d_k``), and everything runs in fp32, under autocast too.

    Args:
        channels (int): C.
        num_codes (int): K.
    """

    def forward(self, x: Tensor) -> Tensor:
        """B x C x H x W features -> B x K x C encoded residuals."""
        if x.dim() != 4 or x.size(1) != self.channels:
            raise ValueError(f'{type(self).__name__} takes B x {self.channels}'
                             f' x H x W features, got {tuple(x.shape)}')
        with torch.autocast(device_type=x.device.type, enabled=False):
            feats = x.float().flatten(2).transpose(1, 2)  # B x N x C
            # the same x_i - d_k, nearer the origin: no cancellation below
            center = feats.detach().mean(dim=1, keepdim=True)  # B x 1 x C
            feats = feats - center
            codewords = self.codewords.float()[None] - center  # B x K x C
            distances = (  # 2 d_k, not 2 x_i: no B x N x C copy kept
                feats.pow(2).sum(dim=2, keepdim=True) -
                feats @ (2 * codewords).transpose(1, 2) +
                codewords.pow(2).sum(dim=2)[:, None])  # B x N x K
            weights = F.softmax(self.scale.float() * distances, dim=2)
            return (weights.transpose(1, 2) @ feats -
                    weights.sum(dim=1)[..., None] * codewords)
