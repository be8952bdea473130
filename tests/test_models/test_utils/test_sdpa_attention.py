# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
from model_makers import sdpa_blocks


def test_sdpa_block_equals_mmseg_block(device, no_tf32):
    """The same outputs as mmseg's SelfAttentionBlock from the same weights
    (its state dict loads as is)."""
    ours, theirs = (block.to(device) for block in sdpa_blocks())
    query = torch.randn(2, 32, 6, 7).to(device)
    key = torch.randn(2, 32, 5, 3).to(device)
    with torch.no_grad():
        torch.testing.assert_close(ours(query, key), theirs(query, key))
