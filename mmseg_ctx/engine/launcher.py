# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Several training or test processes on a machine without an accelerator
(gloo), and the release of the process group once a run has ended."""
import gc
import logging
import os
import subprocess
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
CPU_DIST_CFG_KEYS = ('backend', 'timeout', 'port')
#: the launchers whose processes the CPU path can join
CPU_LAUNCHERS = ('pytorch', 'slurm')
#: wrappers the CPU path can stand in for
DDP_WRAPPERS = ('MMDistributedDataParallel',
                CPUDistributedDataParallel.__name__, CPU_WRAPPER)


def setup_cpu_distributed(cfg: Config) -> bool:
    """Let ``cfg`` train and test with several processes on a CPU machine.

    mmengine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``,
    which a CPU-only torch lacks, and its default DDP wrapper passes
    ``device_ids=[LOCAL_RANK]``, which DDP refuses for a CPU module; its
    ``init_dist('slurm')`` does the same. When ``cfg.launcher`` is
    ``'pytorch'`` or ``'slurm'`` and mmengine finds no accelerator (CUDA,
    NPU, MLU, ...), this initialises the gloo process group from the
    launcher's environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``,
    ``MASTER_PORT``; for Slurm first derived from its variables as mmengine
    does, :func:`slurm_environment`), so that the Runner skips its own
    init, and selects
    :class:`CPUDistributedDataParallel` with ``device_ids=None``. With an
    accelerator it changes nothing and the stock path (NCCL on CUDA) runs.

    Args:
        cfg (Config): the full config, with ``launcher`` already set.

    Returns:
        bool: True if the CPU (gloo) path was set up.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher not in CPU_LAUNCHERS or get_device() != 'cpu':
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
                'and take only dist_cfg.timeout (and dist_cfg.port under '
                'Slurm)',
                logger='current', level=logging.WARNING)
        if launcher == 'slurm':
            slurm_environment(dist_cfg.get('port'))
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


def slurm_environment(port=None) -> None:
    """What mmengine's ``_init_dist_slurm`` derives from a Slurm task's
    variables, without its CUDA calls: ``RANK`` (``SLURM_PROCID``),
    ``WORLD_SIZE`` (``SLURM_NTASKS``), ``LOCAL_RANK`` (``SLURM_LOCALID``),
    ``MASTER_ADDR`` (kept if set, else the first host of
    ``SLURM_NODELIST`` by ``scontrol``) and ``MASTER_PORT`` (``port``,
    else kept, else 29500)."""
    missing = [key for key in ('SLURM_PROCID', 'SLURM_NTASKS',
                               'SLURM_NODELIST') if key not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher slurm outside a Slurm task: {missing} '
                           'are not set (start it with srun, e.g. through '
                           'tools/slurm_train.sh)')
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    if 'MASTER_ADDR' not in os.environ:
        os.environ['MASTER_ADDR'] = subprocess.check_output(
            ['scontrol', 'show', 'hostnames', os.environ['SLURM_NODELIST']],
            text=True).split()[0]
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')


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
