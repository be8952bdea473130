# Copyright (c) mmseg_ctx contributors. All rights reserved.
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.logging import print_log
from PIL import Image

#: PIL modes of a label map with one 8-bit value per pixel
BYTE_MODES = ('L', 'P')
#: ... with a wider one (16-bit in any byte order, 32-bit)
WIDE_MODES = ('I', 'I;16', 'I;16B', 'I;16L', 'I;16N')


class CheckedFilesMixin:
    """Check a data set's files when it loads, naming the file: a missing
    image folder or list file, no samples found, a label map that is not
    single-channel (e.g. an RGB colour rendering of the classes) or not the
    size of its image, a 16-bit
    label map holding a value that mmseg's ``LoadAnnotations`` would wrap
    round in its cast to uint8 (260 read as 4).

    Without it each ends later in a raw error from the data loader (``need
    at least one array``, ``stack expects each tensor to be equal size``).
    Only the PNG headers of 8-bit label maps are read (some milliseconds a
    thousand files; their values are the models' to check), the pixels of
    wider ones, and only of local files: for data on another storage backend
    (``backend_args``, e.g. S3 or Petrel) that would fetch every file at
    load, so the log says the checks are skipped. Put it before
    ``BaseSegDataset`` in the bases.
    """

    def load_data_list(self) -> List[dict]:
        self._check_folders()
        data_list = super().load_data_list()
        if not data_list:
            raise FileNotFoundError(
                f'{type(self).__name__}: no images ending in '
                f'{self.img_suffix!r} in {self.data_prefix.get("img_path")}'
                + (f' listed by {self.ann_file}' if self.ann_file else ''))
        if not is_local(data_list[0]['img_path'],
                        getattr(self, 'backend_args', None)):
            print_log(
                f'{type(self).__name__}: the files are not local '
                f'({data_list[0]["img_path"]}), so their labels are not '
                'checked at load', logger='current')
            return data_list
        classes = (f'the data set has {len(self.metainfo["classes"])} '
                   f'classes, ignore_index {self.ignore_index}')
        for info in data_list:
            check_sample(info['img_path'], info.get('seg_map_path'), classes)
        return data_list

    def _check_folders(self) -> None:
        """Name a missing image folder or list file, as an empty one is
        named (mmseg would end in the OS's bare message). mmseg's rule: an
        ``ann_file`` that is not a folder lists the samples, else the image
        folder is scanned."""
        backend_args = getattr(self, 'backend_args', None)
        img_dir = self.data_prefix.get('img_path', '')
        if self.ann_file and not osp.isdir(self.ann_file):
            if is_local(self.ann_file, backend_args) and not osp.isfile(
                    self.ann_file):
                raise FileNotFoundError(
                    f'{type(self).__name__}: the list file {self.ann_file} '
                    'does not exist')
        elif img_dir and is_local(img_dir, backend_args) and not osp.isdir(
                img_dir):
            raise FileNotFoundError(
                f'{type(self).__name__}: the image folder {img_dir} does '
                'not exist')


def is_local(path: str, backend_args: Optional[dict] = None) -> bool:
    """Whether mmengine reads ``path`` with ``backend_args`` from the local
    file system."""
    return isinstance(get_file_backend(path, backend_args=backend_args),
                      LocalBackend)


def check_sample(img_path: str,
                 seg_map_path: Optional[str] = None,
                 classes: str = '') -> None:
    """Refuse a label map that is missing, not single-channel or not the
    size of its image, or a 16- or 32-bit one with a value outside 0..255
    (one uint8 cannot hold; ``classes`` says what the data set holds)."""
    if seg_map_path is None:
        return  # images without labels (inference)
    if not osp.isfile(seg_map_path):
        raise FileNotFoundError(
            f'the label map {seg_map_path} of {img_path} does not exist')
    with Image.open(seg_map_path) as label, Image.open(img_path) as image:
        if label.mode not in BYTE_MODES + WIDE_MODES:
            raise ValueError(
                f'the label map {seg_map_path} has {len(label.getbands())} '
                f'channels (PIL mode {label.mode}): a label map holds one '
                'class index per pixel (mode L or P), not colours')
        if label.size != image.size:
            raise ValueError(
                f'the label map {seg_map_path} is {label.size[0]}x'
                f'{label.size[1]} but its image {img_path} is '
                f'{image.size[0]}x{image.size[1]} (width x height)')
        if label.mode in WIDE_MODES:
            check_wide_values(np.asarray(label), seg_map_path, classes)


def check_wide_values(values: np.ndarray, seg_map_path: str,
                      classes: str = '') -> None:
    """Refuse a 16- or 32-bit label map with a value outside 0..255, naming
    the file, the values as stored (the first five) and what uint8 makes
    of them."""
    wrong = values[(values < 0) | (values > 255)]
    if wrong.size:
        stored = np.unique(wrong)[:5].astype(np.int64)
        raise ValueError(
            f'the label map {seg_map_path} holds the values '
            f'{", ".join(map(str, stored))} ({wrong.size} pixels outside '
            "0..255), which mmseg's LoadAnnotations casts to uint8, i.e. "
            f'reads as {", ".join(str(v % 256) for v in stored)}'
            + (f'; {classes}' if classes else ''))
