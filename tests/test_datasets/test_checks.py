# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Our data sets check their files at load and name the bad one."""
import shutil

import numpy as np
import pytest
from mmengine.fileio import BaseStorageBackend, LocalBackend, register_backend
from PIL import Image

import mmseg_ctx  # noqa: F401
from mmseg_ctx.datasets import CamVidDataset, ContextShapesDataset, checks

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


def test_missing_folder_is_named_as_an_empty_one(tmp_path):
    prefix = dict(img_path='img_dir/test', seg_map_path='ann_dir/test')
    with pytest.raises(FileNotFoundError,
                       match=r'CamVidDataset: the image folder '
                       f'{tmp_path}/img_dir/test does not exist'):
        dataset(tmp_path, CamVidDataset, prefix)
    with pytest.raises(FileNotFoundError,
                       match=r'CamVidDataset: the list file '
                       f'{tmp_path}/test.txt does not exist'):
        CamVidDataset(data_root=str(tmp_path), data_prefix=prefix,
                      ann_file='test.txt', pipeline=[])


class MirrorBackend(BaseStorageBackend):
    """``mirror://PATH`` is the local PATH, read through a backend that is
    not mmengine's LocalBackend (as S3 or Petrel are not)."""

    def __init__(self) -> None:
        self.local = LocalBackend()

    def _path(self, path) -> str:
        return str(path)[len('mirror://'):]

    def get(self, filepath) -> bytes:
        return self.local.get(self._path(filepath))

    def get_text(self, filepath, encoding='utf-8') -> str:
        return self.local.get_text(self._path(filepath), encoding)

    def join_path(self, filepath, *filepaths) -> str:
        return 'mirror://' + self.local.join_path(self._path(filepath),
                                                  *filepaths)

    def list_dir_or_file(self, dir_path, *args, **kwargs):
        return self.local.list_dir_or_file(self._path(dir_path), *args,
                                           **kwargs)


register_backend('mirror', MirrorBackend, force=True, prefixes='mirror')


def test_other_storage_is_not_read_at_load(copy, monkeypatch):
    """Data on a remote backend: no header is fetched (the RGB label is not
    refused at load), and the log says so."""
    label = first_label(copy)
    gray = np.array(Image.open(label))
    Image.fromarray(np.stack([gray] * 3, -1)).save(label)
    logged = []
    monkeypatch.setattr(checks, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    remote = ContextShapesDataset(data_root=f'mirror://{copy}',
                                  data_prefix=TRAIN, pipeline=[])
    assert len(remote) == 6
    assert remote[0]['img_path'].startswith('mirror://')
    assert len(logged) == 1 and 'the files are not local (mirror://' in (
        logged[0])
    with pytest.raises(ValueError, match='3 channels'):
        dataset(copy)  # the same files, local: refused


def test_16_bit_labels_load(copy):
    label = first_label(copy)
    Image.fromarray(np.array(Image.open(label)).astype(np.uint16)).save(label)
    with Image.open(label) as reread:
        assert reread.mode == 'I;16'
    assert len(dataset(copy)) == 6


def test_16_bit_values_beyond_uint8_are_named(copy):
    """260 and 300 in a 16-bit label would train as 4 and 44 (mmseg casts
    labels to uint8): refused at load with the file, the stored values,
    what uint8 makes of them and the classes."""
    label = first_label(copy)
    values = np.array(Image.open(label)).astype(np.uint16)
    values[0, 0], values[0, 1:3] = 260, 300
    Image.fromarray(values).save(label)
    with Image.open(label) as reread:
        assert reread.mode == 'I;16'
    with pytest.raises(ValueError, match=(
            f'the label map {label} holds the values 260, 300 '
            r'\(3 pixels outside 0\.\.255\).* reads as 4, 44; the data set '
            'has 9 classes, ignore_index 255')):
        dataset(copy)
