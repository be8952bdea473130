# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Backbones (ContextNet arrives with issue #5)."""
__all__: list = []
