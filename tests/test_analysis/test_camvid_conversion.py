# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The CamVid conversion's splits: those present only, in the list file's
order."""
import os
import os.path as osp
import shutil

import pytest
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


def test_jpg_images_and_a_missing_label_folder_are_told_apart(tmp_path):
    """``.jpg`` images: "no .png images" (the folders exist); images without
    their label folder: that folder named."""
    src = make_segnet_camvid(str(tmp_path / 'SegNet'), splits=('train', ))
    os.remove(osp.join(src, 'train.txt'))
    for name in os.listdir(osp.join(src, 'train')):
        base = osp.join(src, 'train', name)
        os.rename(base, base[:-4] + '.jpg')
    with pytest.raises(FileNotFoundError,
                       match=f"{src}/train has no .png images .*it has 3 "
                       r'files, e\.g\. .*\.jpg'):
        split_pairs(src, 'train')
    shutil.rmtree(osp.join(src, 'trainannot'))
    with pytest.raises(FileNotFoundError,
                       match=f'{src}/trainannot does not exist, but its '
                       'split train does'):
        split_pairs(src, 'train')


def test_a_split_is_written_whole_or_not_at_all(tmp_path):
    """An unreadable file in the middle of a split leaves no half-written
    split (nor a temporary folder); a complete rerun replaces the old
    split."""
    src = make_segnet_camvid(str(tmp_path / 'SegNet'), splits=('train', ))
    out = tmp_path / 'out'
    convert(src, str(out))
    before = sorted(os.listdir(out / 'ann_dir' / 'train'))
    bad = osp.join(src, 'trainannot', before[1])
    with open(bad, 'wb') as f:
        f.write(b'not a png')
    with pytest.raises(ValueError, match=f'cannot read {bad}'):
        convert(src, str(out))
    for kind in ('img_dir', 'ann_dir'):  # the earlier split stays whole
        assert sorted(os.listdir(out / kind)) == ['train']
        assert sorted(os.listdir(out / kind / 'train')) == before
    shutil.rmtree(out)
    with pytest.raises(ValueError):
        convert(src, str(out))
    assert os.listdir(out / 'img_dir') == [] == os.listdir(out / 'ann_dir')
