# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Losses (MCIBI consistency and SE-loss arrive with issues #3 and #6)."""
__all__: list = []
