# Copyright (c) mmseg_ctx contributors. All rights reserved.
import hashlib
import os
import os.path as osp

import cv2
import numpy as np
from data_makers import make_context_shapes

from mmseg_ctx.datasets import ContextShapesDataset

NUM_CLASSES = len(ContextShapesDataset.METAINFO['classes'])


def digest(root: str) -> dict:
    """relative path -> sha256 of the bytes, for every file under root."""
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(
                    f.read()).hexdigest()
    return out


def test_same_seed_same_bytes(tmp_path):
    first = digest(make_context_shapes(str(tmp_path / 'a'), seed=3))
    second = digest(make_context_shapes(str(tmp_path / 'b'), seed=3))
    other = digest(make_context_shapes(str(tmp_path / 'c'), seed=4))
    assert len(first) == 2 * (6 + 3)
    assert first == second
    assert first.keys() == other.keys()
    assert all(first[k] != other[k] for k in first)


def test_layout_labels_and_context(tmp_path):
    root = make_context_shapes(str(tmp_path / 'cs'), num_train=20,
                               num_val=4, height=64, width=96)
    counts = np.zeros(256, np.int64)
    for split, num in (('training', 20), ('validation', 4)):
        names = sorted(os.listdir(osp.join(root, 'images', split)))
        assert len(names) == num
        assert names == sorted(os.listdir(osp.join(root, 'annotations',
                                                   split)))
        for name in names:
            img = cv2.imread(osp.join(root, 'images', split, name))
            label = cv2.imread(
                osp.join(root, 'annotations', split, name),
                cv2.IMREAD_UNCHANGED)
            assert img.shape == (64, 96, 3) and label.shape == (64, 96)
            assert label.dtype == np.uint8
            values = np.unique(label)
            assert set(values) <= set(range(NUM_CLASSES)) | {255}, values
            # one scene per image: water (1) or road (2), never both, and
            # the look-alike objects take that scene's class
            scene = {1, 2} & set(values)
            assert len(scene) == 1
            if scene == {1}:
                assert not {4, 6} & set(values)  # no car, no cone
            else:
                assert not {3, 5} & set(values)  # no boat, no buoy
            counts += np.bincount(label.ravel(), minlength=256)
    # every class occurs, and vehicle outlines are ignored
    assert (counts[:NUM_CLASSES] > 0).all() and counts[255] > 0
