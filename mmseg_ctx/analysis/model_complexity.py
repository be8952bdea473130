# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""FLOPs and parameters of any segmentor config as mmseg's ``get_flops.py``
measures them (one random image through the data preprocessor, eval mode,
no auxiliary head, SyncBN as BN), counted by mmengine's ``FlopAnalyzer``
with our attention handle."""
from typing import Dict

import torch
from mmengine.analysis import parameter_count
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from .complexity import flop_analyzer


def complexity(cfg: Config, shape) -> Dict[str, object]:
    """FLOPs and parameters of ``cfg.model`` on one random image of
    ``shape`` (H, W), as mmseg's script measures them."""
    if len(shape) not in (1, 2):
        raise ValueError(f'--shape takes one or two sizes, got {shape}')
    height, width = (shape[0], shape[0]) if len(shape) == 1 else shape
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    if hasattr(model, 'auxiliary_head'):
        model.auxiliary_head = None
    model = revert_sync_batchnorm(model).to(get_device()).eval()
    sample = SegDataSample(metainfo=dict(
        ori_shape=(height, width), pad_shape=(height, width)))
    data = model.data_preprocessor(
        dict(inputs=[torch.rand(3, height, width) * 255],
             data_samples=[sample]))
    with torch.no_grad():
        flops = flop_analyzer(model, (data['inputs'], )) \
            .unsupported_ops_warnings(False) \
            .uncalled_modules_warnings(False).total()
    return dict(
        ori_shape=(height, width),
        pad_shape=tuple(data['inputs'].shape[-2:]),
        flops=flops,
        params=parameter_count(model)[''])
