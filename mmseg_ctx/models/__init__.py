# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Models registered in ``mmseg.registry.MODELS``: backbones, decode heads,
losses and their building blocks."""
from .backbones import *  # noqa: F401,F403
from .decode_heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
