# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Dict

import torch
from torch import Tensor

from ..models.utils import patch_codes


class LabelBasisEstimator:
    """The PCA of one-hot label patches that DUpsampling reconstructs from
    (Tian et al., CVPR 2019, Sec. 3.1), in bounded memory.

    Label maps are streamed with :meth:`add`. The mean patch is exact over
    every patch seen. The principal directions come from a bounded,
    seeded reservoir sample of ``max_samples`` patches, kept as ``r x r``
    label codes (2 bytes a pixel, not the ``N = r * r * K`` one-hot
    floats), and a randomised SVD (Halko et al.) whose products with the
    centred one-hot matrix are gathers and index-adds: neither the dense
    sample nor the ``N x N`` covariance is formed (for ADE20K at r = 16,
    N = 38,400 and the covariance alone would take 5.9 GB in fp32). When N
    is small (``exact_limit``) the covariance is formed and diagonalised
    exactly instead.

    Ignored pixels are filled with the mean (they add nothing to the
    centred statistics), so a patch with ignored pixels pulls them towards
    no class.
    """

    def __init__(self,
                 num_classes: int,
                 ratio: int,
                 ignore_index: int = 255,
                 max_samples: int = 200_000,
                 seed: int = 0) -> None:
        self.num_classes = num_classes
        self.ratio = ratio
        self.ignore_index = ignore_index
        self.max_samples = max_samples
        self.size = ratio * ratio * num_classes
        self.sums = torch.zeros(self.size, dtype=torch.float64)
        self.observed = torch.zeros(ratio * ratio, dtype=torch.float64)
        self.codes = torch.empty(0, ratio * ratio, dtype=torch.int16)
        self.seen = 0
        self.generator = torch.Generator().manual_seed(seed)

    def add(self, labels: Tensor) -> None:
        """Add B x H x W label maps."""
        codes = patch_codes(labels.cpu(), self.ratio, self.num_classes,
                            self.ignore_index).flatten(0, 2)  # M x r^2
        observed = codes >= 0
        pixel = torch.arange(self.ratio * self.ratio)
        entry = pixel * self.num_classes + codes
        self.sums += torch.bincount(
            entry[observed], minlength=self.size).double()
        self.observed += observed.sum(0).double()
        self._reservoir(codes.short())

    def _reservoir(self, codes: Tensor) -> None:
        """Algorithm R: each patch seen so far is kept with equal
        probability ``max_samples / seen``."""
        room = max(0, self.max_samples - len(self.codes))
        self.codes = torch.cat([self.codes, codes[:room]])
        rest = codes[room:]
        index = torch.arange(len(rest)) + self.seen + room
        self.seen += len(codes)
        if not len(rest):
            return
        slots = (torch.rand(len(rest), generator=self.generator,
                            dtype=torch.float64) * (index + 1)).long()
        keep = slots < self.max_samples
        slots, rest = slots[keep], rest[keep]
        # a slot drawn twice keeps the later patch, as in the sequential
        # algorithm
        order = torch.arange(len(slots))
        last = torch.zeros(self.max_samples, dtype=torch.long).scatter_reduce(
            0, slots, order, reduce='amax', include_self=False)
        winner = last[slots] == order
        self.codes[slots[winner]] = rest[winner]

    @property
    def mean(self) -> Tensor:
        """The mean patch (N), each entry over the pixels where observed."""
        observed = self.observed.repeat_interleave(self.num_classes)
        return (self.sums / observed.clamp(min=1)).float()

    def _chunks(self, width: int):
        """Row blocks of the sample with at most 2^25 gathered floats."""
        rows = max(1, 2**25 // (self.ratio * self.ratio * width))
        for start in range(0, len(self.codes), rows):
            yield start, self.codes[start:start + rows].long()

    def _centred_rows(self, codes: Tensor) -> Tensor:
        """Rows of the centred, mean-imputed one-hot sample, dense."""
        pixels, k = self.ratio * self.ratio, self.num_classes
        observed = codes >= 0
        dense = torch.zeros(len(codes), pixels, k)
        dense.scatter_(2, codes.clamp(min=0)[..., None], 1.0)
        dense = (dense - self.mean.view(pixels, k)) * observed[..., None]
        return dense.flatten(1)

    def _centred_times(self, right: Tensor) -> Tensor:
        """(centred sample, M x N) @ right (N x q), by gathers."""
        pixels, k = self.ratio * self.ratio, self.num_classes
        grid = right.view(pixels, k, -1)
        centre = (self.mean.view(pixels, k, 1) * grid).sum(1)  # r^2 x q
        out = []
        for _, codes in self._chunks(right.shape[1]):
            observed = (codes >= 0).float()
            picked = grid[torch.arange(pixels)[None], codes.clamp(min=0)]
            out.append((picked * observed[..., None]).sum(1) -
                       observed @ centre)
        return torch.cat(out)

    def _centred_t_times(self, left: Tensor) -> Tensor:
        """(centred sample)^T (N x M) @ left (M x q), by index-adds."""
        pixels, k = self.ratio * self.ratio, self.num_classes
        out = torch.zeros(pixels * k, left.shape[1])
        per_pixel = torch.zeros(pixels, left.shape[1])
        for start, codes in self._chunks(left.shape[1]):
            block = left[start:start + len(codes)]
            observed = codes >= 0
            rows = (torch.arange(pixels)[None] * k + codes.clamp(min=0))
            out.index_add_(
                0, rows[observed],
                block[:, None, :].expand(-1, pixels, -1)[observed])
            per_pixel += observed.float().t() @ block
        return out - self.mean[:, None] * per_pixel.repeat_interleave(
            k, dim=0)

    def fit(self,
            channels: int,
            exact_limit: int = 4096,
            oversample: int = 16,
            iters: int = 4) -> Dict[str, Tensor]:
        """The top ``channels`` principal directions of the sample.

        Returns:
            dict: ``basis`` (N x C~, orthonormal columns), ``mean`` (N),
            ``explained_variance`` (C~) and ``total_variance``.
        """
        if not len(self.codes):
            raise ValueError('no label patch has been added')
        if not 0 < channels <= self.size:
            raise ValueError(f'channels must be in [1, {self.size}] (r*r*K), '
                             f'got {channels}')
        count = max(len(self.codes) - 1, 1)
        if self.size <= exact_limit:
            covariance = torch.zeros(self.size, self.size, dtype=torch.float64)
            for _, codes in self._chunks(self.size):
                rows = self._centred_rows(codes).double()
                covariance += rows.t() @ rows
            values, vectors = torch.linalg.eigh(covariance / count)
            values, vectors = values.float(), vectors.float()
            values, vectors = values.flip(0), vectors.flip(1)
            total = values.clamp(min=0).sum()
        else:
            rank = min(channels + oversample, self.size)
            probe = torch.randn(self.size, rank, generator=self.generator)
            basis = torch.linalg.qr(self._centred_times(probe))[0]
            for _ in range(iters):
                basis = torch.linalg.qr(self._centred_t_times(basis))[0]
                basis = torch.linalg.qr(self._centred_times(basis))[0]
            small = self._centred_t_times(basis).t()  # rank x N
            _, singular, vt = torch.linalg.svd(small, full_matrices=False)
            values, vectors = singular**2 / count, vt.t()
            observed = (self.codes >= 0).float()
            mean = self.mean.view(-1, self.num_classes)
            norms = (observed * (1 - 2 * mean[
                torch.arange(len(mean))[None],
                self.codes.long().clamp(min=0)] + mean.pow(2).sum(1))).sum()
            total = norms / count
        return dict(
            basis=vectors[:, :channels].contiguous(),
            mean=self.mean,
            explained_variance=values[:channels].clamp(min=0),
            total_variance=total)
