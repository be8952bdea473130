# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""tools/dataset_converters/camvid.py on a tiny SegNet-layout CamVid."""
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
from data_makers import make_segnet_camvid
from helpers import ROOT, run_script, tool_env

CONVERTER = ('tools', 'dataset_converters', 'camvid.py')


def test_converts_every_split_found(tmp_path):
    src = make_segnet_camvid(str(tmp_path / 'SegNet'),
                             splits=('train', 'val', 'test'))
    out = str(tmp_path / 'camvid')
    stdout = run_script(osp.join(*CONVERTER), src, '--out', out)
    assert "'train': 3, 'val': 3, 'test': 3" in stdout
    for split in ('train', 'val', 'test'):
        names = sorted(os.listdir(osp.join(src, split)))
        assert sorted(os.listdir(osp.join(out, 'img_dir', split))) == names
        for name in names:
            image = cv2.imread(osp.join(src, split, name))
            assert (cv2.imread(osp.join(out, 'img_dir', split, name)) ==
                    image).all()
            raw = cv2.imread(osp.join(src, f'{split}annot', name),
                             cv2.IMREAD_UNCHANGED)
            label = cv2.imread(osp.join(out, 'ann_dir', split, name),
                               cv2.IMREAD_UNCHANGED)
            assert label.dtype == np.uint8 and label.shape == raw.shape
            assert set(np.unique(label)) <= set(range(11)) | {255}
            # void, and only void, becomes 255; the classes are kept
            assert ((label == 255) == (raw == 11)).all()
            assert (label[raw < 11] == raw[raw < 11]).all()
            assert (raw == 11).any()


def _fails(src: str, out: str) -> str:
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, *CONVERTER), src, '--out', out],
        capture_output=True, text=True, env=tool_env(), timeout=120)
    assert proc.returncode != 0
    return proc.stderr


def test_bad_inputs_are_named(tmp_path):
    src = make_segnet_camvid(str(tmp_path / 'SegNet'), splits=('val', ))
    name = sorted(os.listdir(osp.join(src, 'valannot')))[1]
    path = osp.join(src, 'valannot', name)
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)

    bad = label.copy()
    bad[0, 0] = 12
    cv2.imwrite(path, bad)
    err = _fails(src, str(tmp_path / 'a'))
    assert name in err and 'label value 12' in err

    cv2.imwrite(path, np.stack([label] * 3, axis=-1))  # an RGB label
    err = _fails(src, str(tmp_path / 'b'))
    assert name in err and 'one channel' in err

    cv2.imwrite(path, label[:-4])
    err = _fails(src, str(tmp_path / 'c'))
    assert name in err and 'differs from its image' in err

    os.remove(path)
    with open(osp.join(src, 'val.txt'), 'w') as f:
        f.write(f'/SegNet/CamVid/val/{name} /SegNet/CamVid/valannot/{name}\n')
    err = _fails(src, str(tmp_path / 'd'))
    assert name in err and 'missing' in err

    empty = tmp_path / 'empty'
    empty.mkdir()
    assert 'trainannot' in _fails(str(empty), str(tmp_path / 'e'))


def test_parallel(tmp_path):
    src = make_segnet_camvid(str(tmp_path / 'SegNet'), splits=('train', ))
    out = str(tmp_path / 'out')
    stdout = run_script(osp.join(*CONVERTER), src, '--out', out, '--nproc',
                        '2')
    assert "{'train': 3}" in stdout
    assert len(os.listdir(tmp_path / 'out' / 'ann_dir' / 'train')) == 3
