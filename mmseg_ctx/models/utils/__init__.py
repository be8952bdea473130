# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .channels import CheckedInputsMixin, check_in_channels
from .dupsampling import DUpsampling, label_patches, patch_codes
from .encoding import MatmulEncoding
from .feature_memory import FeatureMemory, MemorySums, memory_momentum
from .image_context import (ASPPContext, OCRContext, PPMContext,
                            build_image_context)
from .label_basis_file import (LABEL_BASIS_KEYS, check_label_basis,
                               load_label_basis, save_label_basis)
from .labels import check_label_range, check_num_classes
from .norm import norm1d_cfg
from .pooling import ExportableAdaptiveMaxPool2d, adaptive_max_pool2d_by_slices
from .resize_taps import (bilinear_taps, linear_taps, neighbour_products,
                          resized_square_norms)
from .sdpa_attention import SDPASelfAttentionBlock

__all__ = [
    'ASPPContext', 'CheckedInputsMixin', 'DUpsampling',
    'ExportableAdaptiveMaxPool2d', 'FeatureMemory', 'LABEL_BASIS_KEYS',
    'MatmulEncoding', 'MemorySums', 'OCRContext', 'PPMContext',
    'SDPASelfAttentionBlock',
    'adaptive_max_pool2d_by_slices', 'bilinear_taps', 'build_image_context',
    'check_in_channels', 'check_label_basis', 'check_label_range',
    'check_num_classes', 'label_patches', 'linear_taps', 'load_label_basis',
    'memory_momentum', 'neighbour_products', 'norm1d_cfg', 'patch_codes',
    'resized_square_norms', 'save_label_basis'
]
