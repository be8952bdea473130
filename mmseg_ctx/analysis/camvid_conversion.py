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
    is one, else sorted; empty when the split is absent (neither folder).
    A split with images but no label folder, or without ``.png`` images,
    is refused, naming what it has."""
    img_dir, ann_dir = osp.join(src, split), osp.join(src, f'{split}annot')
    if not (osp.isdir(img_dir) or osp.isdir(ann_dir)):
        return []
    for folder in (img_dir, ann_dir):
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{folder} does not exist, but its split {split} does')
    list_file = osp.join(src, f'{split}.txt')
    if osp.isfile(list_file):
        with open(list_file, encoding='utf-8') as f:
            names = [
                osp.basename(line.split()[0]) for line in f if line.strip()
            ]
    else:
        files = sorted(os.listdir(img_dir))
        names = [n for n in files if n.endswith('.png')]
        if not names:
            raise FileNotFoundError(
                f'{img_dir} has no .png images (SegNet\'s CamVid is PNG); '
                f'it has {len(files)} files'
                + (f', e.g. {", ".join(files[:3])}' if files else ''))
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
    if not cv2.imwrite(ann_out, convert_label(label, ann_path)):
        raise OSError(f'cannot write {ann_out}')
    shutil.copyfile(img_path, img_out)


def convert_split(pairs: List[Tuple[str, str]], out: str, split: str,
                  nproc: int = 1) -> None:
    """Write one split into ``{out}/img_dir/{split}`` and ``ann_dir/{split}``
    through temporary folders renamed when every pair is converted, so each
    of the two folders is either whole or absent (a failed split is
    removed, an earlier one replaced only when the new one is complete)."""
    final = [osp.join(out, kind, split) for kind in ('img_dir', 'ann_dir')]
    partial = [f'{folder}.partial' for folder in final]
    for folder in partial:
        shutil.rmtree(folder, ignore_errors=True)
        mkdir_or_exist(folder)
    tasks = [(img, ann, osp.join(partial[0], osp.basename(img)),
              osp.join(partial[1], osp.basename(ann))) for img, ann in pairs]
    try:
        if nproc > 1:
            track_parallel_progress(convert_pair, tasks, nproc)
        else:
            track_progress(convert_pair, tasks)
    except BaseException:
        for folder in partial:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    for tmp, folder in zip(partial, final):
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(tmp, folder)


def convert(src: str, out: str, nproc: int = 1) -> dict:
    """Convert every split found in ``src``; the number of images per
    split."""
    counts = {}
    for split in SPLITS:
        pairs = split_pairs(src, split)
        if not pairs:
            continue
        print(f'{split}: {len(pairs)} images')
        convert_split(pairs, out, split, nproc)
        counts[split] = len(pairs)
    if not counts:
        raise FileNotFoundError(
            f'{src} has none of {[f"{s}/ and {s}annot/" for s in SPLITS]}')
    return counts
