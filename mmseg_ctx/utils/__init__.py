# Copyright (c) mmseg_ctx contributors. All rights reserved.
from .config_utils import load_runner_config
from .dist_utils import setup_cpu_distributed

__all__ = ['load_runner_config', 'setup_cpu_distributed']
