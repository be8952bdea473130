# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import List, Tuple

from mmcv.cnn import ConvModule, build_norm_layer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor, nn

from ..losses import SemanticEncodingLoss
from ..utils import CheckedInputsMixin, MatmulEncoding, norm1d_cfg


@MODELS.register_module()
class EncSEHead(CheckedInputsMixin, BaseDecodeHead):
    """EncNet's second Context Encoding Module, on stage 3 (Zhang et al.,
    CVPR 2018, Sec. 3.3), used in place of PSPNet's auxiliary FCN head: a
    1x1 conv, the Encoding layer (K codewords, eq. 1-2; mmseg's, as
    matrix products: :class:`MatmulEncoding`), BN + ReLU
    and the mean over the codewords (the aggregation e), then an FC to one
    presence logit per class, trained by the SE-loss alone. It has no
    per-pixel output and does nothing at inference.

    Args:
        num_codes (int): K, 32 in the paper.
        loss_decode (dict | list): the SE-loss, weight 0.2 by default
            (:class:`SemanticEncodingLoss`: it takes the label maps).
        dropout_ratio (float): dropout before the FC; 0 (none) in the
            paper.
    """

    def __init__(self,
                 num_codes: int = 32,
                 loss_decode: ConfigType = dict(
                     type='SemanticEncodingLoss', loss_weight=0.2),
                 dropout_ratio: float = 0.,
                 init_cfg: ConfigType = dict(
                     type='Normal', std=0.01, override=dict(name='se_layer')),
                 **kwargs) -> None:
        super().__init__(
            loss_decode=loss_decode,
            dropout_ratio=dropout_ratio,
            init_cfg=init_cfg,
            **kwargs)
        if num_codes < 1:
            raise ValueError(f'num_codes must be >= 1, got {num_codes}')
        for loss in self.se_losses:
            if not isinstance(loss, SemanticEncodingLoss):
                raise ValueError(
                    'EncSEHead trains by the SE-loss alone: loss_decode '
                    'must be SemanticEncodingLoss (it takes the label '
                    f'maps), got {type(loss).__name__}')
        del self.conv_seg  # no per-pixel classifier
        self.project = ConvModule(
            self.in_channels,
            self.channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.encoding = nn.Sequential(
            MatmulEncoding(channels=self.channels, num_codes=num_codes),
            build_norm_layer(norm1d_cfg(self.norm_cfg), num_codes)[1],
            nn.ReLU(inplace=True))
        self.se_layer = nn.Linear(self.channels, self.num_classes)

    @property
    def se_losses(self) -> List[nn.Module]:
        """The losses of ``loss_decode``, one or a list."""
        if isinstance(self.loss_decode, nn.ModuleList):
            return list(self.loss_decode)
        return [self.loss_decode]

    def forward(self, inputs: Tuple[Tensor]) -> Tensor:
        """Presence logits, B x K."""
        x = self.project(self._transform_inputs(inputs))
        encoded = self.encoding(x).mean(dim=1)
        if self.dropout is not None:
            encoded = self.dropout(encoded)
        return self.se_layer(encoded)

    def loss_by_feat(self, presence_logits: Tensor,
                     batch_data_samples: SampleList) -> dict:
        seg_label = self._stack_batch_gt(batch_data_samples)
        return {
            loss.loss_name: loss(
                presence_logits, seg_label, ignore_index=self.ignore_index)
            for loss in self.se_losses
        }

    def predict(self, inputs: Tuple[Tensor], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        raise RuntimeError('EncSEHead only predicts class presence for the '
                           'SE-loss: use it as an auxiliary head')
