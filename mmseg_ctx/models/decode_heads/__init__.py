# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .context_encoding_head import ContextEncodingHead, ContextEncodingModule
from .dupsampling_head import DUpsamplingHead
from .enc_se_head import EncSEHead
from .mcibi_head import MCIBIHead
from .pyramid_pooling_head import PyramidPoolingHead

__all__ = [
    'ContextEncodingHead', 'ContextEncodingModule', 'DUpsamplingHead',
    'EncSEHead', 'MCIBIHead', 'PyramidPoolingHead'
]
