# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging
from typing import Optional, Sequence

from mmengine.logging import print_log
from mmseg.structures import SegDataSample
from torch import Tensor, nn


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


def check_num_classes(model: nn.Module, classes: Sequence[str]) -> None:
    """Compare every decode and auxiliary head's ``num_classes`` with the
    training set's classes before training: fewer is refused (its labels
    would be out of range at some iteration), more gets a warning (the
    extra outputs are never trained)."""
    for name in ('decode_head', 'auxiliary_head'):
        heads = getattr(model, name, None)
        heads = heads if isinstance(heads, nn.ModuleList) else [heads]
        for head in filter(None, heads):
            num = getattr(head, 'num_classes', None)
            if num is None or num == len(classes):
                continue
            text = (f'{name} ({type(head).__name__}) has num_classes={num} '
                    f'but the training set has {len(classes)} classes '
                    f'{tuple(classes)}')
            if num < len(classes):
                raise ValueError(f'{text}: set num_classes={len(classes)}')
            print_log(f'{text}: {num - len(classes)} outputs are never '
                      'trained', logger='current', level=logging.WARNING)
