# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import List, Sequence

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import SampleList
from torch import Tensor

from .labels import check_label_range


def check_in_channels(head: BaseDecodeHead,
                      inputs: Sequence[Tensor]) -> None:
    """Refuse, with both values, backbone outputs whose channels are not
    the ``in_channels`` a decode head was built for (at its ``in_index``);
    a conv would otherwise fail later with the shapes of its weights."""
    multiple = isinstance(head.in_index, (list, tuple))
    index = list(head.in_index) if multiple else [head.in_index]
    got = [inputs[i].shape[1] for i in index]
    if head.input_transform == 'resize_concat':
        got = [sum(got)]
    expected = head.in_channels
    if list(expected if isinstance(expected, (list, tuple)) else
            [expected]) != got:
        raise ValueError(
            f'{type(head).__name__} was built for in_channels={expected} '
            f'at in_index={head.in_index}, but the backbone gives '
            f'{got if multiple else got[0]} channels there')


class CheckedInputsMixin:
    """For :class:`BaseDecodeHead` subclasses (put it first among the
    bases): ``_transform_inputs`` checks the input channels first, and
    ``_stack_batch_gt``, through which every loss of the head reads its
    labels, refuses a label outside ``[0, num_classes)`` (not
    ``ignore_index``) with the value, K and the label map's file, before
    any loss sees it (:func:`check_label_range`)."""

    def _transform_inputs(self, inputs: List[Tensor]):
        check_in_channels(self, inputs)
        return super()._transform_inputs(inputs)

    def _stack_batch_gt(self, batch_data_samples: SampleList) -> Tensor:
        labels = super()._stack_batch_gt(batch_data_samples)
        check_label_range(labels, self.num_classes, self.ignore_index,
                          batch_data_samples, type(self).__name__)
        return labels
