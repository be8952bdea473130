# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Our data sets check their files at load and name the bad one."""
import shutil

import numpy as np
import pytest
from PIL import Image

import mmseg_ctx  # noqa: F401
from mmseg_ctx.datasets import CamVidDataset, ContextShapesDataset

TRAIN = dict(img_path='images/training', seg_map_path='annotations/training')


def dataset(root, cls=ContextShapesDataset, prefix=TRAIN):
    return cls(data_root=str(root), data_prefix=prefix, pipeline=[])


@pytest.fixture
def copy(tmp_path, tiny_data):
    root = tmp_path / 'shapes'
    shutil.copytree(tiny_data, root)
    return root


def first_label(root):
    return sorted((root / 'annotations' / 'training').glob('*.png'))[0]


def test_clean_data_loads(copy):
    assert len(dataset(copy)) == 6


def test_rgb_label_is_named(copy):
    label = first_label(copy)
    gray = np.array(Image.open(label))
    Image.fromarray(np.stack([gray] * 3, -1)).save(label)  # RGB
    with pytest.raises(ValueError, match=f'{label} has 3 channels '
                       r'\(PIL mode RGB\)'):
        dataset(copy)


def test_size_mismatch_is_named(copy):
    label = first_label(copy)
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(label)
    with pytest.raises(ValueError, match=f'{label} is 12x10 but its image '
                       r'.*training/.*\.png is \d+x\d+'):
        dataset(copy)


def test_missing_label_is_named(copy):
    label = first_label(copy)
    label.unlink()
    with pytest.raises(FileNotFoundError,
                       match=f'the label map {label} of .* does not exist'):
        dataset(copy)


def test_empty_folder_is_named(tmp_path):
    for split in ('img_dir', 'ann_dir'):
        (tmp_path / split / 'test').mkdir(parents=True)
    with pytest.raises(FileNotFoundError,
                       match=r"CamVidDataset: no images ending in '\.png' in "
                       f'{tmp_path}/img_dir/test'):
        dataset(tmp_path, CamVidDataset,
                dict(img_path='img_dir/test', seg_map_path='ann_dir/test'))
