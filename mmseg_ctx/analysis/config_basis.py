# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The label basis of DUpsampling (Tian et al., CVPR 2019, Sec. 3.1) from
an mmseg dataset config, and its upper bound (Table 1, mIoU*). The file
format is :mod:`mmseg_ctx.models.utils.label_basis_file`'s."""
import copy
import os.path as osp
from typing import Dict, Iterator, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed
from mmengine.utils import ProgressBar
from mmseg.evaluation import IoUMetric
from mmseg.models.utils import resize
from torch import Tensor
from torch.utils.data import DataLoader

from ..models.utils import DUpsampling, load_label_basis, save_label_basis
from .label_basis_estimator import LabelBasisEstimator


def label_loader(cfg: Config,
                 split: str,
                 num_workers: int = 0,
                 seed: int = 0) -> DataLoader:
    """The images of the ``split`` ('train' or 'val') dataset of ``cfg`` one
    by one, in order, through its own pipeline (augmentations seeded by
    ``seed``)."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return Runner.build_dataloader(
        dict(
            batch_size=1,
            num_workers=num_workers,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=copy.deepcopy(cfg[f'{split}_dataloader'].dataset)),
        seed=seed)


def iter_labels(loader: DataLoader,
                progress: ProgressBar) -> Iterator[Tuple[Tensor, str]]:
    """Each label map (H x W) of ``loader`` with the file it came from."""
    for batch in loader:
        sample = batch['data_samples'][0]
        yield sample.gt_sem_seg.data[0], sample.seg_map_path
        progress.update()


def compute_label_basis(cfg: Config,
                        ratio: int,
                        channels: int,
                        epochs: int = 1,
                        max_samples: int = 200_000,
                        ignore_index: int = 255,
                        num_workers: int = 0,
                        seed: int = 0) -> dict:
    """Stream the training labels of ``cfg`` through its training pipeline
    ``epochs`` times into a :class:`LabelBasisEstimator` and fit the top
    ``channels`` principal directions.

    Returns:
        dict: what a basis file holds: ``basis`` (W, N x C~), ``mean``,
        ``ratio``, ``num_classes``, ``channels``, ``classes``,
        ``explained_variance`` (C~), ``total_variance``, ``ignore_index``,
        ``num_patches`` (seen) and ``num_samples`` (kept for the PCA).
    """
    set_random_seed(seed)
    loaders = [
        label_loader(cfg, 'train', num_workers, seed + epoch)
        for epoch in range(epochs)
    ]
    classes = list(loaders[0].dataset.metainfo['classes'])
    estimator = LabelBasisEstimator(
        len(classes), ratio, ignore_index, max_samples=max_samples, seed=seed)
    progress = ProgressBar(epochs * len(loaders[0]))
    for loader in loaders:
        for labels, path in iter_labels(loader, progress):
            try:
                estimator.add(labels[None])
            except ValueError as error:
                raise ValueError(f'{path}: {error}') from None
    fit = estimator.fit(channels)
    return dict(
        fit,
        ratio=ratio,
        num_classes=len(classes),
        channels=channels,
        classes=classes,
        ignore_index=ignore_index,
        num_patches=estimator.seen,
        num_samples=len(estimator.codes))


def ensure_label_basis(cfg: Config, path: str, ratio: int, channels: int,
                       **kwargs) -> dict:
    """The basis at ``path`` if it has this ratio, channels and the
    dataset's classes; otherwise compute (``kwargs`` as
    :func:`compute_label_basis`) and write it."""
    if osp.exists(path):
        record = load_label_basis(path)
        classes = label_loader(cfg, 'train').dataset.metainfo['classes']
        if (record['ratio'], record['channels'],
                record.get('classes')) == (ratio, channels, list(classes)):
            return record
    record = compute_label_basis(cfg, ratio, channels, **kwargs)
    save_label_basis(record, path)
    return record


def ensure_config_basis(cfg: Config) -> Optional[dict]:
    """The label basis a config's ``DUpsamplingHead`` reads from its
    ``basis_file``, made by :func:`ensure_label_basis`; ``None`` for a
    config without one (another head, a basis given inline, or
    ``upsample='bilinear'``, which has no basis)."""
    head = cfg.model.decode_head
    if head.get('type') != 'DUpsamplingHead' or not head.get('basis_file') \
            or head.get('upsample', 'dupsampling') != 'dupsampling':
        return None
    return ensure_label_basis(cfg, head.basis_file, head.ratio,
                              head.basis_channels)


def bilinear_restore(labels: Tensor, ratio: int, num_classes: int,
                     ignore_index: int = 255) -> Tensor:
    """The bilinear baseline of Table 1: one-hot labels (B x H x W)
    area-downsampled by r (ignored pixels in no class), bilinearly
    upsampled back to the padded grid, cropped: B x K x H x W scores."""
    height, width = labels.shape[1:]
    observed = labels != ignore_index
    onehot = F.one_hot(torch.where(observed, labels, 0).long(), num_classes)
    onehot = (onehot * observed[..., None]).permute(0, 3, 1, 2).float()
    onehot = F.pad(onehot, (0, -width % ratio, 0, -height % ratio))
    small = F.avg_pool2d(onehot, ratio)
    up = resize(small, scale_factor=ratio, mode='bilinear',
                align_corners=False)
    return up[:, :, :height, :width]


def upper_bound(cfg: Config,
                record: dict,
                num_workers: int = 0) -> Dict[str, float]:
    """mIoU* (%) of restoring the validation labels of ``cfg`` from their
    codes with the basis (DUpsampling) and from their area-downsampled
    one-hot maps by bilinear upsampling, at the basis's ratio."""
    ratio, num_classes = record['ratio'], record['num_classes']
    ignore_index = record['ignore_index']
    dupsample = DUpsampling(record['basis'], record['mean'], ratio,
                            num_classes)
    loader = label_loader(cfg, 'val', num_workers)
    areas = {
        name: torch.zeros(2, num_classes, dtype=torch.float64)
        for name in ('dupsampling', 'bilinear')
    }
    progress = ProgressBar(len(loader))
    for labels, _ in iter_labels(loader, progress):
        labels = labels.long()
        restored = dict(
            dupsampling=dupsample(dupsample.compress(
                labels[None], ignore_index))[0, :, :labels.shape[0], :
                                             labels.shape[1]],
            bilinear=bilinear_restore(labels[None], ratio, num_classes,
                                      ignore_index)[0])
        for name, scores in restored.items():
            inter, union, _, _ = IoUMetric.intersect_and_union(
                scores.argmax(0), labels, num_classes, ignore_index)
            areas[name] += torch.stack([inter, union]).double()
    return {
        name: 100 * (inter[union > 0] / union[union > 0]).mean().item()
        for name, (inter, union) in areas.items()
    }
