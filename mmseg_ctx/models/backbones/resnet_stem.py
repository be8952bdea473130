# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Tuple

from mmseg.models.backbones import ResNetV1c
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class ResNetV1cWithStem(ResNetV1c):
    """mmseg's ResNetV1c that also returns the output of its deep stem
    (conv1_3 in DeepLab's naming, stride 2, before the max pooling) as the
    first feature map, for decoders that fuse it (DUpsampling, Tian et al.,
    CVPR 2019, Table 2: conv1_3 + b3u6c3).

    Outputs are ``(stem, *stages[out_indices])``; the weights and their names
    are ResNetV1c's, so its ImageNet checkpoints load unchanged.
    """

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        stem = self.stem(x)
        x = self.maxpool(stem)
        outs = [stem]
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
