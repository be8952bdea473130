# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine import dist
from mmengine.logging import print_log
from torch import Tensor, nn

from .resize_taps import (bilinear_taps, neighbour_products,
                          resized_square_norms)


def memory_momentum(t: int, total: int, m0: float = 0.9,
                    power: float = 0.9) -> float:
    """Momentum of the memory update at iteration ``t`` of ``total``, eq. 7:
    ``m_t = (1 - t / T)^p (m0 - m0 / 100) + m0 / 100``."""
    if not 0 <= t <= total:
        raise ValueError(f'iteration {t} is outside [0, {total}]')
    return (1 - t / total)**power * (m0 - m0 / 100) + m0 / 100


class MemorySums:
    """The per-class sums of one batch that the update needs, as named
    views of one flat buffer, so that a single all-reduce combines them
    over the processes:

    - ``weighted`` (K x C): ``sum_i (1 - S_i) R_i`` over the pixels of each
      class (eq. 10's numerator);
    - ``plain`` (K x C): ``sum_i R_i`` (for a mean);
    - ``picked`` (K x C): the one pixel drawn for a slot's random
      initialisation (zero on the processes that do not hold it);
    - ``weight`` (K): ``sum_i (1 - S_i)`` (eq. 10's denominator);
    - ``count`` (K): pixels of each class;
    - ``num_bad`` (1): labels outside ``[0, K)`` that are not ignored.
    """

    def __init__(self, num_classes: int, channels: int,
                 like: Tensor) -> None:
        self.flat = like.new_zeros(num_classes * (3 * channels + 2) + 1)
        per_class = self.flat[:-1].view(num_classes, 3 * channels + 2)
        self.weighted, self.plain, self.picked = per_class[:, :3 *
                                                           channels].split(
                                                               channels, 1)
        self.weight, self.count = per_class[:, -2], per_class[:, -1]
        self.num_bad = self.flat[-1:]

    def all_reduce(self) -> None:
        dist.all_reduce(self.flat)


