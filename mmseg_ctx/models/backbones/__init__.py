# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .contextnet import ContextNet
from .resnet_stem import ResNetV1cWithStem

__all__ = ['ContextNet', 'ResNetV1cWithStem']
