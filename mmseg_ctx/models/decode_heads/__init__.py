# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .dupsampling_head import DUpsamplingHead
from .enc_se_head import EncSEHead
from .mcibi_head import MCIBIHead

__all__ = ['DUpsamplingHead', 'EncSEHead', 'MCIBIHead']