class FeatureMemory(nn.Module):
    """The feature memory of MCIBI (Jin et al., ICCV 2021, Sec. 3.2).

    ``memory`` (K x C) holds one dataset-level representation per class and
    ``initialized`` (K) says which slots have been filled; both are
    persistent buffers, so checkpoints carry them. Nothing here is learnt by
    back-propagation: :meth:`update` changes the memory, after the optimiser
    step, by the moving average of eq. 6 towards ``T(R)`` (eq. 8-10):

    - R is the features resized to the label resolution (eq. 8) and pixels
      with ``ignore_index`` are left out;
    - for each class c in the batch, ``S_i = cos(R_c,i, M[c])`` (eq. 9) and
      ``T(R)[c] = sum_i (1 - S_i) R_c,i / sum_j (1 - S_j)`` (eq. 10); when
      every ``S_i`` is 1 (to fp32 round-off: a mean ``1 - S`` under 1e-6)
      the weights vanish and the plain mean is used;
    - classes absent from the batch are left unchanged;
    - a slot is initialised at its class's first appearance, from one
      pixel chosen uniformly at random (the paper) or from the class mean.

    The resized features are never formed. Bilinear resizing is linear,
    ``R_o = sum_s w_os f_s`` over the four source pixels s of each label
    pixel o, so the same numbers come at the feature resolution (h x w):
    ``<R_o, M_c>`` from the K maps ``M f``; ``|R_o|^2`` as a quadratic form
    of the dot products of neighbouring feature vectors; and the class sums
    ``sum_o v_o R_o = sum_s (sum_o v_o w_os) f_s``, the per-pixel weights
    ``v`` brought down by the adjoint of the resize (a scatter of the four
    taps), then one product with the features. The work is
    O(K C hw + HW) per image instead of O(K C HW). On CUDA the scatters
    add in no fixed order unless torch's deterministic mode is on, so the
    last bits of the memory may differ from run to run.

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
        align_corners (bool): of the bilinear resize of eq. 8. Defaults to
            False.
    """

    def __init__(self,
                 num_classes: int,
                 channels: int,
                 init_mode: str = 'random',
                 ignore_index: int = 255,
                 align_corners: bool = False) -> None:
        super().__init__()
        if init_mode not in ('random', 'mean'):
            raise ValueError(
                f"init_mode must be 'random' or 'mean', got {init_mode!r}")
        self.num_classes = num_classes
        self.channels = channels
        self.init_mode = init_mode
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        # bilinear taps by (feature size, label size, device); not state
        self._tap_cache: Dict[tuple, Tuple[Tensor, Tensor]] = {}
        #: batches :meth:`update` skipped for sums that were not finite
        self.num_skipped = 0
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

    def _taps(self, size_in: Tuple[int, int], size_out: Tuple[int, int],
              device: torch.device) -> Tuple[Tensor, Tensor]:
        """:func:`bilinear_taps`, kept for the sizes last seen (training
        crops repeat every iteration)."""
        key = (tuple(size_in), tuple(size_out), str(device))
        if key not in self._tap_cache:
            if len(self._tap_cache) >= 4:
                self._tap_cache.clear()
            self._tap_cache[key] = bilinear_taps(size_in, size_out,
                                                 self.align_corners, device)
        return self._tap_cache[key]

    def _accumulate(self, feats: Tensor, labels: Tensor, keep: Tensor,
                    unit_memory: Tensor, sums: MemorySums,
                    picks: Dict[int, int]) -> None:
        """Add the batch's terms of eq. 9-10 to ``sums``, at the feature
        resolution: ``feats`` B x C x h x w, ``labels`` and ``keep`` B x H x
        W, ``picks`` {class: pixel (of the flattened B x H x W) that
        initialises its slot}."""
        num_images, num_classes = feats.shape[0], self.num_classes
        index, weight = self._taps(feats.shape[2:], labels.shape[1:],
                                   feats.device)  # 4 x HW
        padded = F.pad(feats, (0, 1, 0, 1))
        source = padded.flatten(2)  # B x C x P, P = (h + 1)(w + 1)
        positions = source.shape[2]
        keep = keep.flatten(1).float()
        slot = torch.where(keep > 0, labels.flatten(1), 0)  # B x HW
        # tap s of pixel o in the K x P maps of its image and class
        image = torch.arange(num_images, device=feats.device)[:, None, None]
        in_class = index + (image * num_classes + slot[:, None]) * positions
        # eq. 9: <R_o, M_c> from the K maps M f, |R_o| from the neighbours
        memory_maps = (unit_memory @ source).flatten()  # B x K x P
        dots = (weight * memory_maps[in_class]).sum(1)
        norms = resized_square_norms(
            neighbour_products(padded), index, weight).clamp(min=0).sqrt()
        distance = keep * (1 - dots / norms.clamp(min=1e-8))  # (1 - S_o)
        # eq. 10's class sums, brought down by the adjoint of the resize:
        # per image the K x P maps of sum_o w_os (1 - S_o) and of sum_o w_os
        down = source.new_zeros(2, num_images * num_classes * positions)
        in_class = in_class.flatten()
        down[0].index_add_(0, in_class, (weight * distance[:, None]).flatten())
        down[1].index_add_(0, in_class, (weight * keep[:, None]).flatten())
        down = down.view(2, num_images, num_classes, positions).transpose(0, 1)
        class_sums = (down.reshape(num_images, 2 * num_classes, positions)
                      @ source.transpose(1, 2)).sum(0)  # 2K x C
        sums.weighted += class_sums[:num_classes]
        sums.plain += class_sums[num_classes:]
        sums.weight.scatter_add_(0, slot.flatten(), distance.flatten())
        for cls, pixel in picks.items():
            at, pixel = divmod(pixel, index.shape[1])
            sums.picked[cls] = source[at][:, index[:, pixel]] @ weight[:,
                                                                       pixel]

    @torch.no_grad()
    def update(self, feats: Tensor, labels: Tensor, momentum: float) -> None:
        """Apply eq. 6 with ``T(R)`` of eq. 8-10 for this batch.

        In four steps, all in fp32 (also under autocast): the pixels of each
        class are counted and the pixels that initialise new slots chosen
        (:meth:`_count_and_pick`); the batch's terms of eq. 9-10 are summed
        at the feature resolution (:meth:`_accumulate`); the sums of all
        processes are combined by one all-reduce and checked
        (:meth:`_reduce_and_check`); the slots are written (:meth:`_write`).
        A label outside ``[0, K)`` (and not ``ignore_index``) raises a
        ``ValueError`` on every process, after the all-reduce, so no process
        is left waiting; a batch whose sums are not finite (an fp16 overflow
        upstream, or diverged fp32 features) is skipped with a warning,
        counted in ``num_skipped``, rather than written into the memory.

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
        in_dtype = str(feats.dtype).replace('torch.', '')
        with torch.autocast(device_type=feats.device.type, enabled=False):
            feats = feats.float()
            sums = MemorySums(self.num_classes, self.channels, feats)
            labeled, bad, picks = self._count_and_pick(labels, sums)
            self._accumulate(feats, labels, labeled,
                             F.normalize(self.memory.float(), dim=1), sums,
                             picks)
            if self._reduce_and_check(sums, labels, bad, in_dtype):
                self._write(sums, momentum)

    def _count_and_pick(self, labels: Tensor, sums: MemorySums
                        ) -> Tuple[Tensor, Tensor, Dict[int, int]]:
        """Count each class's pixels and the out-of-range labels into
        ``sums``; return the labelled pixels (B x H x W), the out-of-range
        ones, and {class: pixel (of the flattened B x H x W) that
        initialises its slot} for the slots waiting for a random pixel."""
        num_classes = self.num_classes
        labeled = labels != self.ignore_index
        bad = labeled & ((labels < 0) | (labels >= num_classes))
        labeled &= ~bad
        # B x K pixel counts; scatters, not masks, so that nothing here
        # waits for the device
        codes = torch.where(labeled, labels, num_classes).flatten(1)
        counts = torch.zeros(
            codes.shape[0], num_classes + 1, dtype=torch.long,
            device=codes.device).scatter_add_(
                1, codes, torch.ones_like(codes))[:, :num_classes]
        sums.count += counts.sum(0)
        sums.num_bad += bad.sum()
        targets = self._pick_targets(counts.sum(0))
        picks = {}
        if targets is not None:  # slots waiting for a first pixel
            codes_flat = codes.flatten()
            for cls in (targets >= 0).nonzero()[:, 0].tolist():
                pixels = (codes_flat == cls).nonzero()[:, 0]
                picks[cls] = int(pixels[targets[cls]])
        return labeled, bad, picks

    def _reduce_and_check(self, sums: MemorySums, labels: Tensor, bad: Tensor,
                          in_dtype: str) -> bool:
        """The one all-reduce of the step and its one read of the device:
        raise on out-of-range labels (on every process), skip (False, with
        a warning) a batch whose sums are not finite."""
        sums.all_reduce()
        num_bad, finite = torch.stack([
            sums.num_bad[0],
            torch.isfinite(sums.flat[:-1]).all().float()
        ]).tolist()
        if num_bad > 0:
            found = labels[bad]
            value = (f'label {found[0].item()}'
                     if found.numel() else 'a label (on another process)')
            raise ValueError(
                f'{value} is outside [0, {self.num_classes}) and is not '
                f'ignore_index={self.ignore_index}; {int(num_bad)} pixels '
                'have such labels')
        if not finite:
            self.num_skipped += 1
            cause = ('the features hold Inf or NaN: has training diverged?'
                     if in_dtype == 'float32' else
                     f'an overflow of the {in_dtype} features?')
            print_log(
                f'FeatureMemory: the sums of this batch are not finite '
                f'({cause}); the memory is left unchanged, '
                f'{self.num_skipped} batches skipped so far',
                logger='current',
                level=logging.WARNING)
            return False
        return True

    def _write(self, sums: MemorySums, momentum: float) -> None:
        """Slots of classes first seen take their first value (a random
        pixel or the mean), the others present move by eq. 6, absent ones
        stay; selected by ``torch.where``, without reading the device."""
        count, weight = sums.count, sums.weight
        present = count > 0
        mean = sums.plain / count.clamp(min=1)[:, None]
        first = sums.picked if self.init_mode == 'random' else mean
        # eq. 10. When every pixel is parallel to M[c], all 1 - S_i are 0 up
        # to round-off and the weights mean nothing: plain mean
        degenerate = weight <= 1e-6 * count
        target = torch.where(
            degenerate[:, None], mean,
            sums.weighted / torch.where(degenerate, torch.ones_like(weight),
                                        weight)[:, None])
        old = self.memory.float()
        moved = (1 - momentum) * old + momentum * target
        new = torch.where((present & ~self.initialized)[:, None], first,
                          torch.where(present[:, None], moved, old))
        self.memory.copy_(new.to(self.memory.dtype))
        self.initialized |= present
