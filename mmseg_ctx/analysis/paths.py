# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Where the tools find configs: in this repository (the development
install the tools run from), or in a package through mmengine's hub
(``mmseg::fcn/fcn_r50-d8_4xb4-160k_ade20k-512x512.py``)."""
import os.path as osp

from mmengine.hub import get_config

#: the repository's root
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def config_file(key: str) -> str:
    """The file of a config key: ``pkg::path`` through mmengine's hub, a
    relative path from the repository's root, an absolute path as it is."""
    return get_config(key).filename if '::' in key else osp.join(ROOT, key)
