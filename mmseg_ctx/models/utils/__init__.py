# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .feature_memory import FeatureMemory, memory_momentum
from .image_context import (ASPPContext, OCRContext, PPMContext,
                            build_image_context)
from .sdpa_attention import SDPASelfAttentionBlock

__all__ = [
    'ASPPContext', 'FeatureMemory', 'OCRContext', 'PPMContext',
    'SDPASelfAttentionBlock', 'build_image_context', 'memory_momentum'
]
