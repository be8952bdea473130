# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .camvid import CamVidDataset
from .context_shapes import ContextShapesDataset

__all__ = ['CamVidDataset', 'ContextShapesDataset']
