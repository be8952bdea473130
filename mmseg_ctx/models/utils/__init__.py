# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .channels import CheckedInputsMixin, check_in_channels
from .dupsampling import DUpsampling, label_patches, patch_codes
from .feature_memory import FeatureMemory, MemorySums, memory_momentum
from .image_context import (ASPPContext, OCRContext, PPMContext,
                            build_image_context)
from .labels import check_label_range
from .sdpa_attention import SDPASelfAttentionBlock

__all__ = [
    'ASPPContext', 'CheckedInputsMixin', 'DUpsampling', 'FeatureMemory',
    'MemorySums', 'OCRContext', 'PPMContext', 'SDPASelfAttentionBlock',
    'build_image_context', 'check_in_channels', 'check_label_range',
    'label_patches', 'memory_momentum', 'patch_codes'
]
