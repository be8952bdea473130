# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .resnet_stem import ResNetV1cWithStem

__all__ = ['ResNetV1cWithStem']
