# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..utils import (CheckedInputsMixin, FeatureMemory, SDPASelfAttentionBlock,
                     build_image_context)

FUSIONS = ('concat', 'add', 'weighted_add')
#: the attention of eq. 13-14 in mmseg's SelfAttentionBlock terms: separate
#: query and key transforms of two convs, scaled dot products, an output
#: projection
MEMORY_ATTENTION = dict(
    share_key_query=False,
    query_downsample=None,
    key_downsample=None,
    key_query_num_convs=2,
    value_out_num_convs=1,
    key_query_norm=True,
    value_out_norm=True,
    matmul_norm=True,
    with_out=True)


@MODELS.register_module()
class MCIBIHead(CheckedInputsMixin, BaseDecodeHead):
    """Mining Contextual Information Beyond Image (Jin et al., ICCV 2021).

    On the last backbone stage:

    - ``R`` = a 3x3 conv bottleneck (eq. 1);
    - ``W`` = H1(R), two 1x1 convs, the coarse class distribution (eq. 11);
    - ``C'_bi = permute(softmax(W)) @ M``, a read of the feature memory
      (eq. 12), refined by attention with queries from R and keys and
      values from C'_bi (eq. 13-14), by ``scaled_dot_product_attention``;
    - ``C_wi``, the optional context within the image (eq. 3): ``'none'``
      (FCN), ``'ppm'`` (PSPNet), ``'aspp'`` (DeepLabV3) or ``'ocr'``
      (OCRNet, whose soft object regions are W), from mmseg's modules;
    - ``R_aug = F(R, C_bi, C_wi)`` (eq. 4): ``'concat'`` then a 3x3 conv
      (the paper's default), ``'add'``, or ``'weighted_add'`` with one
      learnt scalar per term;
    - ``O = H2(R_aug)``, two 1x1 convs (eq. 5).

    Losses (eq. 16-19): ``loss_decode`` on O, ``loss_coarse`` on W (0.4) and
    ``loss_memory`` on ``H2(M)`` against each initialised slot's class (1.0,
    representation consistent learning, eq. 15/17).

    The memory contract. The forward pass reads the memory M (K x C) and
    never writes it. :meth:`loss` records R and the labels of its batch;
    :meth:`update_memory`, called after the optimiser step with the
    momentum of eq. 7 (:func:`~mmseg_ctx.models.utils.memory_momentum`),
    applies the update of eq. 6-10 to them, so that the losses of a step all
    see the memory of its start. :meth:`loss` refuses to run until
    :meth:`enable_memory_updates` has declared that someone calls
    :meth:`update_memory`: a Runner config that forgot the hook would
    otherwise train against a memory that never changes.
    ``MCIBIMemoryHook`` is that someone for mmengine's Runner (it enables
    the updates in ``before_train`` and updates after every iteration); a
    custom loop does the same by hand::

        head.enable_memory_updates()
        for t, data in enumerate(loader):
            optim_wrapper.update_params(
                model.parse_losses(model(**data, mode='loss'))[0])
            head.update_memory(memory_momentum(t, max_iters))

    :meth:`pixel_features` gives R (eq. 1) for analysis, e.g. the memory's
    initialisation by clustering.

    Args:
        context (str): context within the image, see above.
        fusion (str): ``'concat'``, ``'add'`` or ``'weighted_add'``.
        transform_channels (int, optional): channels of the attention's
            query/key/value; defaults to ``channels // 2`` (C/2).
        memory_init (str): ``'random'`` (a random pixel of the class, the
            paper) or ``'mean'`` (the class mean of its first batch).
        pool_scales (Sequence[int]): PPM bins for ``context='ppm'``.
        dilations (Sequence[int]): ASPP rates for ``context='aspp'``.
        ocr_channels (int, optional): OCR key/query channels.
        loss_coarse (dict): loss on W; its ``loss_name`` must start with
            ``loss_``.
        loss_memory (dict): loss on H2(M); likewise.
    """

    def __init__(self,
                 context: str = 'none',
                 fusion: str = 'concat',
                 transform_channels: Optional[int] = None,
                 memory_init: str = 'random',
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 dilations: Sequence[int] = (1, 12, 24, 36),
                 ocr_channels: Optional[int] = None,
                 loss_coarse: ConfigType = dict(
                     type='CrossEntropyLoss',
                     loss_weight=0.4,
                     loss_name='loss_coarse'),
                 loss_memory: ConfigType = dict(
                     type='CrossEntropyLoss',
                     loss_weight=1.0,
                     loss_name='loss_memory'),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if fusion not in FUSIONS:
            raise ValueError(f'fusion must be one of {FUSIONS}, got '
                             f'{fusion!r}')
        if self.out_channels != self.num_classes:
            raise ValueError('MCIBIHead keeps one memory slot per class and '
                             'needs a softmax over classes: out_channels must '
                             f'equal num_classes={self.num_classes}, got '
                             f'{self.out_channels}')
        if self.in_index is None or isinstance(self.in_index, (list, tuple)):
            raise ValueError('MCIBIHead takes one backbone stage: in_index '
                             f'must be an int, got {self.in_index!r}')
        self.context = context
        self.fusion = fusion
        cfg = dict(
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        channels = self.channels
        self.bottleneck = ConvModule(
            self.in_channels, channels, 3, padding=1, **cfg)
        self.coarse_head = nn.Sequential(
            ConvModule(channels, channels, 1, **cfg),
            nn.Dropout2d(self.dropout_ratio),
            nn.Conv2d(channels, self.out_channels, 1))
        self.memory = FeatureMemory(
            self.out_channels,
            channels,
            init_mode=memory_init,
            ignore_index=self.ignore_index,
            align_corners=self.align_corners)
        self.memory_attention = SDPASelfAttentionBlock(
            key_in_channels=channels,
            query_in_channels=channels,
            channels=transform_channels or channels // 2,
            out_channels=channels,
            **MEMORY_ATTENTION,
            **cfg)
        self.image_context = build_image_context(
            context,
            channels,
            align_corners=self.align_corners,
            pool_scales=pool_scales,
            dilations=dilations,
            ocr_channels=ocr_channels,
            **cfg)
        num_terms = 2 if self.image_context is None else 3
        if fusion == 'concat':
            self.fuse = ConvModule(
                num_terms * channels, channels, 3, padding=1, **cfg)
        elif fusion == 'weighted_add':
            self.fuse_weights = nn.Parameter(torch.ones(num_terms))
        self.pre_cls = ConvModule(channels, channels, 1, **cfg)
        self.loss_coarse = MODELS.build(loss_coarse)
        self.loss_memory = MODELS.build(loss_memory)
        for loss in (self.loss_coarse, self.loss_memory):
            if not loss.loss_name.startswith('loss_'):
                raise ValueError('loss names must start with "loss_", got '
                                 f'{loss.loss_name!r}')
        self._memory_updates_enabled = False
        #: R and the labels of the last loss() call, for update_memory()
        self._pending_update: Optional[Tuple[Tensor, Tensor]] = None

    def enable_memory_updates(self) -> None:
        """Declare that :meth:`update_memory` follows every optimiser step
        (``MCIBIMemoryHook`` or a custom loop); :meth:`loss` refuses to run
        before."""
        self._memory_updates_enabled = True

    def pixel_features(self, inputs: List[Tensor]) -> Tensor:
        """R (eq. 1): the 3x3 bottleneck on the head's backbone stage."""
        return self.bottleneck(self._transform_inputs(inputs))

    def classify(self, feats: Tensor) -> Tensor:
        """H2: 1x1 conv, dropout, 1x1 conv (``conv_seg``)."""
        return self.cls_seg(self.pre_cls(feats))

    def _forward_all(self, inputs: List[Tensor]) -> Tuple[Tensor, ...]:
        """Returns R, W (coarse logits) and O (logits), at 1/8."""
        feats = self.pixel_features(inputs)
        coarse = self.coarse_head(feats)
        # eq. 12: each pixel reads the memory by its class distribution
        probs = coarse.softmax(dim=1)
        memory = self.memory.memory.to(feats.dtype)
        read = torch.einsum('bkhw,kc->bchw', probs, memory)
        beyond = self.memory_attention(feats, read)  # eq. 13-14
        terms = [feats, beyond]
        if self.image_context is not None:
            terms.append(self.image_context(feats, coarse))
        if self.fusion == 'concat':
            fused = self.fuse(torch.cat(terms, dim=1))
        elif self.fusion == 'add':
            fused = torch.stack(terms).sum(0)
        else:
            fused = torch.einsum('t,tbchw->bchw', self.fuse_weights,
                                 torch.stack(terms))
        return feats, coarse, self.classify(fused)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Segmentation logits O; the memory is only read."""
        return self._forward_all(inputs)[2]

    def loss(self, inputs: Tuple[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        """Losses of O, W and H2(M); records R and the labels for
        :meth:`update_memory` after the step."""
        if not self._memory_updates_enabled:
            raise RuntimeError(
                'MCIBIHead trains its feature memory through a hook: add '
                "custom_hooks = [dict(type='MCIBIMemoryHook')] to the config "
                '(without it the memory would never be updated); a custom '
                'loop calls head.enable_memory_updates() and '
                'head.update_memory(momentum) after each optimiser step')
        feats, coarse, logits = self._forward_all(inputs)
        losses = self.loss_by_feat(logits, batch_data_samples)
        seg_label = self._stack_batch_gt(batch_data_samples)
        self._pending_update = (feats.detach(), seg_label)
        coarse = resize(
            coarse,
            size=seg_label.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        losses[self.loss_coarse.loss_name] = self.loss_coarse(
            coarse, seg_label.squeeze(1), ignore_index=self.ignore_index)
        losses[self.loss_memory.loss_name] = self._memory_consistency_loss(
            feats)
        return losses

    def _memory_consistency_loss(self, feats: Tensor) -> Tensor:
        """Eq. 15/17: H2 classifies every initialised memory slot as its
        own class.

        H2's batch norms normalise the slots with their running statistics
        and leave them unchanged: K slots are not a batch of pixels, and
        their statistics must not leak into those used at inference. With
        no slot initialised yet the loss is a zero that still reaches H2.
        """
        classes = self.memory.initialized.nonzero()[:, 0]
        if classes.numel() == 0:
            return sum(p.sum() * 0 for p in self.pre_cls.parameters())
        slots = self.memory.memory[classes].to(feats.dtype)
        norms = [
            m for m in self.pre_cls.modules() if isinstance(m, _BatchNorm)
        ]
        modes = [m.training for m in norms]
        for norm in norms:
            norm.eval()
        try:
            logits = self.classify(slots[:, :, None, None])[:, :, 0, 0]
        finally:
            for norm, mode in zip(norms, modes):
                norm.train(mode)
        return self.loss_memory(logits, classes)

    @torch.no_grad()
    def update_memory(self, momentum: float) -> bool:
        """Apply the memory update (eq. 6-10) for the batch of the last
        :meth:`loss` call; returns False if there was none."""
        if self._pending_update is None:
            return False
        feats, seg_label = self._pending_update
        self._pending_update = None
        self.memory.update(feats, seg_label, momentum)
        return True
