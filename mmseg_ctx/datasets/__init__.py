# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .context_shapes import ContextShapesDataset

__all__ = ['ContextShapesDataset']
