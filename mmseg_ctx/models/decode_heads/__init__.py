# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Decode heads (MCIBI, DUpsampling, EncNet and PSP variants arrive with
issues #3, #4 and #6)."""
__all__: list = []
