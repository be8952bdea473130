# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
from helpers import sdpa_blocks


def test_sdpa_block_equals_mmseg_block():
    """The same outputs as mmseg's SelfAttentionBlock from the same weights
    (its state dict loads as is)."""
    ours, theirs = sdpa_blocks()
    query, key = torch.randn(2, 32, 6, 7), torch.randn(2, 32, 5, 3)
    with torch.no_grad():
        torch.testing.assert_close(ours(query, key), theirs(query, key))
