# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .label_basis_file import load_label_basis
from .labels import check_label_range


def patch_codes(labels: Tensor,
                ratio: int,
                num_classes: int,
                ignore_index: int = 255) -> Tensor:
    """Cut label maps into ``r x r`` patches of class indices (DUpsampling,
    Sec. 3.1), the compact form of :func:`label_patches`.

    Maps are padded with ``ignore_index`` at the bottom and right to a
    multiple of ``r``; pixels are in ``(dy, dx)`` order, ignored and padded
    ones are -1.

    Args:
        labels (Tensor): B x H x W integer labels.
        ratio (int): r.
        num_classes (int): K; other labels than ``[0, K)`` and
            ``ignore_index`` are refused with the value.
        ignore_index (int): label of unlabelled pixels.

    Returns:
        Tensor: B x H/r x W/r x r*r (long), H and W rounded up to multiples
        of r.
    """
    if labels.dim() != 3:
        raise ValueError('labels must be B x H x W, got shape '
                         f'{tuple(labels.shape)}')
    labels = labels.long()
    check_label_range(labels, num_classes, ignore_index)
    height, width = labels.shape[1:]
    labels = F.pad(labels, (0, -width % ratio, 0, -height % ratio),
                   value=ignore_index)
    batch, height, width = labels.shape
    patches = labels.view(batch, height // ratio, ratio, width // ratio,
                          ratio).permute(0, 1, 3, 2, 4).flatten(3)
    return torch.where(patches == ignore_index, -1, patches)


def label_patches(labels: Tensor, ratio: int, num_classes: int,
                  ignore_index: int = 255) -> Tuple[Tensor, Tensor]:
    """Cut label maps into one-hot ``r x r`` patches (DUpsampling, Sec. 3.1).

    Each patch of :func:`patch_codes` becomes a vector of ``N = r * r * K``
    entries in the order ``(dy, dx, k)``, the order :class:`DUpsampling`
    rearranges back; an ignored or padded pixel has all K entries 0 and is
    marked unobserved.

    Returns:
        tuple: vectors (B x H/r x W/r x N, float) and observed pixels
        (B x H/r x W/r x r*r, bool), H and W rounded up to multiples of r.
    """
    codes = patch_codes(labels, ratio, num_classes, ignore_index)
    observed = codes >= 0
    onehot = torch.zeros(
        *codes.shape, num_classes, device=codes.device).scatter_(
        -1, codes.clamp(min=0)[..., None], observed[..., None].float())
    return onehot.flatten(3), observed


class DUpsampling(nn.Module):
    """Data-dependent upsampling (Tian et al., CVPR 2019, Sec. 3.1).

    Maps each C~-vector of a B x C~ x h x w map by ``W f + mean`` (eq. 3,
    a 1x1 conv whose weight is the reconstruction matrix W and whose bias
    is the mean patch) to an ``r x r x K`` patch and rearranges the patches
    into B x K x rh x rw logits, in the order of :func:`label_patches`, for
    any h != w. W is a fixed buffer (the paper: a closed-form PCA of the
    training labels) unless ``trainable=True`` (the learnt-W ablation).

    Args:
        basis (Tensor): W, N x C~ with ``N = r * r * K``.
        mean (Tensor): the mean patch, N.
        ratio (int): r.
        num_classes (int): K.
        trainable (bool): learn W and the mean by back-propagation.
    """

    def __init__(self,
                 basis: Tensor,
                 mean: Tensor,
                 ratio: int,
                 num_classes: int,
                 trainable: bool = False) -> None:
        super().__init__()
        size = ratio * ratio * num_classes
        if basis.dim() != 2 or basis.shape[0] != size:
            raise ValueError(
                f'the basis must be (r*r*K) x C~ = {size} x C~ for ratio '
                f'r={ratio} and K={num_classes} classes, got shape '
                f'{tuple(basis.shape)}')
        if mean.shape != (size, ):
            raise ValueError(f'the mean patch must have {size} entries, got '
                             f'shape {tuple(mean.shape)}')
        self.ratio = ratio
        self.num_classes = num_classes
        self.channels = basis.shape[1]
        basis, mean = basis.float(), mean.float()
        if trainable:
            self.basis = nn.Parameter(basis.clone())
            self.mean = nn.Parameter(mean.clone())
        else:
            self.register_buffer('basis', basis.clone())
            self.register_buffer('mean', mean.clone())

    @classmethod
    def from_file(cls,
                  path: str,
                  ratio: int,
                  num_classes: int,
                  channels: int,
                  trainable: bool = False) -> 'DUpsampling':
        """Load W and the mean from a basis file (see
        :mod:`~mmseg_ctx.models.utils.label_basis_file`), refusing one whose
        ratio r, class count K or code size C~ differ from the head's."""
        record = load_label_basis(path, ratio, num_classes, channels)
        return cls(record['basis'], record['mean'], ratio, num_classes,
                   trainable)

    def extra_repr(self) -> str:
        return (f'ratio={self.ratio}, num_classes={self.num_classes}, '
                f'channels={self.channels}, '
                f'trainable={isinstance(self.basis, nn.Parameter)}')

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f'DUpsampling expects B x {self.channels} x h x '
                             f'w, got shape {tuple(x.shape)}')
        batch, _, height, width = x.shape
        r, k = self.ratio, self.num_classes
        patches = F.conv2d(x, self.basis.to(x.dtype)[:, :, None, None],
                           self.mean.to(x.dtype))  # B x (r r K) x h x w
        return patches.view(batch, r, r, k, height, width).permute(
            0, 3, 4, 1, 5, 2).reshape(batch, k, height * r, width * r)

    @torch.no_grad()
    def compress(self, labels: Tensor, ignore_index: int = 255) -> Tensor:
        """The code ``P (v - mean)`` with ``P = W^T`` of each label patch:
        B x H x W labels -> B x C~ x H/r x W/r, the inverse of
        :meth:`forward` up to the basis's loss. Ignored and padded pixels
        take the mean (zero after centring), as in the PCA."""
        vectors, observed = label_patches(labels.to(self.basis.device),
                                          self.ratio, self.num_classes,
                                          ignore_index)
        observed = observed.repeat_interleave(self.num_classes, dim=-1)
        centred = (vectors.to(self.basis) - self.mean) * observed
        return (centred @ self.basis).permute(0, 3, 1, 2)
