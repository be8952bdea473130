# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""CamVidDataset and the CamVid data configs on a tiny converted CamVid,
trained and tested through tools/train.py and tools/test.py."""
import os.path as osp

import pytest
import torch
from config_writers import write_tiny_config
from data_makers import make_segnet_camvid
from helpers import ROOT, run_script
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import mmseg_ctx  # noqa: F401
from mmseg_ctx.analysis.camvid_conversion import convert
from mmseg_ctx.datasets import CamVidDataset

CONFIGS = osp.join(ROOT, 'configs')
FCN_CAMVID = osp.join(CONFIGS, 'fcn',
                      'fcn_r18s-d8_1xb8-800it_camvid-180x240.py')


@pytest.fixture(scope='module')
def camvid(tmp_path_factory) -> str:
    """SegNet's layout converted to mmseg's, all three splits, 36x48."""
    tmp = tmp_path_factory.mktemp('camvid')
    src = make_segnet_camvid(str(tmp / 'SegNet'),
                             splits=('train', 'val', 'test'))
    convert(src, str(tmp / 'camvid'))
    return str(tmp / 'camvid')


def test_classes_in_segnet_order():
    classes = CamVidDataset.METAINFO['classes']
    assert classes == ('sky', 'building', 'pole', 'road', 'pavement', 'tree',
                       'signsymbol', 'fence', 'car', 'pedestrian',
                       'bicyclist')
    assert len(CamVidDataset.METAINFO['palette']) == 11
    assert 'unlabelled' not in classes  # void is ignored, never a class


@pytest.mark.parametrize('base,scale', [('camvid.py', (360, 480)),
                                        ('camvid_180x240.py', (180, 240))])
def test_stock_pipelines_read_it(camvid, base, scale):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_', 'datasets', base))
    assert tuple(cfg.crop_size) == scale
    sizes = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset_cfg = cfg[loader].dataset
        dataset_cfg.data_root = camvid
        dataset = DATASETS.build(dataset_cfg)
        sizes[loader] = len(dataset)
        sample = dataset[0]
        inputs = sample['inputs']
        seg = sample['data_samples'].gt_sem_seg.data
        assert set(seg.unique().tolist()) <= set(range(11)) | {255}
        if loader == 'train_dataloader':  # resized 0.5-2, cropped
            assert seg.shape[-2:] == inputs.shape[-2:]
            assert inputs.shape[1] <= scale[0] and inputs.shape[2] <= scale[1]
        else:  # the whole image at the scale; labels at the original size
            assert tuple(inputs.shape) == (3, *scale)
            assert tuple(seg.shape) == (1, 36, 48)
            assert (seg == 255).any()
    assert sizes == dict(
        train_dataloader=3, val_dataloader=3, test_dataloader=3)
    # each loader reads its own split
    assert cfg.test_dataloader.dataset.data_prefix.img_path == 'img_dir/test'
    assert cfg.val_dataloader.dataset.data_prefix.img_path == 'img_dir/val'


def test_train_and_test_through_the_tools(camvid, tmp_path):
    config = write_tiny_config(
        str(tmp_path / 'tiny_camvid.py'), camvid, base=FCN_CAMVID, iters=2)
    work_dir = str(tmp_path / 'work')
    run_script('tools/train.py', config, '--work-dir', work_dir)
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(checkpoint)
    out = run_script(
        'tools/test.py', config, checkpoint, '--work-dir', work_dir,
        '--cfg-options', 'test_dataloader.dataset.data_prefix.img_path='
        'img_dir/test', 'test_dataloader.dataset.data_prefix.seg_map_path='
        'ann_dir/test')
    assert 'mIoU' in out
    for name in CamVidDataset.METAINFO['classes']:
        assert name in out  # mmseg's per-class table
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    assert state['meta']['dataset_meta']['classes'] == \
        CamVidDataset.METAINFO['classes']
