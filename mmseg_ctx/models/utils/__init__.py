# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Building blocks of the heads (feature memory, DUpsampling arrive with
issues #3 and #4)."""
__all__: list = []
