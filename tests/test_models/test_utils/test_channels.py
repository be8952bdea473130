# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmseg_ctx.models.utils import check_in_channels

FEATS = [torch.randn(1, c, 4, 4) for c in (8, 16, 32)]


class Probe(BaseDecodeHead):

    def forward(self, inputs):
        return self._transform_inputs(inputs)


def head(**kwargs):
    return Probe(channels=4, num_classes=3, **kwargs)


def test_matching_inputs_pass(device):
    feats = [f.to(device) for f in FEATS]
    check_in_channels(head(in_channels=32, in_index=2).to(device), feats)
    check_in_channels(
        head(in_channels=[8, 32], in_index=[0, 2],
             input_transform='multiple_select').to(device), feats)
    check_in_channels(
        head(in_channels=[16, 32], in_index=[1, 2],
             input_transform='resize_concat').to(device), feats)


@pytest.mark.parametrize('kwargs, message', [
    (dict(in_channels=16, in_index=2),
     'in_channels=16 at in_index=2, but the backbone gives 32 channels'),
    (dict(in_channels=[8, 16], in_index=[0, 2],
          input_transform='multiple_select'),
     r'in_channels=\[8, 16\] at in_index=\[0, 2\], but the backbone gives '
     r'\[8, 32\]'),
    (dict(in_channels=[8, 16], in_index=[0, 2],
          input_transform='resize_concat'),
     r'in_channels=24 at in_index=\[0, 2\], but the backbone gives \[40\]'),
])
def test_mismatch_names_both_values(kwargs, message):
    with pytest.raises(ValueError, match='Probe was built for ' + message):
        check_in_channels(head(**kwargs), FEATS)
