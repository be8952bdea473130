# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""MCIBI's feature memory initialised by clustering (paper, Table 2) with
:mod:`.memory_init`'s pieces: a trained model over training images, each
class's slot set to the centre of its largest cosine cluster."""
import copy
import itertools
from collections import defaultdict
from typing import List, Tuple

import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader

from .memory_init import (cosine_cluster_center, mcibi_head,
                          pixel_representations)


def training_images(cfg: Config) -> DataLoader:
    """The training set through the validation pipeline, one by one, in a
    fixed random order (so that two runs pick the same images)."""
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset.pipeline = cfg.val_dataloader.dataset.pipeline
    return Runner.build_dataloader(
        dict(
            batch_size=1,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
            dataset=dataset))


def cluster_memory(model: BaseModel, cfg: Config, num_images: int,
                   per_class: int, clusters: int) -> Tuple[int, List[int]]:
    """Set each slot of the model's MCIBI memory to the centre of the
    largest of ``clusters`` cosine clusters of its class's pixel
    representations (``per_class`` pixels of each of ``num_images``
    :func:`training_images`), marked initialised; the number of classes
    seen, and the classes never seen (their slots left as they were)."""
    head = mcibi_head(model)
    loader = training_images(cfg)
    num = min(num_images, len(loader))
    progress = ProgressBar(num)
    gathered = defaultdict(list)
    for feats, labels in pixel_representations(
            model, itertools.islice(loader, num), per_class):
        for cls in labels.unique().tolist():
            gathered[cls].append(feats[labels == cls].cpu())
        progress.update()

    memory = head.memory
    for cls, feats in gathered.items():
        memory.memory[cls] = cosine_cluster_center(
            torch.cat(feats), clusters).to(memory.memory)
        memory.initialized[cls] = True
    missing = (~memory.initialized).nonzero()[:, 0].tolist()
    return len(gathered), missing
