# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Tuple

import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmseg.models.decode_heads import EncHead
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList
from torch import Tensor, nn

from ..losses import SemanticEncodingLoss
from ..utils import CheckedInputsMixin, MatmulEncoding, norm1d_cfg

ATTENTIONS = ('paper', 'mmseg')


class ContextEncodingModule(nn.Module):
    """The Context Encoding Module (EncNet, Sec. 3.1-3.2), with mmseg's
    ``EncModule`` parameter names so its checkpoints load.

    ``e`` is the mean over the K codewords of BN + ReLU of the Encoding
    layer's output (eq. 1-2; mmseg's layer as matrix products,
    :class:`MatmulEncoding`: the same numbers and parameters), or, with
    ``num_codes=0``, the global average pooling of the projected features
    (the paper's Fig. 5 ablation).
    ``gamma = sigmoid(FC(e))`` scales the channels: ``Y = X * gamma`` as the
    paper writes it (``attention='paper'``), or ``relu(X + X * gamma)`` as
    mmseg's ``EncModule`` computes it (``'mmseg'``).

    Args:
        channels (int): C, of the input and the output.
        num_codes (int): K; 0 for global average pooling.
        attention (str): ``'paper'`` or ``'mmseg'``.
        conv_cfg (dict, optional): conv config of the projection.
        norm_cfg (dict, optional): norm config (1-d for the codewords).
        act_cfg (dict): activation config of the projection.
    """

    def __init__(self, channels: int, num_codes: int, attention: str,
                 conv_cfg: OptConfigType, norm_cfg: OptConfigType,
                 act_cfg: ConfigType) -> None:
        super().__init__()
        if attention not in ATTENTIONS:
            raise ValueError(f'attention must be one of {ATTENTIONS}, got '
                             f'{attention!r}')
        if num_codes < 0:
            raise ValueError(f'num_codes must be >= 0, got {num_codes}')
        self.attention = attention
        self.encoding_project = ConvModule(
            channels, channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.encoding = nn.Sequential(
            MatmulEncoding(channels=channels, num_codes=num_codes),
            build_norm_layer(norm1d_cfg(norm_cfg), num_codes)[1],
            nn.ReLU(inplace=True)) if num_codes else None
        self.fc = nn.Sequential(nn.Linear(channels, channels), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """The encoded features e (B x C) and the output Y."""
        projection = self.encoding_project(x)
        if self.encoding is None:
            encoded = projection.mean(dim=(2, 3))
        else:
            encoded = self.encoding(projection).mean(dim=1)
        gamma = self.fc(encoded)[:, :, None, None]
        if self.attention == 'paper':
            return encoded, x * gamma
        return encoded, F.relu(x + x * gamma)


@MODELS.register_module()
class ContextEncodingHead(CheckedInputsMixin, EncHead):
    """mmseg's :class:`EncHead` with the paper's featuremap attention and
    ablations: ``attention='paper'`` (``Y = X * gamma``, the default) or
    ``'mmseg'`` (``relu(X + X * gamma)``, mmseg's), ``num_codes=0`` for
    global average pooling instead of the Encoding layer, and the SE-loss
    as :class:`SemanticEncodingLoss` (ignore excluded, weight 0.2).

    Args:
        num_codes (int): K, the codewords of the Encoding layer; 0 for
            global average pooling. Defaults to 32.
        attention (str): ``'paper'`` or ``'mmseg'``. Defaults to
            ``'paper'``.
        loss_se_decode (dict): the SE-loss, a :class:`SemanticEncodingLoss`.
            Defaults to ``dict(type='SemanticEncodingLoss',
            loss_weight=0.2)``.
        **kwargs: mmseg's :class:`EncHead` arguments (``use_se_loss``,
            ``num_stages``, ...).
    """

    def __init__(self,
                 num_codes: int = 32,
                 attention: str = 'paper',
                 loss_se_decode: ConfigType = dict(
                     type='SemanticEncodingLoss', loss_weight=0.2),
                 **kwargs) -> None:
        # mmseg's EncModule cannot have 0 codewords: it is replaced below
        super().__init__(
            num_codes=max(num_codes, 1),
            loss_se_decode=loss_se_decode,
            **kwargs)
        self.num_codes = num_codes
        self.enc_module = ContextEncodingModule(
            self.channels, num_codes, attention, self.conv_cfg,
            self.norm_cfg, self.act_cfg)
        if self.use_se_loss and not isinstance(self.loss_se_decode,
                                               SemanticEncodingLoss):
            raise ValueError('loss_se_decode must be a SemanticEncodingLoss '
                             '(it takes the label maps), got '
                             f'{type(self.loss_se_decode).__name__}')

    def loss_by_feat(self, seg_logit: Tuple[Tensor, Tensor],
                     batch_data_samples: SampleList, **kwargs) -> dict:
        """The per-pixel losses, and the SE-loss on the presence logits
        when ``use_se_loss`` (the forward then returns both).

        ``EncHead.loss_by_feat`` is skipped on purpose: it always unpacks a
        pair, builds one-hot presence targets that count ``ignore_index``
        as a class and names the loss ``loss_se``; the per-pixel part is
        ``BaseDecodeHead``'s, which it would call too."""
        if not self.use_se_loss:
            return BaseDecodeHead.loss_by_feat(self, seg_logit,
                                               batch_data_samples)
        seg_logit, presence_logits = seg_logit
        losses = BaseDecodeHead.loss_by_feat(self, seg_logit,
                                             batch_data_samples)
        losses[self.loss_se_decode.loss_name] = self.loss_se_decode(
            presence_logits, self._stack_batch_gt(batch_data_samples),
            ignore_index=self.ignore_index)
        return losses
