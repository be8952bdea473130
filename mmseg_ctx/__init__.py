# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""mmseg_ctx: context-modelling methods for semantic segmentation, as an
MMSegmentation 1.x plugin.

Importing the package registers everything into mmseg's registries
(``MODELS``, ``DATASETS``, ``HOOKS``, ``MODEL_WRAPPERS``); configs do it with
``custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)``.
It also makes mmengine load its own checkpoints under torch >= 2.6 (see
:func:`mmseg_ctx.engine.register_checkpoint_loader`, the one change to
mmengine). The tools' library, :mod:`mmseg_ctx.analysis`, is not imported.
"""
from .version import __version__, check_versions

check_versions()

# importing the subpackages registers their classes
from . import datasets, engine, models  # noqa: E402,F401
from .engine import register_checkpoint_loader  # noqa: E402

register_checkpoint_loader()

__all__ = ['__version__', 'check_versions']
