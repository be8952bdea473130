# Copyright (c) mmseg_ctx contributors. All rights reserved.
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .checks import CheckedFilesMixin


@DATASETS.register_module()
class CamVidDataset(CheckedFilesMixin, BaseSegDataset):
    """CamVid in SegNet's 11-class, 360x480 form.

    The Cambridge-driving Labeled Video Database (Brostow et al., Pattern
    Recognition Letters 2009) as SegNet (Badrinarayanan et al., TPAMI 2017)
    made it the standard benchmark: 367 training, 101 validation and 233
    test images of street scenes. ``tools/dataset_converters/camvid.py``
    turns SegNet's folders into mmseg's layout::

        data/camvid/img_dir/{train,val,test}/*.png
        data/camvid/ann_dir/{train,val,test}/*.png

    Labels are single-channel PNGs with the classes ``0..10`` in SegNet's
    order; SegNet's ``Unlabelled`` (11) becomes 255, mmseg's ignore value,
    and is never a class.
    Loading checks the files (:class:`CheckedFilesMixin`).

    Args:
        img_suffix (str): Suffix of the images. Default: '.png'.
        seg_map_suffix (str): Suffix of the label maps. Default: '.png'.
        **kwargs: Passed to mmseg's ``BaseSegDataset``.
    """
    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'pavement', 'tree',
                 'signsymbol', 'fence', 'car', 'pedestrian', 'bicyclist'),
        # SegNet's colours for the 11 classes
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128],
                 [64, 64, 0], [0, 128, 192]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
