# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
from mmseg.models.utils import SelfAttentionBlock

from mmseg_ctx.models.utils import SDPASelfAttentionBlock
from mmseg_ctx.utils import flop_analyzer

BLOCK = dict(
    key_in_channels=32,
    query_in_channels=32,
    channels=16,
    out_channels=32,
    share_key_query=False,
    query_downsample=None,
    key_downsample=None,
    key_query_num_convs=2,
    value_out_num_convs=1,
    key_query_norm=True,
    value_out_norm=True,
    matmul_norm=True,
    with_out=True,
    conv_cfg=None,
    norm_cfg=dict(type='BN'),
    act_cfg=dict(type='ReLU'))


def test_sdpa_block_equals_mmseg_block_in_output_and_flops():
    ours = SDPASelfAttentionBlock(**BLOCK).eval()
    theirs = SelfAttentionBlock(**BLOCK).eval()
    theirs.load_state_dict(ours.state_dict())
    query, key = torch.randn(2, 32, 6, 7), torch.randn(2, 32, 5, 3)
    with torch.no_grad():
        torch.testing.assert_close(ours(query, key), theirs(query, key))
        ours_count = flop_analyzer(ours, (query, key))
        theirs_count = flop_analyzer(theirs, (query, key))
        # mmseg's block counts Q K^T and P V as aten::matmul
        assert ours_count.total() == theirs_count.total()
        assert not ours_count.unsupported_ops()
    # and the attention products are really in it: 2 x 42 x 15 x (16 + 16)
    attention = ours_count.by_operator()['scaled_dot_product_attention']
    assert attention == 2 * 42 * 15 * 32
