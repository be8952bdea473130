# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Initialise MCIBI's feature memory by cosine clustering (paper, Table 2).

Runs a trained model (backbone and MCIBIHead bottleneck) over training
images with the validation pipeline, gathers each class's pixel
representations R, and sets each memory slot to the centre of the largest
cosine (spherical k-means) cluster of its class. Writes a checkpoint with
only that memory (``decode_head.memory.*``), as the paper's Table 2 starts
a training from it; ``--with-weights`` keeps the model's weights too. A
config loads it with ``load_from = 'OUT'``: the other weights stay as the
config initialises them (e.g. ImageNet), and the slots are marked
initialised, so training does not re-initialise them from random pixels.

Example::

    python tools/analysis_tools/init_memory.py CONFIG CHECKPOINT \
        --out work_dirs/memory_init.pth
"""
import argparse
import copy
import itertools
from collections import defaultdict

import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.runner import Runner, load_checkpoint, save_checkpoint
from mmengine.utils import ProgressBar
from mmseg.apis import init_model

import mmseg_ctx  # noqa: F401  registers our modules
from mmseg_ctx.analysis import (check_trained_weights, cosine_cluster_center,
                                mcibi_head, pixel_representations)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config with an MCIBIHead')
    parser.add_argument('checkpoint', help='trained weights to run')
    parser.add_argument('--out', required=True, help='checkpoint to write')
    parser.add_argument(
        '--num-images', type=int, default=500, help='training images used')
    parser.add_argument(
        '--per-class', type=int, default=64,
        help='pixels kept per class and image')
    parser.add_argument(
        '--clusters', type=int, default=3, help='k of the k-means')
    parser.add_argument(
        '--with-weights',
        action='store_true',
        help='also write the model weights, not only the memory')
    return parser.parse_args()


def training_images(cfg: Config):
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


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    model = init_model(cfg, device=get_device())
    checkpoint = load_checkpoint(model, args.checkpoint, map_location='cpu')
    check_trained_weights(model, checkpoint.get('state_dict', checkpoint),
                          args.checkpoint)
    head = mcibi_head(model)

    loader = training_images(cfg)
    num = min(args.num_images, len(loader))
    progress = ProgressBar(num)
    gathered = defaultdict(list)
    for feats, labels in pixel_representations(
            model, itertools.islice(loader, num), args.per_class):
        for cls in labels.unique().tolist():
            gathered[cls].append(feats[labels == cls].cpu())
        progress.update()

    memory = head.memory
    for cls, feats in gathered.items():
        memory.memory[cls] = cosine_cluster_center(
            torch.cat(feats), args.clusters).to(memory.memory)
        memory.initialized[cls] = True
    missing = (~memory.initialized).nonzero()[:, 0].tolist()
    # on the CPU, so that any machine loads it
    state = {k: v.cpu() for k, v in model.state_dict().items()
             if args.with_weights or '.memory.' in k}
    save_checkpoint(
        dict(state_dict=state,
             meta=dict(memory_init='cosine clustering',
                       source=args.checkpoint)), args.out)
    print(f'\nmemory of {len(gathered)} classes written to {args.out}' +
          (f'; classes never seen (left to random init): {missing}'
           if missing else ''))


if __name__ == '__main__':
    main()
