# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""mmseg_ctx: context-modelling methods for semantic segmentation, as an
MMSegmentation 1.x plugin.

Importing the package registers everything into mmseg's registries
(``MODELS``, ``DATASETS``, ``HOOKS``, ``MODEL_WRAPPERS``); configs do it with
``custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)``.
"""
from .version import __version__, check_versions

check_versions()

# importing the subpackages registers their classes (and, for utils, the
# checkpoint loader)
from . import datasets, engine, models, utils  # noqa: E402,F401

__all__ = ['__version__', 'check_versions']
