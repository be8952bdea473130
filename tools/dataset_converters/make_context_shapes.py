# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Generate ContextShapes, a synthetic scene-parsing set where context matters.

Every image is a scene of one of two types, *water* or *road*, under a strip
of sky. Some objects are drawn identically in both scenes while their class
depends on the scene, as in the PSPNet paper's boat-vs-car example (Fig. 2):
a large vehicle is a ``boat`` on water and a ``car`` on a road, a small
orange marker is a ``buoy`` on water and a ``cone`` on a road. ``person`` and
``bird`` look and mean the same everywhere and are small.

The output follows ADE20K's folder layout, so mmseg's stock pipelines read
it::

    OUT/images/{training,validation}/cs_{split}_{index:05d}.png
    OUT/annotations/{training,validation}/cs_{split}_{index:05d}.png

Labels are single-channel PNGs with values ``0..8`` (see
``mmseg_ctx.datasets.ContextShapesDataset``) and 255 on the one-pixel outline
of every vehicle (ignored, like an unsure annotation). Each image is drawn
from its own generator seeded by ``(seed, split, index)``, so the output is
byte-for-byte reproducible and does not depend on the order of generation.

Example::

    python tools/dataset_converters/make_context_shapes.py \
        --out data/context_shapes --seed 0
"""
import argparse

from mmseg_ctx.analysis.context_shapes_generator import generate


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the ContextShapes data set')
    parser.add_argument(
        '--out', default='data/context_shapes', help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--num-train', type=int, default=600, help='training images')
    parser.add_argument(
        '--num-val', type=int, default=150, help='validation images')
    parser.add_argument('--height', type=int, default=128, help='height')
    parser.add_argument('--width', type=int, default=160, help='width')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    generate(args.out, args.seed, args.num_train, args.num_val, args.height,
             args.width)


if __name__ == '__main__':
    main()
