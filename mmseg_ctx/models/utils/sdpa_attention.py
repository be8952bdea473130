# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch.nn.functional as F
from mmseg.models.utils import SelfAttentionBlock
from torch import Tensor


class SDPASelfAttentionBlock(SelfAttentionBlock):
    """mmseg's :class:`SelfAttentionBlock`, computed by
    ``F.scaled_dot_product_attention``.

    The projections are mmseg's; only the product changes: the
    ``hw x hw`` attention map is never materialised (fused kernels where the
    device has them), so a 128 x 128 map costs no 16k x 16k matrix.
    ``matmul_norm`` must be True: SDPA scales by ``channels ** -0.5``, as
    mmseg does with it. Down-sampling of queries or keys is not supported.
    """

    def __init__(self, **kwargs) -> None:
        if not kwargs.get('matmul_norm', False):
            raise ValueError('SDPASelfAttentionBlock needs matmul_norm=True')
        if kwargs.get('query_downsample') or kwargs.get('key_downsample'):
            raise ValueError(
                'SDPASelfAttentionBlock does not down-sample queries or keys')
        super().__init__(**kwargs)

    def forward(self, query_feats: Tensor, key_feats: Tensor) -> Tensor:
        batch, _, height, width = query_feats.shape
        # B x 1 x N x C: one head, N tokens
        query = self.query_project(query_feats).flatten(2).transpose(1, 2)
        key = self.key_project(key_feats).flatten(2).transpose(1, 2)
        value = self.value_project(key_feats).flatten(2).transpose(1, 2)
        context = F.scaled_dot_product_attention(query[:, None],
                                                 key[:, None],
                                                 value[:, None])[:, 0]
        context = context.transpose(1, 2).reshape(batch, -1, height, width)
        if self.out_project is not None:
            context = self.out_project(context)
        return context
