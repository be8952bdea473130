# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .se_loss import SemanticEncodingLoss, presence_targets

__all__ = ['SemanticEncodingLoss', 'presence_targets']
