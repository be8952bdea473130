# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Hooks registered in ``mmseg.registry.HOOKS`` (MCIBI's memory update
arrives with issue #3)."""
__all__: list = []
