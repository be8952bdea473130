# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The CamVid conversion's splits: those present only, in the list file's
order."""
import os
import os.path as osp

from data_makers import make_segnet_camvid

from mmseg_ctx.analysis.camvid_conversion import convert, split_pairs


def test_subset_of_splits_and_list_file_order(tmp_path):
    """Only the splits present are written; the list file's absolute paths
    of another machine are read for their names, in their order."""
    src = make_segnet_camvid(str(tmp_path / 'SegNet'), splits=('train', ))
    with open(osp.join(src, 'train.txt')) as f:
        lines = f.readlines()
    with open(osp.join(src, 'train.txt'), 'w') as f:
        f.writelines(lines[::-1][:2])  # two of three, reversed
    pairs = split_pairs(src, 'train')
    assert [osp.basename(p[0]) for p in pairs] == [
        osp.basename(line.split()[0]) for line in lines[::-1][:2]
    ]
    assert split_pairs(src, 'val') == []
    counts = convert(src, str(tmp_path / 'out'))
    assert counts == {'train': 2}
    assert os.listdir(tmp_path / 'out' / 'img_dir') == ['train']
