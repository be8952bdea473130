# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .feature_memory import FeatureMemory, memory_momentum

__all__ = ['FeatureMemory', 'memory_momentum']
