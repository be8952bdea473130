# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import print_log
from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor, nn

from ..utils import CheckedInputsMixin, DUpsampling
from ..utils.label_basis_file import LABEL_BASIS_TOOL


@MODELS.register_module()
class DUpsamplingHead(CheckedInputsMixin, DepthwiseSeparableASPPHead):
    """The decoder of "Decoders Matter for Semantic Segmentation" (Tian et
    al., CVPR 2019).

    DeepLabV3+'s head (mmseg's :class:`DepthwiseSeparableASPPHead`) with the
    paper's two changes (Fig. 2):

    - flexible aggregation (eq. 8): ``F = f(concat(downsample(F_i),
      F_last))``. The chosen lower-level backbone outputs ``F_i``
      (``c1_in_index``) are bilinearly *down*sampled to the resolution of
      the ASPP output and fused there; f is DeepLabV3+'s decoder (a 1x1
      conv reducing the low-level features to ``c1_channels``, then two
      separable 3x3 convs), now run at the lowest resolution. Without
      low-level features f is only the projection below (the paper's "N/A"
      row of Table 2, DeepLabV3 with DUpsampling, Table 1);
    - DUpsampling (eq. 3) instead of bilinear upsampling: ``conv_seg``
      projects F to the C~-dim code of each ``r x r`` label patch, which a
      fixed PCA basis W (plus the mean patch) restores to full-resolution
      logits, divided by a learnt temperature T > 0 (eq. 6, initialised to
      1). The loss is taken at full resolution.

    The logits cover ``r`` times the feature map, i.e. the input padded to
    a multiple of r at the bottom and right, as the basis tool pads labels;
    they are cropped, never resized, to the input.

    Args:
        ratio (int): r, which must be the backbone's output stride.
        basis_channels (int): C~, the code size (64 for ResNet-50).
        basis_file (str, optional): the label basis written by
            ``tools/analysis_tools/label_basis.py`` (the format:
            :mod:`mmseg_ctx.models.utils.label_basis_file`); its r, K and C~
            must match. ``None``, or a file that does not exist (with a
            warning), leaves W zero, to be loaded from a checkpoint, which
            carries it (testing on another machine); a zero W is refused at
            the first forward.
        c1_in_index (Sequence[int]): backbone outputs to fuse; empty for
            none.
        c1_in_channels (int | Sequence[int]): their channels, one entry per
            index (an int for one index, 0 for none).
        c1_channels (int): channels the fused low-level features are
            reduced to.
        trainable_basis (bool): learn W by back-propagation (ablation).
        adaptive_temperature (bool): learn T (the paper); ``False`` keeps
            the vanilla softmax (T = 1, the paper's Sec. 4.1.4 ablation).
        upsample (str): ``'dupsampling'`` (the paper), or ``'bilinear'``
            for its Table 1 baseline, the same network at the same output
            stride with ``conv_seg`` giving K logits that are bilinearly
            upsampled (mmseg's decode head), no basis and no temperature
            (``basis_file=None``, ``trainable_basis=False`` and
            ``adaptive_temperature=False`` are then required; ``ratio`` and
            ``basis_channels`` are not used).
    """

    def __init__(self,
                 ratio: int,
                 basis_channels: int,
                 basis_file: Optional[str] = None,
                 c1_in_index: Sequence[int] = (),
                 c1_in_channels: Union[int, Sequence[int]] = 0,
                 c1_channels: int = 48,
                 trainable_basis: bool = False,
                 adaptive_temperature: bool = True,
                 upsample: str = 'dupsampling',
                 **kwargs) -> None:
        if isinstance(c1_in_channels, int):
            c1_in_channels = [c1_in_channels] if c1_in_index else []
        if len(c1_in_channels) != len(c1_in_index):
            raise ValueError(
                f'c1_in_channels {list(c1_in_channels)} must give one '
                f'channel count per c1_in_index {list(c1_in_index)}')
        super().__init__(
            c1_in_channels=sum(c1_in_channels),
            c1_channels=c1_channels if c1_in_index else 0,
            **kwargs)
        if self.out_channels != self.num_classes:
            raise ValueError('DUpsamplingHead restores K = num_classes '
                             f'({self.num_classes}) logits, got '
                             f'out_channels={self.out_channels}')
        self.c1_in_index = list(c1_in_index)
        self.c1_in_channels = list(c1_in_channels)
        if not self.c1_in_index:
            self.sep_bottleneck = None
        if upsample not in ('dupsampling', 'bilinear'):
            raise ValueError("upsample must be 'dupsampling' or 'bilinear', "
                             f'got {upsample!r}')
        self.upsample = upsample
        self.basis_file = basis_file
        if upsample == 'bilinear':
            self._check_bilinear(basis_file, trainable_basis,
                                 adaptive_temperature)
            self.dupsample = self.log_temperature = None
            return
        self.conv_seg = nn.Conv2d(self.channels, basis_channels, 1)
        if basis_file is not None and not osp.isfile(basis_file):
            print_log(
                f'the label basis {basis_file} does not exist: W must come '
                f'from a checkpoint (compute it with {LABEL_BASIS_TOOL} to '
                'train)',
                logger='current',
                level=logging.WARNING)
            basis_file = None
        if basis_file is None:
            size = ratio * ratio * self.num_classes
            self.dupsample = DUpsampling(
                torch.zeros(size, basis_channels), torch.zeros(size), ratio,
                self.num_classes, trainable_basis)
        else:
            self.dupsample = DUpsampling.from_file(basis_file, ratio,
                                                   self.num_classes,
                                                   basis_channels,
                                                   trainable_basis)
        self.log_temperature = nn.Parameter(
            torch.zeros(())) if adaptive_temperature else None
        self._basis_checked = False

    @staticmethod
    def _check_bilinear(basis_file: Optional[str], trainable_basis: bool,
                        adaptive_temperature: bool) -> None:
        """The bilinear baseline has no basis and no temperature: a config
        that sets them asks for something it would not get."""
        given = dict(
            basis_file=basis_file,
            trainable_basis=trainable_basis,
            adaptive_temperature=adaptive_temperature)
        wrong = {k: v for k, v in given.items() if v not in (None, False)}
        if wrong:
            raise ValueError(
                f"upsample='bilinear' uses no label basis and no "
                f'temperature; set {", ".join(wrong)} to None/False, got '
                f'{wrong}')

    @property
    def temperature(self) -> Tensor:
        """T of eq. 6, ``exp`` of a learnt scalar so that it stays > 0."""
        if self.log_temperature is None:
            return torch.ones(())
        return self.log_temperature.exp()

    def _check_inputs(self, inputs: List[Tensor]) -> None:
        if self.dupsample is not None and not self._basis_checked:
            if not self.dupsample.basis.any():
                raise RuntimeError(
                    f'the DUpsampling basis W is zero (basis_file='
                    f'{self.basis_file!r}): set basis_file to the output of '
                    f'{LABEL_BASIS_TOOL}, or load a checkpoint of a trained '
                    'DUpsamplingHead')
            self._basis_checked = True
        got = [inputs[i].shape[1] for i in self.c1_in_index]
        if got != self.c1_in_channels:
            raise ValueError(f'the backbone outputs {self.c1_in_index} have '
                             f'{got} channels, the head was built for '
                             f'c1_in_channels={self.c1_in_channels}')

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Logits (B x K x rh x rw) for features whose last level is h x w."""
        self._check_inputs(inputs)
        output = self._forward_feature(inputs)  # ASPP on F_last
        if self.c1_bottleneck is not None:
            low = [
                resize(
                    inputs[i],
                    size=output.shape[2:],
                    mode='bilinear',
                    align_corners=self.align_corners)
                for i in self.c1_in_index
            ]
            output = torch.cat(
                [output, self.c1_bottleneck(torch.cat(low, dim=1))], dim=1)
            output = self.sep_bottleneck(output)
        if self.dupsample is None:  # the bilinear baseline: h x w logits
            return self.cls_seg(output)
        logits = self.dupsample(self.cls_seg(output))
        if self.log_temperature is None:  # T = 1
            return logits
        return logits.float() / self.temperature  # fp32, under autocast too

    def _crop(self, seg_logits: Tensor, size: Tuple[int, int]) -> Tensor:
        """Crop the logits, which cover the input padded to a multiple of r,
        to ``size``."""
        height, width = seg_logits.shape[2:]
        ratio = self.dupsample.ratio
        if not (size[0] <= height < size[0] + ratio
                and size[1] <= width < size[1] + ratio):
            raise ValueError(
                f'DUpsampling with ratio r={ratio} gave {height}x{width} '
                f'logits for a {size[0]}x{size[1]} input: the output '
                'stride of the backbone must be r')
        return seg_logits[:, :, :size[0], :size[1]]

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> dict:
        """The losses on the logits cropped to the (padded) labels (the
        bilinear baseline: resized to them, as mmseg's heads do)."""
        if self.dupsample is None:
            return super().loss_by_feat(seg_logits, batch_data_samples)
        size = batch_data_samples[0].gt_sem_seg.data.shape[-2:]
        return super().loss_by_feat(
            self._crop(seg_logits, size), batch_data_samples)

    def predict_by_feat(self, seg_logits: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """The logits cropped to the input, where mmseg's heads resize
        (and the bilinear baseline)."""
        if self.dupsample is None:
            return super().predict_by_feat(seg_logits, batch_img_metas)
        meta = batch_img_metas[0]
        if isinstance(meta['img_shape'], torch.Size):  # slide inference
            size = meta['img_shape']
        else:
            size = meta.get('pad_shape', meta['img_shape'])[:2]
        return self._crop(seg_logits, size)
