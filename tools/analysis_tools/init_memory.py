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

from mmengine.config import DictAction
from mmengine.device import get_device
from mmengine.runner import load_checkpoint, save_checkpoint
from mmseg.apis import init_model

from mmseg_ctx.analysis import check_trained_weights
from mmseg_ctx.analysis.memory_clustering import cluster_memory
from mmseg_ctx.engine import load_runner_config


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
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config (e.g. its data root), as '
        'tools/train.py takes them')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_runner_config(args.config, cfg_options=args.cfg_options)
    model = init_model(cfg, device=get_device())
    checkpoint = load_checkpoint(model, args.checkpoint, map_location='cpu')
    check_trained_weights(model, checkpoint.get('state_dict', checkpoint),
                          args.checkpoint)
    seen, missing = cluster_memory(model, cfg, args.num_images,
                                   args.per_class, args.clusters)
    # on the CPU, so that any machine loads it
    state = {k: v.cpu() for k, v in model.state_dict().items()
             if args.with_weights or '.memory.' in k}
    save_checkpoint(
        dict(state_dict=state,
             meta=dict(memory_init='cosine clustering',
                       source=args.checkpoint)), args.out)
    print(f'\nmemory of {seen} classes written to {args.out}' +
          (f'; classes never seen (left to random init): {missing}'
           if missing else ''))


if __name__ == '__main__':
    main()
