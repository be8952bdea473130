# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging
from typing import Iterator, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine import dist
from mmengine.logging import print_log
from mmseg.models.utils import resize
from torch import Tensor, nn


def memory_momentum(t: int, total: int, m0: float = 0.9,
                    power: float = 0.9) -> float:
    """Momentum of the memory update at iteration ``t`` of ``total``, eq. 7:
    ``m_t = (1 - t / T)^p (m0 - m0 / 100) + m0 / 100``."""
    if not 0 <= t <= total:
        raise ValueError(f'iteration {t} is outside [0, {total}]')
    return (1 - t / total)**power * (m0 - m0 / 100) + m0 / 100


class FeatureMemory(nn.Module):
    """The feature memory of MCIBI (Jin et al., ICCV 2021, Sec. 3.2).

    ``memory`` (K x C) holds one dataset-level representation per class and
    ``initialized`` (K) says which slots have been filled; both are
    persistent buffers, so checkpoints carry them. Nothing here is learnt by
    back-propagation: :meth:`update` changes the memory, after the optimiser
    step, by the moving average of eq. 6 towards ``T(R)`` (eq. 8-10):

    - features are resized to the label resolution (eq. 8) and pixels with
      ``ignore_index`` are left out;
    - for each class c in the batch, ``S_i = cos(R_c,i, M[c])`` (eq. 9) and
      ``T(R)[c] = sum_i (1 - S_i) R_c,i / sum_j (1 - S_j)`` (eq. 10); when
      every ``S_i`` is 1 (to fp32 round-off: a mean ``1 - S`` under 1e-6)
      the weights vanish and the plain mean is used;
    - classes absent from the batch are left unchanged;
    - a slot is initialised at its class's first appearance, from one
      pixel chosen uniformly at random (the paper) or from the class mean.

    Under distributed training every process contributes its per-class
    sums to one all-reduce, so every process applies the same update, and
    that update equals the single-process update on the global batch: a
    class seen by one rank moves at the full momentum. The random pixel is
    drawn among the pixels of all ranks (rank 0 draws, offsets come from
    the ranks' counts), so initialisation agrees too. All of it runs in fp32,
    also under autocast.

    Args:
        num_classes (int): K.
        channels (int): C, the width of a pixel representation.
        init_mode (str): ``'random'`` (a random pixel, the paper's default)
            or ``'mean'`` (the class mean of the first batch).
        ignore_index (int): label of pixels to leave out. Defaults to 255.
        align_corners (bool): for resizing features to the labels.
        chunk_channels (int, optional): resize this many channels to the
            label resolution at a time, so that the update never holds the
            whole C x H x W features there (1 GB at C = 512 and 512 x 1024
            labels in fp32), at the price of resizing twice. None (default):
            all at once.
    """

    def __init__(self,
                 num_classes: int,
                 channels: int,
                 init_mode: str = 'random',
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 chunk_channels: Optional[int] = None) -> None:
        super().__init__()
        if init_mode not in ('random', 'mean'):
            raise ValueError(
                f"init_mode must be 'random' or 'mean', got {init_mode!r}")
        if chunk_channels is not None and chunk_channels < 1:
            raise ValueError(
                f'chunk_channels must be >= 1, got {chunk_channels}')
        self.chunk_channels = chunk_channels
        self.num_classes = num_classes
        self.channels = channels
        self.init_mode = init_mode
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.register_buffer('memory', torch.zeros(num_classes, channels))
        self.register_buffer('initialized',
                             torch.zeros(num_classes, dtype=torch.bool))

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        # mmengine's non-strict loading would only warn on a shape mismatch
        found = state_dict.get(prefix + 'memory')
        if found is not None and found.shape != self.memory.shape:
            raise ValueError(
                f'the checkpoint\'s {prefix}memory has shape '
                f'{tuple(found.shape)}, but this model\'s memory is '
                f'{tuple(self.memory.shape)} (num_classes x channels)')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, channels={self.channels}, '
                f'init_mode={self.init_mode!r}')

    def _label_maps(self, labels: Tensor) -> Tensor:
        """B x H x W labels (a channel dim of 1 is dropped)."""
        if labels.dim() == 4 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.dim() != 3:
            raise ValueError('labels must be B x H x W (or B x 1 x H x W), '
                             f'got shape {tuple(labels.shape)}')
        return labels.long()

    def _resized(self, feat: Tensor,
                 size: Tuple[int, int]) -> Iterator[Tuple[slice, Tensor]]:
        """The C x h x w ``feat`` at label resolution (eq. 8), as
        ``chunk_channels`` x HW pieces with the channels they hold; bilinear
        resizing is per channel, so the pieces are the whole resize."""
        step = self.chunk_channels or feat.shape[0]
        for start in range(0, feat.shape[0], step):
            part = slice(start, start + step)
            yield part, resize(
                feat[None, part],
                size=size,
                mode='bilinear',
                align_corners=self.align_corners)[0].flatten(1)

    def _pick_targets(self, local_counts: Tensor) -> Optional[Tensor]:
        """For random initialisation: per class, the index (among this
        process's pixels of the class, -1 if none) of the one pixel drawn
        from the pixels of all processes; None if no slot needs it."""
        if self.init_mode != 'random' or bool(self.initialized.all()):
            return None
        counts = torch.stack(dist.all_gather(local_counts))  # ranks x K
        offset = counts[:dist.get_rank()].sum(0)
        draw = torch.rand(self.num_classes, device=local_counts.device)
        dist.broadcast(draw, src=0)
        total = counts.sum(0)
        # in float64: a class may have more than 2**24 pixels in a batch
        target = torch.minimum((draw.double() * total).long(),
                               total - 1) - offset
        mine = (target >= 0) & (target < local_counts) & ~self.initialized
        return torch.where(mine, target, torch.full_like(target, -1))

    @torch.no_grad()
    def update(self, feats: Tensor, labels: Tensor, momentum: float) -> None:
        """Apply eq. 6 with ``T(R)`` of eq. 8-10 for this batch.

        Sums are formed per image as ``K x HW`` by ``HW x C`` products (over
        ``chunk_channels`` pieces of the resized features if set), so
        beside the resized features no ``HW x C`` temporary is made. A label
        outside ``[0, K)`` (and not ``ignore_index``) raises a ``ValueError``
        on every process, after the all-reduce, so no process is left
        waiting; a batch whose sums are not finite (an fp16 overflow) is
        skipped with a warning rather than written into the memory.

        Args:
            feats (Tensor): B x C x h x w pixel representations R.
            labels (Tensor): B x H x W ground truth (B x 1 x H x W too).
            momentum (float): m of eq. 6, e.g. from :func:`memory_momentum`.
        """
        if feats.dim() != 4 or feats.shape[1] != self.channels:
            raise ValueError(f'feats must be B x {self.channels} x h x w, '
                             f'got shape {tuple(feats.shape)}')
        labels = self._label_maps(labels)
        if feats.shape[0] != labels.shape[0]:
            raise ValueError(f'{feats.shape[0]} feature maps but '
                             f'{labels.shape[0]} label maps')
        num_classes, channels = self.num_classes, self.channels
        labeled = labels != self.ignore_index
        bad = labeled & ((labels < 0) | (labels >= num_classes))
        labeled &= ~bad
        with torch.autocast(device_type=feats.device.type, enabled=False):
            feats = feats.float()
            unit_memory = F.normalize(self.memory.float(), dim=1)
            # B x K pixel counts; scatters, not masks, so that nothing here
            # waits for the device
            codes = torch.where(labeled, labels, num_classes).flatten(1)
            local_counts = torch.zeros(
                codes.shape[0], num_classes + 1, dtype=torch.long,
                device=codes.device).scatter_add_(
                    1, codes, torch.ones_like(codes))[:, :num_classes]
            targets = self._pick_targets(local_counts.sum(0))
            # [sum (1-S)R | sum R | picked pixel | sum (1-S) | count], and
            # the number of out-of-range labels, all in one all-reduce
            flat = feats.new_zeros(num_classes * (3 * channels + 2) + 1)
            stats = flat[:-1].view(num_classes, 3 * channels + 2)
            weighted, plain, picked = stats[:, :3 * channels].split(
                channels, dim=1)
            seen = torch.zeros_like(local_counts[0])
            for feat, label, keep, count in zip(feats, labels, labeled,
                                                local_counts):
                size = label.shape
                label, keep = label.flatten(), keep.flatten()
                slot = torch.where(keep, label, 0)  # N
                onehot = feat.new_zeros(num_classes, label.numel()).scatter_(
                    0, slot[None], keep[None].float())
                # eq. 9: cosine of each pixel with its class's slot
                if (self.chunk_channels or channels) >= channels:
                    # resized once, kept for the sums
                    pieces = list(self._resized(feat, size))
                    resized = pieces[0][1]
                    dots, norm = unit_memory @ resized, resized.norm(dim=0)
                else:  # piece by piece, resized again for the sums
                    dots = feat.new_zeros(num_classes, label.numel())
                    square = feat.new_zeros(label.numel())
                    for part, resized in self._resized(feat, size):
                        dots += unit_memory[:, part] @ resized
                        square += resized.square().sum(0)
                    pieces, norm = self._resized(feat, size), square.sqrt()
                cosine = dots.gather(0, slot[None])[0] / norm.clamp(min=1e-8)
                weighting = onehot * (1 - cosine)
                pixels = {}
                if targets is not None:
                    here = (targets >= seen) & (targets < seen + count)
                    for cls in here.nonzero()[:, 0].tolist():
                        pixels[cls] = (label == cls).nonzero()[
                            targets[cls] - seen[cls], 0]
                for part, resized in pieces:
                    weighted[:, part] += weighting @ resized.t()
                    plain[:, part] += onehot @ resized.t()
                    for cls, pixel in pixels.items():
                        picked[cls, part] = resized[:, pixel]
                stats[:, -2] += weighting.sum(1)
                stats[:, -1] += count
                seen += count
            flat[-1] = bad.sum()
            dist.all_reduce(flat)
            # the one read of the step's device values
            num_bad, finite = torch.stack([
                flat[-1], torch.isfinite(stats).all().float()]).tolist()
            if num_bad > 0:
                found = labels[bad]
                value = (f'label {found[0].item()}' if found.numel() else
                         'a label (on another process)')
                raise ValueError(
                    f'{value} is outside [0, {num_classes}) and is not '
                    f'ignore_index={self.ignore_index}; {int(num_bad)} '
                    'pixels have such labels')
            if not finite:
                print_log(
                    'FeatureMemory: this batch\'s sums are not finite '
                    '(fp16 overflow?); the memory is left unchanged',
                    logger='current',
                    level=logging.WARNING)
                return
            self._write(weighted, plain, picked, stats[:, -2], stats[:, -1],
                        momentum)

    def _write(self, weighted: Tensor, plain: Tensor, picked: Tensor,
               weight: Tensor, count: Tensor, momentum: float) -> None:
        """Slots of classes first seen take their first value (a random
        pixel or the mean), the others present move by eq. 6, absent ones
        stay; selected by ``torch.where``, without reading the device."""
        present = count > 0
        mean = plain / count.clamp(min=1)[:, None]
        first = picked if self.init_mode == 'random' else mean
        # eq. 10. When every pixel is parallel to M[c], all 1 - S_i are 0 up
        # to round-off and the weights mean nothing: plain mean
        degenerate = weight <= 1e-6 * count
        target = torch.where(
            degenerate[:, None], mean,
            weighted / torch.where(degenerate, torch.ones_like(weight),
                                   weight)[:, None])
        old = self.memory.float()
        moved = (1 - momentum) * old + momentum * target
        new = torch.where((present & ~self.initialized)[:, None], first,
                          torch.where(present[:, None], moved, old))
        self.memory.copy_(new.to(self.memory.dtype))
        self.initialized |= present
