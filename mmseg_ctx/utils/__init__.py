# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .checkpoint import load_from_local
from .config_utils import load_runner_config
from .dist_utils import setup_cpu_distributed

__all__ = ['load_from_local', 'load_runner_config', 'setup_cpu_distributed']
