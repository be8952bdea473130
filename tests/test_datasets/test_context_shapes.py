# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import mmseg_ctx  # noqa: F401

BASE = f'{ROOT}/configs/_base_/datasets/context_shapes.py'


def build(cfg: Config, loader: str, data_root: str):
    dataset_cfg = cfg[loader].dataset
    dataset_cfg.data_root = data_root
    return DATASETS.build(dataset_cfg)


def test_stock_pipelines_read_it(tiny_data):
    init_default_scope('mmseg')
    cfg = Config.fromfile(BASE)
    train = build(cfg, 'train_dataloader', tiny_data)
    val = build(cfg, 'val_dataloader', tiny_data)
    assert (len(train), len(val)) == (6, 3)
    assert train.metainfo['classes'][3:5] == ('boat', 'car')
    assert len(train.metainfo['palette']) == 9

    sample = train[0]  # RandomResize, RandomCrop, flip, photometric
    inputs, seg = sample['inputs'], sample['data_samples'].gt_sem_seg.data
    assert inputs.dtype == torch.uint8 and inputs.shape[0] == 3
    assert seg.shape[-2:] == inputs.shape[-2:]
    assert max(seg.shape[-2:]) <= 128
    values = set(seg.unique().tolist())
    assert values <= set(range(9)) | {255}

    sample = val[0]  # resized to (160, 128) keeping the ratio; GT untouched
    assert sample['inputs'].shape == (3, 128, 160)
    assert sample['data_samples'].gt_sem_seg.data.shape == (1, 64, 80)
