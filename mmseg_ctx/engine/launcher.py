# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Several training or test processes on a machine without an accelerator
(gloo), and the release of the process group once a run has ended."""
import gc
import logging
from datetime import timedelta

import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.logging import print_log

from .wrappers import CPUDistributedDataParallel

#: the wrapper the CPU path selects, scoped: mmengine's Runner looks the
#: type up in its root registry
CPU_WRAPPER = f'mmseg.{CPUDistributedDataParallel.__name__}'
#: the ``env_cfg.dist_cfg`` keys the CPU path reads (``backend`` is always
#: gloo there; mmseg's runtime sets 'nccl' for CUDA)
CPU_DIST_CFG_KEYS = ('backend', 'timeout')
#: wrappers the CPU path can stand in for
DDP_WRAPPERS = ('MMDistributedDataParallel',
                CPUDistributedDataParallel.__name__, CPU_WRAPPER)


def setup_cpu_distributed(cfg: Config) -> bool:
    """Let ``cfg`` train and test with several processes on a CPU machine.

    mmengine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``,
    which a CPU-only torch lacks, and its default DDP wrapper passes
    ``device_ids=[LOCAL_RANK]``, which DDP refuses for a CPU module. When
    ``cfg.launcher == 'pytorch'`` and mmengine finds no accelerator (CUDA,
    NPU, MLU, ...), this initialises the gloo process group from the
    launcher's environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``,
    ``MASTER_PORT``), so that the Runner skips its own init, and selects
    :class:`CPUDistributedDataParallel` with ``device_ids=None``. With an
    accelerator it changes nothing and the stock path (NCCL on CUDA) runs.

    Args:
        cfg (Config): the full config, with ``launcher`` already set.

    Returns:
        bool: True if the CPU (gloo) path was set up.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or get_device() != 'cpu':
        return False
    wrapper_cfg = dict(cfg.get('model_wrapper_cfg') or {})
    if wrapper_cfg.get('type', DDP_WRAPPERS[0]) not in DDP_WRAPPERS:
        raise ValueError(
            'multi-process training on CPU wraps the model in '
            'CPUDistributedDataParallel, which stands in for '
            'MMDistributedDataParallel only, but model_wrapper_cfg.type is '
            f'{wrapper_cfg["type"]!r}')
    if not torch_dist.is_initialized():
        dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
        unused = sorted(set(dist_cfg) - set(CPU_DIST_CFG_KEYS))
        if unused:
            print_log(
                f'env_cfg.dist_cfg keys {unused} are not used on CPU: the '
                'processes meet over gloo (whatever dist_cfg.backend says) '
                'and take only dist_cfg.timeout',
                logger='current', level=logging.WARNING)
        timeout = timedelta(seconds=dist_cfg.get('timeout', 1800))
        torch_dist.init_process_group('gloo', timeout=timeout)
    wrapper_cfg.update(type=CPU_WRAPPER, device_ids=None)
    # SyncBN runs as BN here (see the wrapper), so without a broadcast each
    # rank would keep BN statistics of its own, and a checkpoint (rank 0's)
    # would lose the others': every rank takes rank 0's buffers at each
    # forward instead (equal on every rank, as SyncBN's are), so that a
    # resumed run equals the uninterrupted one
    wrapper_cfg.setdefault('broadcast_buffers', True)
    # mmengine's default without a wrapper config
    wrapper_cfg.setdefault('find_unused_parameters',
                           cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper_cfg
    return True


def release_distributed() -> None:
    """Destroy the default process group, if any, once the Runner (and the
    DDP wrapper, whose reducer holds the group) has been dropped.

    Left to interpreter exit, the group's and the reducer's destructors run
    in arbitrary order, and gloo's threads can abort the process
    ("terminate called without an active exception") after a successful
    run.
    """
    gc.collect()
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.destroy_process_group()
