# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""CamVid from SegNet's layout (``{split}/``, ``{split}annot/``, optional
``{split}.txt`` lists of another machine's paths) into mmseg's
(``img_dir/{split}``, ``ann_dir/{split}``), void (11) mapped to 255, every
label checked."""
import os
import os.path as osp
import shutil
from typing import List, Tuple

import cv2
import numpy as np
from mmengine.utils import (mkdir_or_exist, track_parallel_progress,
                            track_progress)

SPLITS = ('train', 'val', 'test')
NUM_CLASSES = 11
VOID = 11  # SegNet's "Unlabelled"
IGNORE_INDEX = 255


def split_pairs(src: str, split: str) -> List[Tuple[str, str]]:
    """(image, label) paths of one split, in the list file's order if there
    is one, else sorted; empty when the split is absent."""
    img_dir, ann_dir = osp.join(src, split), osp.join(src, f'{split}annot')
    if not (osp.isdir(img_dir) and osp.isdir(ann_dir)):
        return []
    list_file = osp.join(src, f'{split}.txt')
    if osp.isfile(list_file):
        with open(list_file, encoding='utf-8') as f:
            names = [
                osp.basename(line.split()[0]) for line in f if line.strip()
            ]
    else:
        names = sorted(n for n in os.listdir(img_dir) if n.endswith('.png'))
    pairs = [(osp.join(img_dir, n), osp.join(ann_dir, n)) for n in names]
    for path in (p for pair in pairs for p in pair):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} (listed for {split}) is missing')
    return pairs


def convert_label(label: np.ndarray, path: str) -> np.ndarray:
    """SegNet's label values ``0..11`` to ``0..10`` and 255 (void)."""
    if label.ndim != 2:
        raise ValueError(f'{path}: a label map must have one channel, '
                         f'got shape {label.shape}')
    bad = label > VOID
    if bad.any():
        raise ValueError(f'{path}: label value {int(label[bad].max())} is '
                         f'not a CamVid class (0..{NUM_CLASSES - 1}) nor '
                         f'void ({VOID})')
    out = label.astype(np.uint8)
    out[label == VOID] = IGNORE_INDEX
    return out


def convert_pair(task: Tuple[str, str, str, str]) -> None:
    """One ``(image, label, image out, label out)``: the image copied, the
    label converted, after checking that both read and fit."""
    img_path, ann_path, img_out, ann_out = task
    label = cv2.imread(ann_path, cv2.IMREAD_UNCHANGED)
    image = cv2.imread(img_path, cv2.IMREAD_UNCHANGED)
    if label is None or image is None:
        raise ValueError(
            f'cannot read {ann_path if label is None else img_path}')
    if label.shape[:2] != image.shape[:2]:
        raise ValueError(f'{ann_path}: label size {label.shape[:2]} differs '
                         f'from its image {img_path} {image.shape[:2]}')
    cv2.imwrite(ann_out, convert_label(label, ann_path))
    shutil.copyfile(img_path, img_out)


def convert(src: str, out: str, nproc: int = 1) -> dict:
    """Convert every split found in ``src``; the number of images per
    split."""
    counts = {}
    for split in SPLITS:
        pairs = split_pairs(src, split)
        if not pairs:
            continue
        img_dir = osp.join(out, 'img_dir', split)
        ann_dir = osp.join(out, 'ann_dir', split)
        mkdir_or_exist(img_dir)
        mkdir_or_exist(ann_dir)
        tasks = [(img, ann, osp.join(img_dir, osp.basename(img)),
                  osp.join(ann_dir, osp.basename(ann)))
                 for img, ann in pairs]
        print(f'{split}: {len(tasks)} images')
        if nproc > 1:
            track_parallel_progress(convert_pair, tasks, nproc)
        else:
            track_progress(convert_pair, tasks)
        counts[split] = len(tasks)
    if not counts:
        raise FileNotFoundError(
            f'{src} has none of {[f"{s}/ and {s}annot/" for s in SPLITS]}')
    return counts
