# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_ctx.models.decode_heads import (ContextEncodingHead,
                                           DUpsamplingHead, EncSEHead,
                                           MCIBIHead, PyramidPoolingHead)
from mmseg_ctx.models.utils import (CheckedInputsMixin, check_label_range,
                                    check_num_classes)


def sample(labels, path='data/ann/b.png', device='cpu'):
    data = SegDataSample(metainfo=dict(seg_map_path=path))
    data.gt_sem_seg = PixelData(data=torch.tensor(labels, device=device)[None])
    return data


def test_labels_in_range_or_ignored_pass(device):
    check_label_range(torch.tensor([[0, 2, 255]], device=device), 3)
    check_label_range(
        torch.tensor([[0, -1]], device=device), 3, ignore_index=-1)


def test_bad_label_names_value_file_and_head(device):
    samples = [
        sample([[0, 1]], 'data/ann/a.png', device),
        sample([[2, 9]], device=device)
    ]
    labels = torch.stack([s.gt_sem_seg.data for s in samples])
    with pytest.raises(
            ValueError,
            match=r'label 9 in data/ann/b.png is outside \[0, 3\) and is '
            r'not ignore_index=255 \(MCIBIHead has num_classes=3'):
        check_label_range(labels, 3, 255, samples, 'MCIBIHead')
    samples[1].set_metainfo(dict(seg_map_path=None))
    with pytest.raises(ValueError, match='label 9 in sample 1 of the batch'):
        check_label_range(labels, 3, 255, samples)
    with pytest.raises(ValueError, match=r'label -3 is outside \[0, 3\)'):
        check_label_range(torch.tensor([1, -3], device=device), 3)


@pytest.mark.parametrize('head', [
    ContextEncodingHead, DUpsamplingHead, EncSEHead, MCIBIHead,
    PyramidPoolingHead
])
def test_every_head_checks_labels_before_its_losses(head):
    """The losses read the labels through _stack_batch_gt."""
    assert issubclass(head, CheckedInputsMixin)
    assert head._stack_batch_gt is CheckedInputsMixin._stack_batch_gt


def test_num_classes_against_the_data_set(tiny_config, caplog):
    init_default_scope('mmseg')
    model = MODELS.build(Config.fromfile(tiny_config).model)  # 9 classes
    names = [f'c{i}' for i in range(10)]
    check_num_classes(model, names[:9])
    with pytest.raises(ValueError, match=r'decode_head \(FCNHead\) has '
                       'num_classes=9 but the training set has 10 classes'):
        check_num_classes(model, names)
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    try:
        check_num_classes(model, names[:8])
    finally:
        logger.removeHandler(caplog.handler)
    warned = [r.getMessage() for r in caplog.records
              if r.levelname == 'WARNING']
    assert any('decode_head (FCNHead) has num_classes=9 but the training set'
               ' has 8 classes' in m and '1 outputs are never trained' in m
               for m in warned), warned
    assert any(m.startswith('auxiliary_head') for m in warned), warned
