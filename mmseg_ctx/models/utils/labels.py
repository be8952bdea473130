# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Optional, Sequence

from mmseg.structures import SegDataSample
from torch import Tensor


def check_label_range(labels: Tensor,
                      num_classes: int,
                      ignore_index: int = 255,
                      samples: Optional[Sequence[SegDataSample]] = None,
                      owner: str = '') -> None:
    """Refuse, with the value, a label that is neither in ``[0, K)`` nor
    ``ignore_index``: it would otherwise be silently clipped or dropped, or
    end in cross-entropy's ``Target 9 is out of bounds`` (a device-side
    assert on CUDA) without a file named.

    Args:
        labels (Tensor): labels of any shape; with ``samples``, B x ... with
            one row per sample.
        num_classes (int): K.
        ignore_index (int): the label that is no class. Defaults to 255.
        samples (Sequence[SegDataSample], optional): the batch the labels
            came from, to name the label map (``seg_map_path``) holding the
            first bad value. Defaults to None.
        owner (str): who checks, e.g. a head's name, for the message.
            Defaults to ''.
    """
    bad = (labels != ignore_index) & ((labels < 0) |
                                      (labels >= num_classes))
    if not bad.any():
        return
    where = ''
    if samples is not None:
        index = int(bad.flatten(1).any(1).nonzero()[0, 0])
        path = samples[index].metainfo.get('seg_map_path')
        where = f' in {path}' if path else f' in sample {index} of the batch'
        value = labels[index][bad[index]][0].item()
    else:
        value = labels[bad][0].item()
    raise ValueError(
        f'label {value}{where} is outside [0, {num_classes}) and is not '
        f'ignore_index={ignore_index}' +
        (f' ({owner} has num_classes={num_classes}: the data has more '
         'classes than the head, or its void label is not mapped to '
         'ignore_index)' if owner else ''))
