# Copyright (c) mmseg_ctx contributors. All rights reserved.
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .checks import CheckedFilesMixin


@DATASETS.register_module()
class ContextShapesDataset(CheckedFilesMixin, BaseSegDataset):
    """ContextShapes, a synthetic scene-parsing set where context matters.

    Written by ``tools/dataset_converters/make_context_shapes.py`` in
    ADE20K's folder layout (``images/`` and ``annotations/``, each with
    ``training/`` and ``validation/``). A vehicle is a ``boat`` on water and
    a ``car`` on a road, and a small marker a ``buoy`` or a ``cone``, although
    each looks the same in both scenes (the PSPNet paper's boat-vs-car
    confusion, Fig. 2). Labels are ``0..8``, 255 is ignored; images and
    labels are PNG.
    Loading checks the files (:class:`CheckedFilesMixin`).
    """
    METAINFO = dict(
        classes=('sky', 'water', 'road', 'boat', 'car', 'buoy', 'cone',
                 'person', 'bird'),
        palette=[[135, 206, 235], [0, 70, 160], [128, 128, 128],
                 [220, 120, 20], [220, 20, 60], [255, 220, 0],
                 [255, 100, 200], [60, 200, 60], [110, 50, 170]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
