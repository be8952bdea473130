# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .mcibi_head import MCIBIHead

__all__ = ['MCIBIHead']
