# Copyright (c) mmseg_ctx contributors. All rights reserved.
import os.path as osp
from typing import Optional

from mmengine.config import Config

from .dist_utils import setup_cpu_distributed


def load_runner_config(path: str,
                       launcher: str = 'none',
                       cfg_options: Optional[dict] = None,
                       work_dir: Optional[str] = None) -> Config:
    """Load a config the way mmseg's ``tools/train.py`` and ``test.py`` do.

    Sets the launcher, merges ``--cfg-options``, picks the work_dir (command
    line, then the config, then ``./work_dirs/<config name>``) and, for a
    multi-process launch without CUDA, prepares the gloo path
    (:func:`setup_cpu_distributed`).
    """
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    setup_cpu_distributed(cfg)
    return cfg
