# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
from model_makers import sdpa_blocks

from mmseg_ctx.analysis import flop_analyzer


def test_sdpa_flops_equal_mmseg_matmuls():
    ours, theirs = sdpa_blocks()
    query, key = torch.randn(2, 32, 6, 7), torch.randn(2, 32, 5, 3)
    with torch.no_grad():
        ours_count = flop_analyzer(ours, (query, key))
        theirs_count = flop_analyzer(theirs, (query, key))
    # mmseg's block counts Q K^T and P V as aten::matmul
    assert ours_count.total() == theirs_count.total()
    assert not ours_count.unsupported_ops()
    # and the attention products are really in it: 2 x 42 x 15 x (16 + 16)
    attention = ours_count.by_operator()['scaled_dot_product_attention']
    assert attention == 2 * 42 * 15 * 32
