# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Data the tests make: a tiny ContextShapes, a SegNet-layout CamVid,
random batches."""
import os
import os.path as osp
import subprocess
import sys

import torch
from helpers import ROOT
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

GENERATOR = osp.join(ROOT, 'tools', 'dataset_converters',
                     'make_context_shapes.py')


def random_batch(size: int = 64, num: int = 2, classes: int = 9) -> dict:
    """A data batch as the Runner gives it: ``num`` random uint8 images
    of ``size`` x ``size`` and their random label maps."""
    gen = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(num):
        label = torch.randint(0, classes, (1, size, size), generator=gen)
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(size, size),
                                 ori_shape=(size, size)))
        samples.append(sample)
    images = [torch.randint(0, 255, (3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(num)]
    return dict(inputs=images, data_samples=samples)


def make_context_shapes(out: str, seed: int = 0, num_train: int = 6,
                        num_val: int = 3, height: int = 64,
                        width: int = 80) -> str:
    subprocess.run([
        sys.executable, GENERATOR, '--out', out, '--seed',
        str(seed), '--num-train',
        str(num_train), '--num-val',
        str(num_val), '--height',
        str(height), '--width',
        str(width)
    ],
                   check=True,
                   capture_output=True)
    return out


def make_segnet_camvid(root: str, splits=('train', 'val'), num: int = 3,
                       height: int = 36, width: int = 48,
                       seed: int = 0) -> str:
    """A tiny CamVid in SegNet's layout: ``{split}/``, ``{split}annot/``
    (labels 0..11, 11 = void) and, for ``train``, a list file with
    SegNet's absolute paths of another machine."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(seed)
    for split in splits:
        os.makedirs(osp.join(root, split), exist_ok=True)
        os.makedirs(osp.join(root, f'{split}annot'), exist_ok=True)
        names = [f'0001TP_{split}_{i:04d}.png' for i in range(num)]
        for name in names:
            # bands of classes as in a street scene, void on a few pixels
            label = np.repeat(
                rng.integers(0, 11, (height // 4, 1)), 4, axis=0)
            label = np.repeat(label, width, axis=1).astype(np.uint8)
            label[rng.random((height, width)) < 0.05] = 11
            image = rng.integers(0, 255, (height, width, 3), np.uint8)
            image[..., 0] = label * 20  # the class is visible
            cv2.imwrite(osp.join(root, split, name), image)
            cv2.imwrite(osp.join(root, f'{split}annot', name), label)
        if split == 'train':
            with open(osp.join(root, 'train.txt'), 'w') as f:
                for name in names:
                    f.write(f'/SegNet/CamVid/train/{name} '
                            f'/SegNet/CamVid/trainannot/{name}\n')
    return root
