# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The label basis of a dataset config and its upper bound (mIoU*)."""
import os.path as osp
import shutil

import cv2
import pytest
import torch
from config_writers import FCN_DEMO
from mmengine.config import Config

import mmseg_ctx  # noqa: F401
from mmseg_ctx.analysis import (bilinear_restore, compute_label_basis,
                                ensure_config_basis, ensure_label_basis,
                                upper_bound)
from mmseg_ctx.models.utils import load_label_basis

K = 9  # ContextShapes


def test_full_basis_restores_the_validation_labels(tiny_config):
    """With C~ = N the basis is exact: 100% mIoU*; bilinear is not."""
    cfg = Config.fromfile(tiny_config)
    record = compute_label_basis(cfg, ratio=4, channels=4 * 4 * K)
    assert record['basis'].shape == (144, 144)
    assert record['classes'][0] == 'sky' and record['num_classes'] == K
    assert record['num_patches'] == record['num_samples'] > 0
    assert record['explained_variance'].sum() == pytest.approx(
        record['total_variance'].item(), rel=1e-4)
    miou = upper_bound(cfg, record)
    assert miou['dupsampling'] == pytest.approx(100.0)
    assert 50 < miou['bilinear'] < 100


def test_ignored_pixels_are_not_a_class(tiny_config):
    """Mean patch entries are class frequencies over labelled pixels only:
    at every patch position they sum to 1 although the labels have ignored
    pixels and crops are padded."""
    cfg = Config.fromfile(tiny_config)
    cfg.train_dataloader.dataset.pipeline[2].crop_size = (62, 62)
    record = compute_label_basis(cfg, ratio=4, channels=8)
    sums = record['mean'].view(16, K).sum(1)
    torch.testing.assert_close(sums, torch.ones(16))


def test_a_label_out_of_range_names_the_file(tiny_data, tmp_path):
    data = str(tmp_path / 'data')
    shutil.copytree(tiny_data, data)
    label = osp.join(data, 'annotations', 'training', 'cs_training_00003.png')
    mask = cv2.imread(label, cv2.IMREAD_UNCHANGED)
    mask[5, 5] = 20
    cv2.imwrite(label, mask)
    cfg = Config.fromfile(FCN_DEMO)
    cfg.train_dataloader.dataset.data_root = data
    cfg.train_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')]
    with pytest.raises(ValueError, match=r'cs_training_00003.png: label 20 is '
                       r'outside \[0, 9\)'):
        compute_label_basis(cfg, ratio=4, channels=8)


def test_ensure_reuses_a_matching_basis_only(tiny_config, tmp_path):
    cfg = Config.fromfile(tiny_config)
    path = str(tmp_path / 'bases' / 'b.pth')
    first = ensure_label_basis(cfg, path, 4, 8)
    assert osp.exists(path)
    stamp = osp.getmtime(path)
    again = ensure_label_basis(cfg, path, 4, 8)
    assert osp.getmtime(path) == stamp
    torch.testing.assert_close(again['basis'], first['basis'])
    other = ensure_label_basis(cfg, path, 4, 12)
    assert other['channels'] == 12
    assert load_label_basis(path)['channels'] == 12  # recomputed, written


def test_a_config_gets_the_basis_its_head_reads(tiny_config, tmp_path):
    """A DUpsamplingHead's basis_file is made at its ratio and size; a
    head with no basis to read (another head, a basis given inline,
    ``upsample='bilinear'``) gets none and no file."""
    cfg = Config.fromfile(tiny_config)
    assert ensure_config_basis(cfg) is None  # an FCNHead
    path = str(tmp_path / 'basis.pth')
    cfg.model.decode_head = dict(type='DUpsamplingHead', basis_file=path,
                                 ratio=4, basis_channels=8)
    record = ensure_config_basis(cfg)
    assert (record['ratio'], record['channels']) == (4, 8)
    assert load_label_basis(path)['channels'] == 8
    for head in (dict(basis_file=None, basis=torch.eye(144)),
                 dict(basis_file=str(tmp_path / 'no.pth'),
                      upsample='bilinear')):
        cfg.model.decode_head.update(head)
        assert ensure_config_basis(cfg) is None
    assert not osp.exists(str(tmp_path / 'no.pth'))


def test_bilinear_baseline():
    labels = torch.full((1, 10, 13), 2)
    labels[0, :3, :3] = 255
    scores = bilinear_restore(labels, 4, 3)
    assert scores.shape == (1, 3, 10, 13)
    # ignored pixels count in no class; the rest is class 2 everywhere
    assert (scores.argmax(1) == 2).all()
    assert scores[:, :2].abs().max() == 0
    # a 1-pixel object vanishes after area-downsampling by 4
    labels = torch.zeros(1, 16, 16, dtype=torch.long)
    labels[0, 5, 6] = 1
    assert (bilinear_restore(labels, 4, 2).argmax(1) == 0).all()
